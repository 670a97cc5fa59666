"""Roman numerals: "XXIe siècle" -> "vingt et unième siècle", "IIIe
République", "chapitre Ier" -> "chapitre premier", "Louis XIV" -> "Louis
quatorze", "phase II" -> "phase deux".

A bare Roman numeral is read as a number when it follows a trigger word or a
regnal name (data/roman_triggers.tsv), or when it has two letters or more
("VII" after "référence :"); a lone "I", "V" or "X" elsewhere is left alone
(it is more likely a letter).  Lone L, C, D, M never count: "Le", "Ce", "De",
"Me" are words.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon
from .numbers import cardinal, ordinal, roman

SUFFIXED = re.compile(r"(?<![\w'])([IVXLCDM]+)(ers?|res?|ères?|èmes?|emes?|es?)(?!\w)")
BARE = re.compile(r"(?<![\w'-])([IVXL]{2,})(?![\w'-])")


@lru_cache(maxsize=None)
def _triggers() -> tuple[re.Pattern, dict[str, str]]:
    rows = {r[0]: r[1] for r in lexicon.table("roman_triggers.tsv") if len(r) >= 2}
    alts = "|".join(re.escape(w) for w in sorted(rows, key=len, reverse=True))
    return re.compile(r"(?<!\w)(" + alts + r") ([IVXLC]+)(?![\w'])"), rows


def _suffixed(m: re.Match) -> str:
    letters, suffix = m.group(1), m.group(2)
    if len(letters) == 1 and letters not in "IVX":
        return m.group()
    n = roman(letters)
    if n is None:
        return m.group()
    words = ordinal(n, feminine=suffix.startswith(("re", "ère")))
    return words + ("s" if suffix.endswith("s") else "")


def _triggered(m: re.Match) -> str:
    _, rows = _triggers()
    n = roman(m.group(2))
    if n is None:
        return m.group()
    if n == 1:
        return f"{m.group(1)} {rows[m.group(1)]}"
    return f"{m.group(1)} {cardinal(n)}"


def _bare(m: re.Match) -> str:
    n = roman(m.group(1))
    return m.group() if n is None else cardinal(n)


# Cheap guard: a Roman-looking word (lone L, C, D, M + e are "Le", "Ce"…).
_HAS_ROMAN = re.compile(r"(?<![\w'-])(?:[IVX]|[IVXLCDM]{2,})(?:ers?|res?|ères?|èmes?|emes?|es?)?(?![\w'-])")


def apply(text: str) -> str:
    if not _HAS_ROMAN.search(text):
        return text
    text = SUFFIXED.sub(_suffixed, text)
    pattern, _ = _triggers()
    text = pattern.sub(_triggered, text)
    return BARE.sub(_bare, text)
