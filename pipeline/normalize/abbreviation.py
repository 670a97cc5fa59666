"""Civilities, titles and reference abbreviations (data/abbreviations.tsv).

Each entry says when it applies: always ("M.", "n°"), before a capitalised
name ("Me Dupont" but not "Me voici"), before a number ("p. 7", "nos 344"),
or before a list of numbers ("nos 344, 628 et 581" but not "nos 35 000
communes", which is the possessive).  What becomes of an abbreviation's own
period is a column of the data too (kept at the end of the text, also before a
capital for "etc.", never for a civility).
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


def _opens_sentence(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" «(\"")
    return not before or before[-1] in ".!?…"


# After "etc." a capital starts the next sentence, so its period must stay.
_KEEPS_PERIOD = re.compile(r"\s*[»)\"]*\s*(?:$|(?=[A-ZÀ-ÖØ-Þ]))")


@lru_cache(maxsize=None)
def _compiled() -> tuple[re.Pattern, dict[str, tuple[str, re.Pattern | None, str]]]:
    entries = {}
    for row in lexicon.table("abbreviations.tsv"):
        if len(row) >= 3 and row[2] != "nosplit":
            written, say, when = row[:3]
            context = re.compile(_CONTEXT[when]) if _CONTEXT[when] else None
            entries[written] = (say, context, row[3] if len(row) > 3 else "end")
    return re.compile(r"(?<![\w.])(?:" + lexicon.trie_pattern(entries) + ")"), entries


@lru_cache(maxsize=None)
def no_split_after() -> frozenset[str]:
    """Words after whose period split_sentences does not cut: each written form's last word,
    without its period ("M", "art", "ex" of "p. ex."), except those that may end a sentence."""
    return frozenset(row[0].split()[-1].removesuffix(".") for row in lexicon.table("abbreviations.tsv")
                     if len(row) >= 3 and (len(row) < 4 or row[3] != "sentence"))


_ENDS = re.compile(r"\s*[»)\"]*\s*$")


def apply(text: str) -> str:
    pattern, spoken = _compiled()

    def replace(m: re.Match) -> str:
        written = m.group()
        say, context, period = spoken[written]
        end = m.end()
        if written[-1] in "°º" and end < len(text) and text[end].isdigit():
            return say + " "  # "n°39": the number glued to its sign
        if (written[-1].isalnum() or written[-1] == "°") and end < len(text) and (text[end].isalnum() or text[end] == "_"):
            return written  # only the start of a longer word
        if context is not None and not context.match(text, end):
            return written
        if written[0].isupper() and _opens_sentence(text, m.start()):
            say = say[0].upper() + say[1:]  # "M. le président." opens a sentence
        if written.endswith(".") and period != "never":
            if (_KEEPS_PERIOD if period == "sentence" else _ENDS).match(text, end):
                return say + "."
        return say

    return pattern.sub(replace, text)
