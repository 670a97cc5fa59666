"""Number words: cardinals, ordinals, decimals, digit strings, Roman numerals.

Written by hand rather than with num2words because we need feminine "une",
correct ordinals of 80/200 ("quatre-vingtième", "deux centième"), decimals read
as numbers ("virgule soixante-seize") and speed. Traditional orthography:
hyphens only below one hundred, "et un", "quatre-vingts"/"deux cents" plural
only at the end of the number or before million/milliard (nouns).
"""
from __future__ import annotations

import re
from functools import lru_cache

_UNITS = ("zéro un deux trois quatre cinq six sept huit neuf dix onze douze "
          "treize quatorze quinze seize").split()
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
# (value, singular, plural) of the big nouns, largest first.
_SCALES = ((10**15, "billiard", "billiards"), (10**12, "billion", "billions"),
           (10**9, "milliard", "milliards"), (10**6, "million", "millions"))

# A number as written: thousands grouped by space/NBSP/NNBSP/thin space or dot,
# or a plain run of digits.  (?<![\d,]) keeps us out of the middle of a number.
NUM = r"(?<![\d,.])(?:\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)|\d{1,3}(?:\.\d{3})+(?![\d])|\d+)"
NUMDEC = NUM + r"(?:,\d+)?"


def _below_100(n: int) -> str:
    if n < 17:
        return _UNITS[n]
    if n < 20:
        return "dix-" + _UNITS[n - 10]
    if n < 70:
        tens, unit = divmod(n, 10)
        if unit == 0:
            return _TENS[tens]
        return _TENS[tens] + (" et un" if unit == 1 else "-" + _UNITS[unit])
    if n < 80:
        return "soixante et onze" if n == 71 else "soixante-" + _below_100(n - 60)
    if n == 80:
        return "quatre-vingts"
    return "quatre-vingt-" + _below_100(n - 80)


def _below_1000(n: int, final: bool) -> str:
    """final=False: followed by "mille", so "quatre-vingt"/"deux cent" lose their s."""
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        if hundreds == 1:
            words.append("cent")
        else:
            words.append(_UNITS[hundreds] + (" cents" if rest == 0 and final else " cent"))
    if rest:
        w = _below_100(rest)
        if not final and rest == 80:
            w = "quatre-vingt"
        words.append(w)
    return " ".join(words)


@lru_cache(maxsize=4096)
def cardinal(n: int, feminine: bool = False) -> str:
    """Cardinal in words: 183 -> "cent quatre-vingt-trois"; feminine turns a final "un" into "une"."""
    if n < 0:
        return "moins " + cardinal(-n, feminine)
    if n >= 10**18:
        return digits(str(n))
    if n < 100:
        words = _below_100(n)
    else:
        parts = []
        for value, sing, plur in _SCALES:
            count, n = divmod(n, value)
            if count:
                parts.append(_below_1000(count, True) + " " + (sing if count == 1 else plur))
                if count == 1:
                    parts[-1] = "un " + sing
        thousands, n = divmod(n, 1000)
        if thousands:
            parts.append("mille" if thousands == 1 else _below_1000(thousands, False) + " mille")
        if n:
            parts.append(_below_1000(n, True))
        words = " ".join(parts)
    if feminine and words.endswith("un"):
        words += "e"
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
    """1 -> premier/première, 80 -> quatre-vingtième, 21 -> vingt et unième."""
    if n == 1:
        return "première" if feminine else "premier"
    words = cardinal(n)
    if words.startswith("un ") and n in (10**6, 10**9, 10**12):
        words = words[3:]
    head, sep, last = max((words.rpartition(" "), words.rpartition("-")), key=lambda t: len(t[0]))
    return head + sep + _ordinal_word(last)


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
