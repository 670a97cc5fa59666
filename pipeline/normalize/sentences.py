"""Sentence segmentation of one display paragraph.

Ordinary whitespace is collapsed first (the non-breaking spaces of French
typography, U+00A0 and U+202F, are kept: the EPUB displays these pieces), then
the text is cut at single spaces only: joining the pieces with " " gives back
collapse(paragraph) exactly.

A cut goes after ! ? … or . (plus any closing quotes/brackets) when the next
sentence starts with a capital (possibly behind an opening quote, bracket or
dash); ! ? … may also be followed by a digit.  No cut after civilities and
reference abbreviations (M., MM., Mme., art., p., n°, cf.: every word of
data/abbreviations.tsv, see abbreviation.no_split_after) nor single initials,
nor after "etc." unless a typical sentence opener follows, nor inside «…»
when the quotation does not end the sentence.
"""
from __future__ import annotations

import re

from .abbreviation import no_split_after

_NB = "[ \u00a0\u202f]?"  # an optional space, breaking or not, inside quotes/brackets
_CANDIDATE = re.compile(rf"(?<![.!?…])([.!?…]+)((?:{_NB}[»”\"')\]])*) (?=[«“\"(\[–—-]?{_NB}([^\s«“\"(\[–—-]))")
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f]+")
# After "etc." these open a new sentence; any other capital is taken as a name.
SENTENCE_OPENERS = {
    "Mais", "Et", "Le", "La", "Les", "L'", "Il", "Elle", "Ils", "Elles", "Nous", "Vous", "Je",
    "J'", "On", "Ce", "C'", "Cette", "Ces", "Cet", "Pour", "Dans", "En", "Au", "Aux", "Si",
    "S'", "Or", "Donc", "Un", "Une", "Des", "Du", "De", "D'", "À", "Quand", "Comme", "Car",
    "Ainsi", "Enfin", "Puis", "Alors", "Voilà", "Oui", "Non", "Qu'", "Que", "N'", "Tout",
    "Tous", "Toutes", "Cela", "Ça", "Sur", "Par", "Avec", "Sans", "Chacun", "Y", "Aussi",
    "Pourtant", "Cependant", "Néanmoins", "Par", "Depuis", "Lorsque", "Parce", "Merci",
}


_FIRST_WORD = re.compile(rf"[«“\"(\[–—-]?{_NB}([\w]+'?)")
_SPACES = " \u00a0\u202f"


def _first_word(s: str, pos: int) -> str:
    m = _FIRST_WORD.match(s, pos)
    return m.group(1) if m else ""


def _last_word(s: str, end: int) -> str:
    """The word ending at ``end``: read back to the space before it only (a slice of the text
    before it, per candidate, made the splitter quadratic)."""
    start = s.rfind(" ", 0, end) + 1       # every earlier candidate holds a space: bounded
    word = s[start:end]
    for nb in "\u00a0\u202f":
        word = word.rpartition(nb)[2]
    return word


class _Quotes:
    """Inside «…»: does the quotation end its sentence? Candidates come in order, so the next
    closing » is found once for all the candidates before it (linear in the paragraph)."""

    def __init__(self, s: str):
        self.s, self.close, self.answer = s, -2, True

    def closes_sentence(self, pos: int) -> bool:
        s = self.s
        if self.close == -1 or pos <= self.close:
            return self.answer
        self.close = close = s.find("»", pos)
        if close < 0:
            self.answer = True
            return True
        a = close + 1
        while a < len(s) and s[a] in _SPACES:
            a += 1
        b = close
        while b > 0 and s[b - 1] in _SPACES:
            b -= 1
        after = s[a] if a < len(s) else ""
        self.answer = (not after or after in ".!?…"
                       or (b > 0 and s[b - 1] in ".!?…" and (after.isupper() or after in "(«")))
        return self.answer


def _quote_depth(s: str) -> list[int]:
    """depth[i] = number of «…» open before s[i]."""
    depth, d = [], 0
    for ch in s:
        depth.append(d)
        if ch == "«":
            d += 1
        elif ch == "»" and d:
            d -= 1
    return depth


def collapse(paragraph: str) -> str:
    """Runs of ordinary whitespace → one space; non-breaking spaces kept."""
    return _BREAKING_SPACE.sub(" ", paragraph).strip(" \u00a0\u202f")


def split_sentences(paragraph: str) -> list[str]:
    s = collapse(paragraph)
    if not s:
        return []
    depth = None
    cuts = []
    for m in _CANDIDATE.finditer(s):
        punct, closers, nxt = m.group(1), m.group(2), m.group(3)
        if not (nxt.isupper() or (punct[-1] != "." and nxt.isdigit())):
            continue
        if punct == ".":
            w = _last_word(s, m.start()).lstrip("«“\"([–—-")
            if w in no_split_after() or (len(w) == 1 and w.isupper()) or w.endswith("."):
                continue
            if w in ("etc", "Etc") and _first_word(s, m.end()) not in SENTENCE_OPENERS:
                continue
        if depth is None:
            depth, quotes = _quote_depth(s), _Quotes(s)
        end = m.end() - 1  # the space we would cut at
        if depth[end] > 0 and "»" not in closers and not quotes.closes_sentence(end):
            continue
        cuts.append(end)
    pieces, start = [], 0
    for c in cuts:
        pieces.append(s[start:c])
        start = c + 1
    pieces.append(s[start:])
    return pieces
