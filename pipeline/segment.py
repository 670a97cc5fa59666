"""Segment a Debate into utterances: one per sentence, each with its spoken (normalized) form.

Section titles, headings and stage directions are utterances of the narrator; the speaker label
("M. le président.") is displayed, not read: every speaker has their own voice instead.

A sentence longer than MAX_UTTERANCE characters is said in several breaths: an engine's memory
grows with what it says at once (one unpunctuated 100 KB sentence took 6 GB). 1 000 keeps real
sentences whole: of the 40 322 sentences of the 32 real sittings in seeds/ and the samples, 2
are longer (1 140 and 1 847 characters; 354 are over 400). The cut is at the best break of
the last half: after a pause mark (, ; : ) »), else before a conjunction, else at any space,
else (a 1 000-character "word") anywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from pipeline.model import NARRATOR, Debate, Heading, Item, Speech, Stage, Utterance
from pipeline.normalize import normalize
from pipeline.normalize import split_sentences as _sentences

MAX_UTTERANCE = 1000
_PAUSE = re.compile(r"[,;:)\]»”—–]+ ")
_CONJUNCTION = re.compile(r" (?=(?:et|ou|mais|donc|car|puis|ni|or|que|qui|dont|où|lorsque|"
                          r"puisque|parce|quand|si|alors|tandis|afin|comme|sans|avec|pour)\b)",
                          re.I)


# Paragraph → its sentences, in this process: the EPUB and the page split every paragraph
# segment() split (a tenth of a 4-hour sitting's rebuild, three times over).
_SPLITS: dict[str, tuple[str, ...]] = {}


def split_sentences(paragraph: str) -> list[str]:
    """pipeline.normalize.split_sentences, each sentence too long for one breath cut further
    (the writers split paragraphs with this same function: their ids are the utterances')."""
    known = _SPLITS.get(paragraph)
    if known is None:
        out: list[str] = []
        for sentence in _sentences(paragraph):
            out.extend(_breaths(sentence) if len(sentence) > MAX_UTTERANCE else (sentence,))
        known = _remember(paragraph, out)
    return list(known)


def _remember(paragraph: str, sentences: list[str]) -> tuple[str, ...]:
    if len(_SPLITS) > 100_000:           # bounded: a long-running process builds many sittings
        _SPLITS.clear()
    _SPLITS[paragraph] = known = tuple(sentences)
    return known


def _breaths(sentence: str) -> list[str]:
    """Pieces of at most MAX_UTTERANCE characters; a cut at a space drops that space (so the
    pieces joined by " " give the sentence back, as split_sentences' do)."""
    pieces = []
    s = sentence
    while len(s) > MAX_UTTERANCE:
        window = s[:MAX_UTTERANCE + 1]            # a space at MAX_UTTERANCE still fits
        half = MAX_UTTERANCE // 2
        spaces = ([m.end() - 1 for m in _PAUSE.finditer(window, half)]
                  or [m.start() for m in _CONJUNCTION.finditer(window, half)]
                  or [window.rfind(" ", 1)])
        cut = spaces[-1] if spaces[-1] > 0 else None
        if cut is None:                           # no space at all: cut the "word" itself
            pieces.append(s[:MAX_UTTERANCE])
            s = s[MAX_UTTERANCE:]
        else:
            pieces.append(s[:cut])
            s = s[cut + 1:]
    pieces.append(s)
    return [p for p in pieces if p]


@dataclass(frozen=True)
class Paragraph:
    """One displayed block of text and where it sits; the unit the EPUB and the pauses use."""
    section: int
    turn: int                  # running index of the item in the debate; 0 for a section title
    index: int                 # running index of the paragraph in the debate
    kind: str                  # "title" | "heading" | "stage" | "speech"
    speaker: str               # Speaker.key or NARRATOR
    text: str
    item: Item | None          # None for a section title
    first: bool                # first paragraph of its item
    agenda: tuple[int, ...] = ()   # path of its agenda item in Debate.agenda()

    @property
    def labelled(self) -> bool:
        """Where a speaker label is shown: the first paragraph of an intervention, not of one
        resumed after a stage direction or an interjection (Speech.continues)."""
        return (self.first and isinstance(self.item, Speech)
                and not self.item.continues)

    @property
    def agenda_number(self) -> bool:
        """An agenda item's bare number ("10"): displayed, never read (the chapter title
        already announces the item), never a heading of its own."""
        return self.kind == "heading" and self.text.strip().isdigit()

    def sentence_id(self, n: int) -> str:
        return f"s{self.section:02d}-t{self.turn:04d}-p{self.index:05d}-u{n:02d}"


def agenda_paths(debate: Debate) -> dict[tuple[int, int | None], tuple[int, ...]]:
    """(section, index of the heading that opens it, None for the section) → the agenda item's
    path: (section, child, grandchild…) in Debate.agenda()."""
    return {(node.section, node.heading): path for path, node in debate.agenda_items().items()}


def paragraphs(debate: Debate) -> Iterator[Paragraph]:
    turn = 0
    index = 0
    paths = agenda_paths(debate)
    for s, section in enumerate(debate.sections):
        path = paths[(s, None)]
        yield Paragraph(s, 0, index, "title", NARRATOR, section.title, None, True, path)
        index += 1
        for h, item in enumerate(section.items):
            turn += 1
            path = paths.get((s, h), path)      # a heading opens its agenda item
            if isinstance(item, Speech):
                texts = [(t, "speech", item.speaker.key) for t in item.paragraphs]
            elif isinstance(item, Stage):
                texts = [(item.text, "stage", NARRATOR)]
            else:
                assert isinstance(item, Heading)
                texts = [(item.text, "heading", NARRATOR)]
            for k, (text, kind, speaker) in enumerate(texts):
                yield Paragraph(s, turn, index, kind, speaker, text, item, k == 0, path)
                index += 1


def is_speakable(p: Paragraph, spoken: str) -> bool:
    """Displayed but not read: punctuation only ("…", "–"), and an agenda item's number."""
    if p.agenda_number:
        return False
    return any(ch.isalnum() for ch in spoken)


def _pairs(said) -> bool:
    """A memo's entry as segment() writes it: [[sentence, spoken], …]."""
    return isinstance(said, list) and all(
        isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and isinstance(x[1], str)
        for x in said)


def segment(debate: Debate, lexicon: dict[str, str] | None = None,
            memo: dict | None = None) -> list[Utterance]:
    """Utterances in reading order; ids come from Paragraph.sentence_id, so the EPUB writer
    finds each sentence's id by splitting the paragraph the same way. `lexicon`: the user's
    pronunciations (config.load_lexicon), passed to the normalizer. `memo`: paragraph →
    [[sentence, spoken], …] as an earlier run with the same code and lexicon made them
    (Cache.get_segments); its paragraphs are not split nor normalized again, and it is left
    holding this debate's paragraphs, and only those."""
    out: list[Utterance] = []
    known = dict(memo) if memo else {}
    if memo is not None:
        memo.clear()
    for p in paragraphs(debate):
        said = known.get(p.text)
        if not _pairs(said):
            said = [[s, normalize(s, lexicon).strip()] for s in split_sentences(p.text)]
        else:
            _remember(p.text, [sentence for sentence, _ in said])
        if memo is not None:
            memo[p.text] = said
        for n, (sentence, spoken) in enumerate(said):
            if is_speakable(p, spoken):
                out.append(Utterance(id=p.sentence_id(n), section=p.section, kind=p.kind,
                                     speaker=p.speaker, text=sentence, spoken=spoken,
                                     turn=p.turn, paragraph=p.index, agenda=p.agenda))
    return out
