"""Civilities, titles and reference abbreviations (data/abbreviations.tsv).

Each entry says when it applies: always ("M.", "n°"), before a capitalised
name ("Me Dupont" but not "Me voici"), before a number ("p. 7", "nos 344"),
or before a list of numbers ("nos 344, 628 et 581" but not "nos 35 000
communes", which is the possessive).
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon

_CONTEXT = {
    "always": "",
    "name": r"(?=[ -]+[A-ZÀ-ÖØ-Þ])",
    "name-only": r"(?= [A-ZÀ-ÖØ-Þ][a-zà-ÿ])(?! (?:chers|chères)\b)",
    "number": r"(?= ?\d)",
    "numlist": r"(?= ?\d+(?:[,);.:]|\s+(?:et|à|ou)\s|\s*$))",
}
# After "etc." a capital starts the next sentence, so its period must stay.


def _opens_sentence(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" «(\"")
    return not before or before[-1] in ".!?…"


_KEEPS_PERIOD = re.compile(r"\s*[»)\"]*\s*(?:$|(?=[A-ZÀ-ÖØ-Þ]))")


@lru_cache(maxsize=None)
def _compiled() -> tuple[re.Pattern, dict[str, tuple[str, re.Pattern | None]]]:
    entries = {}
    for row in lexicon.table("abbreviations.tsv"):
        if len(row) >= 3:
            written, say, when = row[:3]
            entries[written] = (say, re.compile(_CONTEXT[when]) if _CONTEXT[when] else None)
    return re.compile(r"(?<![\w.])(?:" + lexicon.trie_pattern(entries) + ")"), entries


def apply(text: str) -> str:
    pattern, spoken = _compiled()

    def replace(m: re.Match) -> str:
        written = m.group()
        say, context = spoken[written]
        end = m.end()
        if (written[-1].isalnum() or written[-1] == "°") and end < len(text) and (text[end].isalnum() or text[end] == "_"):
            return written  # only the start of a longer word
        if context is not None and not context.match(text, end):
            return written
        if written[0].isupper() and _opens_sentence(text, m.start()):
            say = say[0].upper() + say[1:]  # "M. le président." opens a sentence
        if written.endswith(".") and _KEEPS_PERIOD.match(text, m.end()) and say.startswith("et c"):
            return say + "."
        if written.endswith(".") and re.match(r"\s*[»)\"]*\s*$", text[m.end():]) and not say.startswith(("mon", "mes", "mad")):
            return say + "."
        return say

    return pattern.sub(replace, text)
