"""The data passed between stages: frozen dataclasses, no behaviour beyond derived views.

parse → Debate; segment → Utterance list; cast → {speaker key: Voice};
synth → Clip audio; assemble → Timeline; write → files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Union

from pipeline.french import CIVILITY_GENDER   # civility as printed → gender of the speaker(s)

_CHAIR_LABEL = re.compile(r"^(?:M\.|Mme)\s+(?:le|la)\s+président(?:e)?\s*\.?$")
# Labels of a group, not a person: several ("Plusieurs députés…", "Mmes et MM. …", "De nombreux
# députés…"), one unnamed member of a group ("Un député du groupe…", "Une députée…"), the benches.
_COLLECTIVE_LABEL = re.compile(
    r"^(?:plusieurs|de\s+nombreux|de\s+nombreuses|nombreux|quelques|des|les|tous\s+les|"
    r"un(?:e)?\s+(?:député|sénat|membre|voix)\w*|mmes?\s+et\s+mm\.|mm\.\s+et\s+mmes|"
    r"(?:sur\s+)?(?:divers|les|plusieurs)\s+bancs|applaudissements|"
    r"du\s+groupe)(?!\w)", re.IGNORECASE)   # "du groupe socialiste": the Sénat's benches
# (?!\w): "Desmarets", "Lesage", "Unterberger" are persons


_ONE_PERSON = re.compile(r"^(?:M\.|Mme|Mlle|Monsieur|Madame)\s+\S")
_SEVERAL = re.compile(r"(?:,|\set)\s+(?:M\.|Mmes?|MM\.|Mlle)\s")    # "Mme A et M. B", "M. A, M. B"


def is_collective(label: str, civility: str | None = None, person_id: str | None = None) -> bool:
    """A label or id naming a group rather than one person (see Speaker.collective). The AN's
    anonymous id (PA0, negative pseudo-ids) is also given to a named deputy it could not
    identify ("M. Matthias Tavel", id 0): a label with one person's civility stays a person."""
    if civility in ("MM.", "Mmes") or _COLLECTIVE_LABEL.match(label.strip()) or _SEVERAL.search(label):
        return True
    pid = (person_id or "").strip()
    if pid in ("PA0", "0") or re.fullmatch(r"(?:PA)?-\d+", pid):
        return not _ONE_PERSON.match(label.strip())
    return False


class InputError(Exception):
    """Bad input the user can fix: the CLI prints it as one line and exits 2."""


@dataclass(frozen=True)
class Source:
    """Where a piece of the debate is in the official record ("listen to the original")."""
    url: str | None = None      # the intervention's anchor on senat.fr / assemblee-nationale.fr
    offset: float | None = None  # seconds into the sitting's official video (AN `stime`)

    def to_json(self) -> dict:
        return {"url": self.url, "offset": self.offset}

    @staticmethod
    def from_json(d: dict | None) -> "Source | None":
        return None if d is None else Source(d.get("url"), d.get("offset"))


@dataclass(frozen=True)
class Speaker:
    label: str                 # exactly as printed: "M. le président."
    civility: str | None       # "M.", "Mme", "MM.", "Mmes"… or None ("Plusieurs députés…")
    name: str | None           # resolved person, "Loïc Hervé"; None when never named
    role: str | None = None    # role in this turn: "ministre de l'éducation nationale", "ministre"
    person_id: str | None = None   # the source's stable id: AN "PA605036", a NosDéputés slug,
                                   # a ParlaMint `who`; None when the source has none
    presiding: bool = False    # the source says this turn is the chair's (AN roledebat="president")
    sex: str | None = None     # "male" | "female" when the source states it; else from civility
    group: str | None = None   # political group printed with the name: "M. Patrick Hetzel (LR)" → "LR"
    members: tuple[str, ...] = ()   # the people a label names together ("Mme Aurore Bergé",
                                    # "M. Laurent Croizier"): a collective speaker, not a person

    @property
    def collective(self) -> bool:
        """Several people or an anonymous group ("Plusieurs députés du groupe…", "Un député du
        groupe…", "Mmes et MM. les membres…", AN id PA0, negative pseudo-ids): never one person."""
        return bool(self.members) or is_collective(self.label, self.civility, self.person_id)

    @property
    def gender(self) -> str | None:
        return self.sex or CIVILITY_GENDER.get(self.civility or "")

    @property
    def is_chair(self) -> bool:
        """The presiding officer ("M. le président."), not "M. le président de la commission."."""
        return self.presiding or bool(_CHAIR_LABEL.match(self.label.strip()))

    @property
    def key(self) -> str:
        """Identity used for casting and voice consistency across debates."""
        return self.name or self.label.strip().rstrip(".")

    def to_json(self) -> dict:
        return {"label": self.label, "civility": self.civility, "name": self.name, "role": self.role,
                "id": self.person_id, "presiding": self.presiding, "sex": self.sex,
                "group": self.group, "members": list(self.members)}

    @staticmethod
    def from_json(d: dict) -> "Speaker":
        return Speaker(d["label"], d.get("civility"), d.get("name"), d.get("role"), d.get("id"),
                       bool(d.get("presiding", False)), d.get("sex"), d.get("group"),
                       tuple(d.get("members") or ()))


