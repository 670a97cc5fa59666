"""Legal and parliamentary references, and numeric ranges.

"article 49.3", "49-3" -> "quarante-neuf trois" (how the Assemblée says it),
but "loi n° 91-411" -> "numéro quatre-vingt-onze tiret quatre cent onze";
code articles "L. 123-4" -> "L cent vingt-trois tiret quatre" (the tiret keeps
"L. 2121-1" from sounding like "deux mille cent vingt et un un");
ranges "10-15 %", "2007–2020" -> "10 à 15 %", left for the unit passes.
"""
from __future__ import annotations

import re

from .numbers import cardinal

CODE = re.compile(r"(?<![\w.])(L|R|D|LO|L\.O)\.? ?(\d+(?:-\d+)*)(?![\d\w]|,\d)")
JOINED = re.compile(r"(?<![\d\w,.-])(\d+)((?:[.\-–‑]\d+)+)(?![\d\w]|,\d)")
# What follows a range: a percent sign, a currency, a unit word or symbol.
_RANGE_FOLLOW = re.compile(r" ?(?:%|‰|€|\$|[kMG]?W|k?m|ha|kg|t\b|ans\b|heures\b|h\b|euros\b|millions\b|milliards\b|fois\b|mois\b|jours\b|points\b|°)")
_YEAR = range(1000, 2101)
_NUMBERED = re.compile(r"(?<!\w)numéros? $")


def _code(m: re.Match) -> str:
    letter = m.group(1).replace(".", " ")
    parts = m.group(2).split("-")
    return " ".join(letter) + " " + " tiret ".join(cardinal(int(p), invariable=True) for p in parts)


def _joined(m: re.Match) -> str:
    first, rest = m.group(1), m.group(2)
    seps = re.findall(r"[.\-–‑]", rest)
    parts = [first] + re.split(r"[.\-–‑]", rest)[1:]
    if set(seps) == {"."} and all(len(p) == 3 for p in parts[1:]) and len(first) <= 3:
        return m.group()  # 1.000.000: a dotted thousands group, not a reference
    if len(parts) == 2 and seps[0] in "-–‑":
        a, b = int(parts[0]), int(parts[1])
        years = a in _YEAR and b in _YEAR and b > a
        pages = m.string[:m.start()].endswith(("page ", "pages ", "p. ", "pp. "))
        if seps[0] == "–" or years or pages or _RANGE_FOLLOW.match(m.string, m.end()):
            return f"{parts[0]} à {parts[1]}"
    if _NUMBERED.search(m.string, 0, m.start()):
        # "loi n° 91-411": a designation, its parts joined by "tiret" as in code articles
        return " tiret ".join(cardinal(int(p), invariable=True) for p in parts)
    return " ".join(cardinal(int(p)) for p in parts)


def apply(text: str) -> str:
    text = CODE.sub(_code, text)
    return JOINED.sub(_joined, text)
