"""Percentages and units of measure, read only right after a number.

"3,5 %" -> "trois virgule cinq pour cent"; "12 000 m²" -> "douze mille mètres
carrés"; "1 t" -> "une tonne" (unit gender drives agreement); singular below 2.
Units live in data/units.tsv.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon
from .numbers import NUMDEC, number, plural

PERCENT = re.compile(r"(" + NUMDEC + r") ?(%|‰|pour ?cent\b|p\. ?100\b)")


def _percent(m: re.Match) -> str:
    words, _ = number(m.group(1))
    return words + (" pour mille" if m.group(2) == "‰" else " pour cent")


@lru_cache(maxsize=None)
def _units() -> tuple[re.Pattern, dict[str, tuple[str, str, bool]]]:
    table = {r[0]: (r[1], r[2], r[3] == "f") for r in lexicon.table("units.tsv") if len(r) >= 4}
    alts = "|".join(re.escape(u) for u in sorted(table, key=len, reverse=True))
    return re.compile(r"(" + NUMDEC + r") ?(" + alts + r")(?![\w²³/'])"), table


def _unit(m: re.Match) -> str:
    _, table = _units()
    sing, plur, fem = table[m.group(2)]
    words, value = number(m.group(1), feminine=fem)
    return f"{words} {plur if plural(value) else sing}"


def apply(text: str) -> str:
    text = PERCENT.sub(_percent, text)
    pattern, _ = _units()
    return pattern.sub(_unit, text)
