"""Numeric dates: "02/03/2003" -> "deux mars deux mille trois".

Written-out dates ("5 juillet 2000", "1er janvier 2024") need nothing special:
the ordinal and cardinal passes read them right; years are plain cardinals
("mille sept cent quatre-vingt-neuf").
"""
from __future__ import annotations

import re

from pipeline import french

from .numbers import cardinal

MONTHS = french.MONTHS
NUMERIC = re.compile(r"(?<![\d/.,-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/\w])")


def _say(m: re.Match) -> str:
    day, month, year = int(m.group(1)), int(m.group(3)), m.group(4)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group()
    y = int(year)
    if len(year) == 2:  # 03 -> 2003, 98 -> 1998
        y += 2000 if y < 50 else 1900
    day_words = "premier" if day == 1 else cardinal(day)
    return f"{day_words} {MONTHS[month - 1]} {cardinal(y)}"


def apply(text: str) -> str:
    return NUMERIC.sub(_say, text)