@dataclass(frozen=True)
class Speech:
    """One intervention. `continues`: the same intervention resumed after a stage direction or an
    interjection (no new label printed, no new contents entry, counted once). `interjection`: a
    remark from the benches inside someone else's turn, not a turn of the floor."""
    speaker: Speaker
    paragraphs: tuple[str, ...]
    kind: Literal["speech"] = "speech"
    continues: bool = False
    interjection: bool = False
    source: Source | None = None

    def to_json(self) -> dict:
        return {"kind": "speech", "speaker": self.speaker.to_json(), "paragraphs": list(self.paragraphs),
                "continues": self.continues, "interjection": self.interjection,
                "source": self.source.to_json() if self.source else None}


@dataclass(frozen=True)
class Stage:
    text: str                  # with its parentheses, as printed
    kind: Literal["stage"] = "stage"

    def to_json(self) -> dict:
        return {"kind": "stage", "text": self.text}


@dataclass(frozen=True)
class Heading:
    """A heading inside a section. `level` ≥ 2 makes it an agenda item nested under the section
    (level 1) and under the nearest preceding heading of a lower level ("Discussion des articles"
    2 › "Article 1er" 3 › "Amendement n° 12" 4); None: a heading that opens no agenda item (the
    presidency line, an item's bare number)."""
    text: str
    kind: Literal["heading"] = "heading"
    level: int | None = None

    def to_json(self) -> dict:
        return {"kind": "heading", "text": self.text, "level": self.level}


Item = Union[Speech, Stage, Heading]


def item_from_json(d: dict) -> Item:
    kind = d["kind"]
    if kind == "speech":
        return Speech(Speaker.from_json(d["speaker"]), tuple(d["paragraphs"]),
                      continues=bool(d.get("continues", False)),
                      interjection=bool(d.get("interjection", False)),
                      source=Source.from_json(d.get("source")))
    if kind == "stage":
        return Stage(d["text"])
    if kind == "heading":
        return Heading(d["text"], level=d.get("level"))
    raise ValueError(f"unknown item kind {kind!r}")


@dataclass(frozen=True)
class Section:
    """A top-level agenda item (level 1): "Débat sur le programme…", "Questions au Gouvernement"."""
    title: str
    items: tuple[Item, ...]

    def to_json(self) -> dict:
        return {"title": self.title, "items": [i.to_json() for i in self.items]}


@dataclass(frozen=True)
class AgendaItem:
    """A node of the sitting's agenda tree (a derived view: see Debate.agenda)."""
    title: str
    level: int                 # 1 for a section, Heading.level below it
    section: int               # index in Debate.sections
    heading: int | None        # index of its Heading in the section's items; None for the section
    children: tuple["AgendaItem", ...] = ()


@dataclass(frozen=True)
class Debate:
    title: str
    date: str | None           # ISO "2013-02-04" when the source gives it; None: unknown
    chamber: str | None        # "Sénat" | "Assemblée nationale"
    sections: tuple[Section, ...]
    source: Source | None = None   # the record as published (page URL)
    details: tuple[tuple[str, str], ...] = ()   # ("legislature", "15"), ("seance", "2"), ("heure", "21:30")…

    def to_json(self) -> dict:
        return {"title": self.title, "date": self.date, "chamber": self.chamber,
                "sections": [s.to_json() for s in self.sections],
                "source": self.source.to_json() if self.source else None,
                "details": dict(self.details)}

    @staticmethod
    def from_json(d: dict) -> "Debate":
        """The inverse of to_json: `parse --json` output read back gives the same Debate."""
        return Debate(d["title"], d.get("date"), d.get("chamber"),
                      tuple(Section(s["title"], tuple(item_from_json(i) for i in s["items"]))
                            for s in d["sections"]),
                      Source.from_json(d.get("source")), tuple((d.get("details") or {}).items()))

    def agenda(self) -> tuple[AgendaItem, ...]:
        """The agenda tree: each section, and below it its headings that have a level, nested
        by level (a heading closes every open item of its level or deeper)."""
        def close(stack: list) -> AgendaItem:
            title, level, s, h, kids = stack.pop()
            node = AgendaItem(title, level, s, h, tuple(kids))
            if stack:
                stack[-1][4].append(node)
            return node

        out = []
        for s, section in enumerate(self.sections):
            stack = [(section.title, 1, s, None, [])]
            for h, item in enumerate(section.items):
                if isinstance(item, Heading) and item.level and item.level > 1:
                    while stack[-1][1] >= item.level:
                        close(stack)
                    stack.append((item.text, item.level, s, h, []))
            while len(stack) > 1:
                close(stack)
            out.append(close(stack))
        return tuple(out)

    def agenda_items(self) -> dict[tuple[int, ...], AgendaItem]:
        """Every agenda item by its path (section, child, grandchild…), in document order."""
        out: dict[tuple[int, ...], AgendaItem] = {}

        def walk(node: AgendaItem, path: tuple[int, ...]) -> None:
            out[path] = node
            for n, child in enumerate(node.children):
                walk(child, (*path, n))

        for s, node in enumerate(self.agenda()):
            walk(node, (s,))
        return out

    def speakers(self) -> dict[str, Speaker]:
        """Every distinct speaker by key, in order of first appearance (last full role wins)."""
        out: dict[str, Speaker] = {}
        for section in self.sections:
            for item in section.items:
                if isinstance(item, Speech):
                    k = item.speaker.key
                    if k not in out or (item.speaker.role and not out[k].role):
                        out[k] = item.speaker
        return out


