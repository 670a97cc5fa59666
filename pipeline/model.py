"""The data passed between stages: frozen dataclasses, no behaviour beyond derived views.

parse → Debate; segment → Utterance list; cast → {speaker key: Voice};
synth → Clip audio; assemble → Timeline; write → files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Union

# Civility as printed → grammatical gender of the speaker(s).
CIVILITY_GENDER = {
    "M.": "male", "MM.": "male", "Monsieur": "male",
    "Mme": "female", "Mmes": "female", "Mlle": "female", "Mlles": "female", "Madame": "female",
}

_CHAIR_LABEL = re.compile(r"^(?:M\.|Mme)\s+(?:le|la)\s+président(?:e)?\s*\.?$")


class InputError(Exception):
    """Bad input the user can fix: the CLI prints it as one line and exits 2."""


@dataclass(frozen=True)
class Speaker:
    label: str                 # exactly as printed: "M. le président."
    civility: str | None       # "M.", "Mme", "MM.", "Mmes"… or None ("Plusieurs députés…")
    name: str | None           # resolved person, "Loïc Hervé"; None when never named
    role: str | None = None    # "ministre auprès du ministre d'État…", "rapporteure"…

    @property
    def gender(self) -> str | None:
        return CIVILITY_GENDER.get(self.civility or "")

    @property
    def is_chair(self) -> bool:
        """The presiding officer ("M. le président."), not "M. le président de la commission."."""
        return bool(_CHAIR_LABEL.match(self.label.strip()))

    @property
    def key(self) -> str:
        """Identity used for casting and voice consistency across debates."""
        return self.name or self.label.strip().rstrip(".")

    def to_json(self) -> dict:
        return {"label": self.label, "civility": self.civility, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class Speech:
    speaker: Speaker
    paragraphs: tuple[str, ...]
    kind: Literal["speech"] = "speech"

    def to_json(self) -> dict:
        return {"kind": "speech", "speaker": self.speaker.to_json(), "paragraphs": list(self.paragraphs)}


@dataclass(frozen=True)
class Stage:
    text: str                  # with its parentheses, as printed
    kind: Literal["stage"] = "stage"

    def to_json(self) -> dict:
        return {"kind": "stage", "text": self.text}


@dataclass(frozen=True)
class Heading:
    text: str
    kind: Literal["heading"] = "heading"

    def to_json(self) -> dict:
        return {"kind": "heading", "text": self.text}


Item = Union[Speech, Stage, Heading]


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]

    def to_json(self) -> dict:
        return {"title": self.title, "items": [i.to_json() for i in self.items]}


@dataclass(frozen=True)
class Debate:
    title: str
    date: str | None           # ISO "2013-02-04" when the text gives it
    chamber: str | None        # "Sénat" | "Assemblée nationale"
    sections: tuple[Section, ...]

    def to_json(self) -> dict:
        return {"title": self.title, "date": self.date, "chamber": self.chamber,
                "sections": [s.to_json() for s in self.sections]}

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


# --- casting and synthesis ----------------------------------------------------------

@dataclass(frozen=True)
class Voice:
    """One rendering: an engine's voice, speaker, and the variant applied to it."""
    engine: Literal["piper", "mbrola", "pico"]
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


@dataclass(frozen=True)
class Timeline:
    rate: int
    clips: tuple[Clip, ...]
    chapters: tuple[Chapter, ...]
    total: int                 # samples in the book
    words: tuple[WordClip, ...] = ()   # word mode only; utterances without word times have none
    blocks: tuple[int, ...] = (0,)     # starts of the blocks the audiobooks are encoded in

    def clips_of(self, chapter: Chapter) -> tuple[Clip, ...]:
        return tuple(c for c in self.clips if chapter.start <= c.start < chapter.end)
