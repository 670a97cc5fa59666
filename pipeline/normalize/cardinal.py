"""Every number still written in digits: cardinals and decimals, with agreement.

Runs after the specific classes (dates, times, money, units, ordinals…), so
what is left is a count, a year, an article number or a decimal.  A number
right before a feminine noun (data/feminine.tsv) ends in "une":
"21 voix" -> "vingt et une voix", "1 heure" -> "une heure".
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon
from .numbers import NUM, cardinal, fraction_part, to_int

NUMBER = re.compile(r"(?P<sign>(?<![^\s(\[])-)?(?P<num>" + NUM + r")(?:,(?P<frac>\d+))?")
_NEXT = re.compile(r" ?([\w-]+)")


@lru_cache(maxsize=None)
def feminine_words() -> frozenset[str]:
    return lexicon.words("feminine.tsv")


def _say(m: re.Match) -> str:
    n = to_int(m.group("num"))
    frac = m.group("frac")
    if frac:
        words = cardinal(n) + " virgule " + fraction_part(frac)
    else:
        nxt = _NEXT.match(m.string, m.end())
        feminine = bool(nxt) and nxt.group(1).lower() in feminine_words()
        words = cardinal(n, feminine)
    if m.group("sign"):
        words = "moins " + words
    # Glued to letters ("A4", "x2"): keep the word apart.
    s, e = m.start(), m.end()
    if s and m.string[s - 1].isalpha():
        words = " " + words
    if e < len(m.string) and m.string[e].isalpha():
        words += " "
    return words


def apply(text: str) -> str:
    return NUMBER.sub(_say, text)
