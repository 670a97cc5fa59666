"""Times of day and durations written with "h": "21 h 30", "14h", "2 h 30 min".

Hours are feminine ("vingt et une heures", "une heure"), minutes too.
"21 heures 30" is left to the cardinal pass, which already agrees "heures".
"""
from __future__ import annotations

import re

from .numbers import cardinal

TIME = re.compile(r"(?<![\d,.\w])([01]?\d|2[0-4]) ?h ?([0-5]\d)?(?: ?(min|mn)\b)?(?![\w'/])")
# "24 h/24", "7 j/7": round-the-clock phrases.
ROUND = re.compile(r"(?<![\d,.])(\d+) ?(h|j) ?/ ?(\d+)(?![\d\w])")


def _hours(n: int) -> str:
    return cardinal(n, feminine=True) + (" heures" if n >= 2 else " heure")


def _time(m: re.Match) -> str:
    words = _hours(int(m.group(1)))
    if m.group(2) and int(m.group(2)):
        minutes = int(m.group(2))
        words += " " + cardinal(minutes, feminine=True)
        if m.group(3):
            words += " minutes" if minutes >= 2 else " minute"
    return words


def _round(m: re.Match) -> str:
    n = int(m.group(1))
    unit = "heure" if m.group(2) == "h" else "jour"
    words = cardinal(n, feminine=unit == "heure") + " " + unit + ("s" if n >= 2 else "")
    return f"{words} sur {cardinal(int(m.group(3)))}"


def apply(text: str) -> str:
    if "h" not in text and "j" not in text:
        return text
    text = ROUND.sub(_round, text)
    return TIME.sub(_time, text)
