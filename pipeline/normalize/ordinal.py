"""Arabic ordinals: 1er, 1re, 1ère, 2e, 2ème, 2d, 2nde, 75e, 21es…"""
from __future__ import annotations

import re

from .numbers import ordinal

ORDINAL = re.compile(r"(?<![\w,.])(\d+)(ers?|res?|ères?|èmes?|emes?|es?|è|nde?s?|de?s?)(?![\w])")


def _say(m: re.Match) -> str:
    n, suffix = int(m.group(1)), m.group(2)
    many = suffix.endswith("s")
    if n == 2 and suffix[0] in "nd":  # 2d, 2nd, 2nde, 2ndes
        words = "seconde" if "e" in suffix else "second"
    elif suffix[0] in "nd":
        return m.group()
    else:
        feminine = suffix.startswith(("re", "ère"))
        words = ordinal(n, feminine)
    return words + ("s" if many else "")


def apply(text: str) -> str:
    return ORDINAL.sub(_say, text)
