"""Fractions: "1/3" -> "un tiers", "3/4" -> "trois quarts", "1 1/2" -> "un et demi".

Denominators up to 10 (and 100, 1000) are read as fractions; anything else,
or a numerator above the denominator, as "X sur Y" ("24/24").
"""
from __future__ import annotations

import re

from .numbers import cardinal, ordinal

MIXED = re.compile(r"(?<![\d,./])(\d+) (\d)/(\d{1,2})(?![\d/\w])")
SIMPLE = re.compile(r"(?<![\d,./\w])(\d+)/(\d+)(?![\d/\w])")
_NAMES = {2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}


def words(num: int, den: int) -> str:
    if den == 0 or num > den or not (2 <= den <= 10 or den in (100, 1000)) or num == den:
        return f"{cardinal(num)} sur {cardinal(den)}"
    sing, plur = _NAMES.get(den) or (ordinal(den), ordinal(den) + "s")
    return f"{cardinal(num)} {plur if num >= 2 else sing}"


def _mixed(m: re.Match) -> str:
    num, den = int(m.group(2)), int(m.group(3))
    if num >= den or den == 0:
        return m.group()
    frac = "demi" if (num, den) == (1, 2) else words(num, den)
    return f"{cardinal(int(m.group(1)))} et {frac}"


def apply(text: str) -> str:
    if "/" not in text:
        return text
    text = MIXED.sub(_mixed, text)
    return SIMPLE.sub(lambda m: words(int(m.group(1)), int(m.group(2))), text)
