"""Amounts of money: "12,50 €" -> "douze euros cinquante", "0,20 €" -> "vingt
centimes", "780 M€" -> "sept cent quatre-vingts millions d'euros".

Currency symbols may precede ("$5") or follow the amount; scale words or
symbols (millions, Md, M, k) may sit in between.  A decimal with one or two
digits is read as cents, which is how French speakers say prices (num2words'
currency mode says "douze euros et cinquante centimes" and reads 12 as cents).
Currencies, scales and per-units are data: data/currencies.tsv, scales.tsv,
per_units.tsv.
"""
from __future__ import annotations

import re

from functools import lru_cache

from . import lexicon
from .numbers import NUMDEC, cardinal, number, plural, to_int


def _alternation(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


@lru_cache(maxsize=None)
def _data():
    """(currencies, scales, scale nouns, per-unit words, SUFFIX, PREFIX) from data/."""
    currencies = {r[0]: (r[1], r[2], r[3] == "f", r[4], r[5])
                  for r in lexicon.table("currencies.tsv") if len(r) >= 6}
    scales, nouns = {}, {}
    for r in lexicon.table("scales.tsv"):
        scales[r[0]] = int(r[1])
        nouns.setdefault(int(r[1]), (r[2], r[3]))
    per = {r[0]: r[1] for r in lexicon.table("per_units.tsv") if len(r) >= 2}
    scale, cur = "(?:" + _alternation(scales) + ")", _alternation(currencies)
    per_re = r"(?: ?/ ?(" + _alternation(per) + "))?"
    suffix = re.compile(r"(?P<amount>" + NUMDEC + r") ?(?:(?P<scale>" + scale + r") ?(?:d'|de )?)?(?P<cur>"
                        + cur + r")(?![\w$€£])" + per_re)
    prefix = re.compile(r"(?P<cur>US\$|[$€£]) ?(?P<amount>" + NUMDEC + r")(?: ?(?P<scale>" + scale
                        + r")(?!\w))?" + per_re)
    return currencies, scales, nouns, per, suffix, prefix


def say(amount: str, cur: str, scale: str | None = None) -> str:
    currencies, scales, nouns, _, _, _ = _data()
    sing, plur, fem, sub_sing, sub_plur = currencies[cur]
    whole, _, frac = amount.partition(",")
    if scale:
        factor = scales[scale]
        if factor == 1000:  # "50 k€" -> "cinquante mille euros"
            value = round(float(f"{to_int(whole)}.{frac or 0}") * 1000)
            return cardinal(value) + " " + (plur if value >= 2 else sing)
        words, value = number(amount)
        noun = nouns[factor][plural(value)]
        return f"{words} {noun} {'d' + chr(39) if plur[0] in 'aeiou' else 'de '}{plur}"
    n = to_int(whole)
    if frac and len(frac) <= 2:
        cents = int(frac.ljust(2, "0"))
        if n == 0:
            return cardinal(cents, fem and False) + " " + (sub_plur if cents >= 2 else sub_sing)
        words = cardinal(n, fem) + " " + (plur if n >= 2 else sing)
        return words + (" " + cardinal(cents) if cents else "")
    if frac:
        words, value = number(amount)
        return words + " " + (plur if plural(value) else sing)
    words = cardinal(n, fem)
    if words.endswith(tuple(w for f, pair in nouns.items() if f > 1000 for w in pair)):
        return words + (" d'" if plur[0] in "aeiou" else " de ") + plur
    return words + " " + (plur if n >= 2 else sing)


def _replace(m: re.Match) -> str:
    words = say(m.group("amount"), m.group("cur"), m.group("scale"))
    per = m.group(m.re.groups)
    if per:
        words += " par " + _data()[3][per]
    return words


def apply(text: str) -> str:
    *_, suffix, prefix = _data()
    text = prefix.sub(_replace, text)
    return suffix.sub(_replace, text)
