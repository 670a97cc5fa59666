"""Every number still written in digits: cardinals and decimals, with agreement.

Runs after the specific classes (dates, times, money, units, ordinals…), so
what is left is a count, a year, an article number or a decimal.  A number
right before a feminine noun (data/feminine.tsv) ends in "une":
"21 voix" -> "vingt et une voix", "1 heure" -> "une heure".  A number that
designates rather than counts ("page 200", "l'an 1900", "numéros 1922 et 1900":
after a word of data/designations.tsv) is invariable: "page deux cent", which
also keeps espeak from a "deux cents_z_a" liaison.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon
from .numbers import MAX_DIGITS, NUM, cardinal, digits, fraction_part, to_int

NUMBER = re.compile(r"(?P<sign>(?<![^\s(\[])-)?(?P<num>" + NUM + r")(?:,(?P<frac>\d+))?")
_NEXT = re.compile(r" ?([\w-]+)")
# A written number (as NUM) of more than MAX_DIGITS digits: a run, or 7 groups and more.
_LONG = re.compile(r"(?<![\d,.])(?:\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3}){6,}(?!\d)"
                   r"|\d{1,3}(?:\.\d{3}){6,}(?!\d)|\d{%d,})" % (MAX_DIGITS + 1))


@lru_cache(maxsize=None)
def feminine_words() -> frozenset[str]:
    return lexicon.words("feminine.tsv")


@lru_cache(maxsize=None)
def _designation() -> re.Pattern:
    """A designation word, then its number and any more listed after it (", 628 et 581")."""
    words = lexicon.words("designations.tsv")
    alts = lexicon.trie_pattern(words | {w[0].upper() + w[1:] for w in words})  # "L'an 1900"
    return re.compile(r"(?<!\w)(?:" + alts + r") (" + NUM + r")((?:(?:, | et | ou | à )" + NUM + r")*)(?!\d|,\d)")


def _say(m: re.Match, invariable: bool = False) -> str:
    n = to_int(m.group("num"))
    frac = m.group("frac")
    if frac:
        words = cardinal(n) + " virgule " + fraction_part(frac)
    else:
        nxt = _NEXT.match(m.string, m.end())
        feminine = bool(nxt) and nxt.group(1).lower() in feminine_words()
        words = cardinal(n, feminine, invariable)
    if m.group("sign"):
        words = "moins " + words
    # Glued to letters ("A4", "x2"): keep the word apart.
    s, e = m.start(), m.end()
    if s and m.string[s - 1].isalpha():
        words = " " + words
    if e < len(m.string) and m.string[e].isalpha():
        words += " "
    return words


def _designated(m: re.Match) -> str:
    start = m.start(1) - m.start()
    head = m.group()[:start]
    return head + NUMBER.sub(lambda n: _say(n, invariable=True), m.group()[start:])


def long_numbers(text: str) -> str:
    """A number of more digits than anyone reads as one: digit by digit (and never an int
    of thousands of digits, which Python refuses to parse)."""
    return _LONG.sub(lambda m: " " + digits(m.group()) + " ", text)


def apply(text: str) -> str:
    text = _designation().sub(_designated, text)
    return NUMBER.sub(_say, text)