# --- after segmentation -------------------------------------------------------------

NARRATOR = "__narrator__"      # speaker key of headings, section titles and stage directions


@dataclass(frozen=True)
class Utterance:
    """One sentence to speak: the unit of synthesis, highlighting and timing."""
    id: str                    # stable, XML-safe: "s03-p0012-u01"
    section: int               # index in Debate.sections
    kind: Literal["title", "heading", "stage", "speech"]
    speaker: str               # Speaker.key, or NARRATOR
    text: str                  # as displayed
    spoken: str                # normalized spoken form
    turn: int                  # running index of the item (turn) in the debate
    paragraph: int             # running index of the paragraph in the debate
    agenda: tuple[int, ...] = ()   # path of its agenda item: (section, child, grandchild…)


# --- casting and synthesis ----------------------------------------------------------

@dataclass(frozen=True)
class Voice:
    """One rendering: an engine's voice, speaker, and the variant applied to it."""
    engine: Literal["piper", "kokoro", "mbrola", "pico"]
    voice: str                 # piper model name ("fr_FR-siwis-medium"), "fr1", "fr-FR"
    speaker_id: int | None = None
    gender: str | None = None  # "male" | "female"
    length_scale: float = 1.0  # > 1 is slower
    pitch: float = 1.0         # pitch factor (variants when the pool is small)

    def to_json(self) -> dict:
        return {"engine": self.engine, "voice": self.voice, "speaker_id": self.speaker_id,
                "gender": self.gender}

    @property
    def rendering(self) -> tuple:
        return (self.engine, self.voice, self.speaker_id, self.length_scale, self.pitch)


# --- after assembly -----------------------------------------------------------------

@dataclass(frozen=True)
class Clip:
    """Where an utterance sits in the book, in samples. Clips tile the book: a clip's end is
    the next clip's start (the pause after an utterance belongs to it)."""
    utterance: str             # Utterance.id
    start: int
    end: int


@dataclass(frozen=True)
class WordClip:
    """Where one displayed word of an utterance sits, in samples (word-level read-along). An
    utterance's words tile its clip: the first starts with the clip, each ends where the next
    begins, the last ends with the clip (so the pause after the sentence belongs to it)."""
    utterance: str             # Utterance.id
    index: int                 # n-th displayed word of the sentence (pipeline.words.display_words)
    start: int
    end: int


@dataclass(frozen=True)
class Chapter:
    title: str
    section: int
    start: int                 # samples
    end: int
    level: int = 1             # agenda level it was cut at (1: a section)
    agenda: tuple[int, ...] = ()   # path of its agenda item (see Utterance.agenda)


@dataclass(frozen=True)
class Timeline:
    rate: int
    clips: tuple[Clip, ...]
    chapters: tuple[Chapter, ...]      # the audiobook's chapters, cut from the agenda tree
    total: int                 # samples in the book
    words: tuple[WordClip, ...] = ()   # word mode only; utterances without word times have none
    blocks: tuple[int, ...] = (0,)     # starts of the blocks the audiobooks are encoded in
    sections: tuple[Chapter, ...] = ()  # each Debate section's span (level 1): the EPUB's documents

    def clips_of(self, chapter: Chapter) -> tuple[Clip, ...]:
        return tuple(c for c in self.clips if chapter.start <= c.start < chapter.end)
