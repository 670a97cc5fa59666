"""French telephone numbers, read two digits at a time ("zéro six douze…")."""
from __future__ import annotations

import re

from .numbers import cardinal, digits

PHONE = re.compile(r"(?<![\w+,.])(?:(\+33|0033) ?(?:\(0\) ?)?([1-9])|(0[1-9]))((?:[ .-]?\d{2}){4})(?![\d\w])")


def _pair(p: str) -> str:
    return digits(p) if p.startswith("0") else cardinal(int(p))


def _say(m: re.Match) -> str:
    pairs = re.findall(r"\d{2}", m.group(4))
    if m.group(1):
        head = "plus trente-trois " + cardinal(int(m.group(2)))
    else:
        head = digits(m.group(3))
    return " ".join([head] + [_pair(p) for p in pairs])


def apply(text: str) -> str:
    return PHONE.sub(_say, text)
