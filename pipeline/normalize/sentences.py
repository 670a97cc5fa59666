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
_CANDIDATE = re.compile(rf"([.!?…]+)((?:{_NB}[»”\"')\]])*) (?=[«“\"(\[–—-]?{_NB}([^\s«“\"(\[–—-]))")
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f]+")
_LAST_WORD = re.compile(r"(\S+)$")
# After "etc." these open a new sentence; any other capital is taken as a name.
SENTENCE_OPENERS = {
    "Mais", "Et", "Le", "La", "Les", "L'", "Il", "Elle", "Ils", "Elles", "Nous", "Vous", "Je",
    "J'", "On", "Ce", "C'", "Cette", "Ces", "Cet", "Pour", "Dans", "En", "Au", "Aux", "Si",
    "S'", "Or", "Donc", "Un", "Une", "Des", "Du", "De", "D'", "À", "Quand", "Comme", "Car",
    "Ainsi", "Enfin", "Puis", "Alors", "Voilà", "Oui", "Non", "Qu'", "Que", "N'", "Tout",
    "Tous", "Toutes", "Cela", "Ça", "Sur", "Par", "Avec", "Sans", "Chacun", "Y", "Aussi",
    "Pourtant", "Cependant", "Néanmoins", "Par", "Depuis", "Lorsque", "Parce", "Merci",
}


def _first_word(s: str, pos: int) -> str:
    m = re.match(rf"[«“\"(\[–—-]?{_NB}([\w]+'?)", s[pos:])
    return m.group(1) if m else ""


def _quote_closes_sentence(s: str, pos: int) -> bool:
    """Inside «…» at pos: does the quotation end its sentence?"""
    close = s.find("»", pos)
    if close < 0:
        return True
    after = s[close + 1:].lstrip()
    if not after:
        return True
    if after[0] in ".!?…":
        return True
    before = s[:close].rstrip()
    return bool(before) and before[-1] in ".!?…" and (after[0].isupper() or after[0] in "(«")


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
            head = s[:m.start()]
            word = _LAST_WORD.search(head)
            w = word.group(1).lstrip("«“\"([–—-") if word else ""
            if w in no_split_after() or (len(w) == 1 and w.isupper()) or w.endswith("."):
                continue
            if w in ("etc", "Etc") and _first_word(s, m.end()) not in SENTENCE_OPENERS:
                continue
        if depth is None:
            depth = _quote_depth(s)
        end = m.end() - 1  # the space we would cut at
        if depth[end] > 0 and "»" not in closers and not _quote_closes_sentence(s, end):
            continue
        cuts.append(end)
    pieces, start = [], 0
    for c in cuts:
        pieces.append(s[start:c])
        start = c + 1
    pieces.append(s[start:])
    return pieces
