"""Amounts of money: "12,50 €" -> "douze euros cinquante", "0,20 €" -> "vingt
centimes", "780 M€" -> "sept cent quatre-vingts millions d'euros".

Currency symbols may precede ("$5") or follow the amount; scale words or
symbols (millions, Md, M, k) may sit in between.  A decimal with one or two
digits is read as cents, which is how French speakers say prices.
"""
from __future__ import annotations

import re

from .numbers import NUMDEC, cardinal, number, plural, to_int

# symbol -> (singular, plural, feminine, subunit singular, subunit plural)
CURRENCIES = {
    "€": ("euro", "euros", False, "centime", "centimes"),
    "EUR": ("euro", "euros", False, "centime", "centimes"),
    "euro": ("euro", "euros", False, "centime", "centimes"),
    "euros": ("euro", "euros", False, "centime", "centimes"),
    "$": ("dollar", "dollars", False, "cent", "cents"),
    "US$": ("dollar", "dollars", False, "cent", "cents"),
    "USD": ("dollar", "dollars", False, "cent", "cents"),
    "dollar": ("dollar", "dollars", False, "cent", "cents"),
    "dollars": ("dollar", "dollars", False, "cent", "cents"),
    "£": ("livre", "livres", True, "penny", "pence"),
    "CHF": ("franc suisse", "francs suisses", False, "centime", "centimes"),
}
SCALES = {"million": 10**6, "millions": 10**6, "M": 10**6, "milliard": 10**9, "milliards": 10**9,
          "Md": 10**9, "Mds": 10**9, "Mrd": 10**9, "Mrds": 10**9, "k": 1000, "K": 1000,
          "billion": 10**12, "billions": 10**12}
_SCALE_WORDS = {10**6: ("million", "millions"), 10**9: ("milliard", "milliards"),
                10**12: ("billion", "billions")}
_CUR = "|".join(re.escape(c) for c in sorted(CURRENCIES, key=len, reverse=True))
_SCALE = r"(?:millions?|milliards?|billions?|Mds?|Mrds?|M|k|K)"
_PER = r"(?: ?/ ?(an|mois|jour|semaine|heure|h|habitant|hab\.?|personne|salarié|élève|tonne|t|MWh|kWh|m²|m2|ha))?"
SUFFIX = re.compile(r"(?P<amount>" + NUMDEC + r") ?(?:(?P<scale>" + _SCALE + r") ?(?:d'|de )?)?(?P<cur>"
                    + _CUR + r")(?![\w$€£])" + _PER)
PREFIX = re.compile(r"(?P<cur>US\$|[$€£]) ?(?P<amount>" + NUMDEC + r")(?: ?(?P<scale>" + _SCALE + r")(?!\w))?" + _PER)
_PER_WORDS = {"h": "heure", "hab": "habitant", "hab.": "habitant", "t": "tonne",
              "MWh": "mégawattheure", "kWh": "kilowattheure", "m²": "mètre carré", "m2": "mètre carré",
              "ha": "hectare"}


def say(amount: str, cur: str, scale: str | None = None) -> str:
    sing, plur, fem, sub_sing, sub_plur = CURRENCIES[cur]
    whole, _, frac = amount.partition(",")
    if scale:
        factor = SCALES[scale]
        if factor == 1000:  # "50 k€" -> "cinquante mille euros"
            value = round(float(f"{to_int(whole)}.{frac or 0}") * 1000)
            return cardinal(value) + " " + (plur if value >= 2 else sing)
        words, value = number(amount)
        noun = _SCALE_WORDS[factor][plural(value)]
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
    if words.endswith(("million", "millions", "milliard", "milliards", "billion", "billions")):
        return words + (" d'" if plur[0] in "aeiou" else " de ") + plur
    return words + " " + (plur if n >= 2 else sing)


def _replace(m: re.Match) -> str:
    words = say(m.group("amount"), m.group("cur"), m.group("scale"))
    per = m.group(m.re.groups)
    if per:
        words += " par " + _PER_WORDS.get(per, per)
    return words


def apply(text: str) -> str:
    text = PREFIX.sub(_replace, text)
    return SUFFIX.sub(_replace, text)
