"""Number words: cardinals, ordinals, decimals, digit strings, Roman numerals.

Cardinals are num2words' (lang "fr", traditional orthography: hyphens below one
hundred, "et un", "quatre-vingts"/"deux cents" plural only at the end or before
million/milliard). The project keeps only what num2words gets wrong in French,
each shown by a test in tests/normalize/test_num2words.py: feminine "une",
ordinals of 80/200/2 000 000 ("quatre-vingtsième"), "millionième" without "un",
decimals read as numbers ("virgule soixante-seize", not digit by digit), the
invariable "deux cent" of designations ("page 200"), and numbers too long to be
read as one (digit by digit, never an int of thousands of digits).
"""
from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

_UNITS = "zéro un deux trois quatre cinq six sept huit neuf".split()
# Above this, a number is read digit by digit: nobody says "un trillion deux…".
MAX_DIGITS = 18

# A number as written: thousands grouped by space/NBSP/NNBSP/thin space or dot,
# or a plain run of digits.  (?<![\d,]) keeps us out of the middle of a number.
NUM = r"(?<![\d,.])(?:\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)|\d{1,3}(?:\.\d{3})+(?![\d])|\d+)"
NUMDEC = NUM + r"(?:,\d+)?"


@lru_cache(maxsize=4096)
def cardinal(n: int, feminine: bool = False, invariable: bool = False) -> str:
    """183 -> "cent quatre-vingt-trois"; feminine: a final "un" becomes "une" ("vingt et
    une voix"); invariable: a designation keeps "vingt"/"cent" singular ("page deux cent")."""
    if n < 0:
        return "moins " + cardinal(-n, feminine, invariable)
    if n >= 10**MAX_DIGITS:
        return digits(str(n))
    words = num2words(n, lang="fr")
    if feminine and words.endswith("un"):
        words += "e"
    if invariable and words.endswith(("vingts", "cents")):
        words = words[:-1]
    return words


def _ordinal_word(word: str) -> str:
    if word == "un":
        return "unième"
    if word == "cinq":
        return "cinquième"
    if word == "neuf":
        return "neuvième"
    if word.endswith("s") and word not in ("trois", "six"):  # vingts, cents, millions
        word = word[:-1]
    if word.endswith("e"):
        word = word[:-1]
    return word + "ième"


@lru_cache(maxsize=2048)
def ordinal(n: int, feminine: bool = False) -> str:
    """1 -> premier/première, 80 -> quatre-vingtième, 21 -> vingt et unième,
    10**9 -> milliardième (as "millième": the "un" of the cardinal is not said)."""
    if n == 1:
        return "première" if feminine else "premier"
    words = cardinal(n)
    if words.startswith("un ") and n in (10**6, 10**9, 10**12, 10**15):
        words = words[3:]
    head, sep, last = max((words.rpartition(" "), words.rpartition("-")), key=lambda t: len(t[0]))
    return head + sep + _ordinal_word(last)


def adverb(n: int) -> str:
    """The ordinal adverb of a list item: 1 -> premièrement, 2 -> deuxièmement."""
    return "premièrement" if n == 1 else ordinal(n) + "ment"


def digits(s: str) -> str:
    """Digit by digit: "0612" -> "zéro six un deux"."""
    return " ".join(_UNITS[int(c)] for c in s if c.isdigit())


def to_int(s: str) -> int:
    return int(re.sub(r"\D", "", s))


def fraction_part(s: str) -> str:
    """Digits after the decimal comma: leading zeros spoken, the rest as a number."""
    zeros = len(s) - len(s.lstrip("0"))
    rest = s[zeros:]
    words = ["zéro"] * zeros
    if rest:
        words.append(cardinal(int(rest)) if len(rest) <= 3 else digits(rest))
    return " ".join(words)


def number(s: str, feminine: bool = False) -> tuple[str, float]:
    """A written number, with optional decimal comma -> (words, value)."""
    whole, _, frac = s.partition(",")
    n = to_int(whole)
    if frac:
        return cardinal(n) + " virgule " + fraction_part(frac), float(f"{n}.{frac}")
    return cardinal(n, feminine), float(n)


def plural(value: float) -> bool:
    """French plural rule for nouns after a number: from 2 on."""
    return abs(value) >= 2


_ROMAN_RE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman(s: str) -> int | None:
    """Value of a valid Roman numeral, else None."""
    if not s or not _ROMAN_RE.match(s):
        return None
    total = 0
    for a, b in zip(s, s[1:] + " "):
        v = _ROMAN_VALUES[a]
        total += -v if b != " " and _ROMAN_VALUES[b] > v else v
    return total
