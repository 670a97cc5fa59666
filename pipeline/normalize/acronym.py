"""Acronyms, all-caps words and the pronunciation lexicon.

apply_lexicon() runs first, on the raw text: every entry of data/acronyms.tsv
and data/pronunciations.tsv, overridden by the user lexicon, replaced as a
whole word ("EPCI" -> "E P C I", "ZAN" -> "zane").  apply() runs last and
handles the all-caps words no lexicon knows: a word-like one is lowercased so
espeak reads it as a word ("PRÉSIDENCE", "UNEDIC"), any other is spelled
letter by letter, which espeak reads as letter names ("UMP" -> "U M P";
espeak would otherwise read "UMP" as English).
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon



@lru_cache(maxsize=None)
def _entries() -> tuple[dict[str, str], re.Pattern | None]:
    merged: dict[str, str] = {}
    for name in ("acronyms.tsv", "pronunciations.tsv"):
        merged.update({r[0]: r[1] for r in lexicon.table(name) if len(r) >= 2})
    merged.update(lexicon.user_entries())
    # Whole words only; keys are literal text (they may hold spaces or dots).
    pattern = re.compile(r"(?<!\w)(?:" + lexicon.trie_pattern(merged) + r")(?!\w)") if merged else None
    return merged, pattern


def apply_lexicon(text: str) -> str:
    table, pattern = _entries()
    if pattern is None:
        return text
    return pattern.sub(lambda m: table[m.group()], text)


_VOWELS = set("aeiouyàâäéèêëîïôöùûüœ")
# Two-consonant groups French can start a syllable with.
_ONSETS = {"bl", "br", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "tr", "vr",
           "ch", "ph", "th", "gn", "sc", "sk", "sl", "sm", "sp", "st"}
_CODA_FIRST = set("lrmns")


def pronounceable(word: str) -> bool:
    """Can espeak read this all-caps word as a French word?"""
    w = word.lower()
    if len(w) < 4 or not any(c in _VOWELS for c in w):
        return False
    if any(not c.isalpha() for c in w):
        return False
    run = 0
    for i, c in enumerate(w):
        if c in _VOWELS:
            run = 0
            continue
        run += 1
        if run >= 3:
            return False
        if run == 2:
            pair = w[i - 1:i + 1]
            if i == 1 and pair not in _ONSETS:
                return False
            if i > 1 and w[i - 1] not in _CODA_FIRST and pair not in _ONSETS:
                return False
    return True


_ACCENTED = set("ÀÂÄÉÈÊËÎÏÔÖÙÛÜÇŒ")


def say(token: str) -> str:
    """Spoken form of one all-caps token that no lexicon lists."""
    table, _ = _entries()
    if token in table:
        return table[token]
    if any(c in _ACCENTED for c in token) or pronounceable(token):
        return token.lower()
    return " ".join(token)


_CAPS = re.compile(r"(?<!\w)([A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ]+)(s?)(?!\w)")


def _replace(m: re.Match) -> str:
    token, plural = m.group(1), m.group(2)
    table, _ = _entries()
    if plural and token + plural in table:
        return table[token + plural]
    return say(token)


def apply(text: str) -> str:
    return _CAPS.sub(_replace, text)
