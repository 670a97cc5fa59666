"""Acronyms, all-caps words and the pronunciation lexicon.

apply_lexicon() runs first, on the raw text: every entry of data/acronyms.tsv,
pronunciations.tsv and names.tsv, overridden by the user's entries (passed in),
replaced as a whole word ("EPCI" -> "E P C I", "ZAN" -> "zane", "Tardy" ->
"Tardi"); [[phonemes]] in a replacement are held aside until the end.  apply() runs last and
handles the all-caps words no lexicon knows: a word-like one is lowercased so
espeak reads it as a word ("PRÉSIDENCE", "UNEDIC"), any other is spelled
letter by letter, which espeak reads as letter names ("UMP" -> "U M P";
espeak would otherwise read "UMP" as English).
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon, phonemes

BUILT_IN = ("acronyms.tsv", "pronunciations.tsv", "names.tsv")


@lru_cache(maxsize=None)
def _built_in() -> tuple[dict[str, str], str]:
    """The packaged entries and their trie (built-in data only: cached for the process)."""
    merged: dict[str, str] = {}
    for name in BUILT_IN:
        merged.update({r[0]: r[1] for r in lexicon.table(name) if len(r) >= 2})
    return merged, lexicon.trie_pattern(merged)


class _Compiled:
    """The merged table and pattern of the last user lexicon seen, keyed by its entries: a
    sentence at a time, normalize() would otherwise rebuild the trie for every call. One slot
    holding what the caller passed (never user data found behind its back), so a different
    lexicon is simply compiled anew."""
    slot: tuple[tuple, tuple[dict[str, str], re.Pattern]] | None = None  # one assignment: thread-safe


def _entries(user: dict[str, str] | None) -> tuple[dict[str, str], re.Pattern]:
    """Built-in entries overridden by the user's; one pattern, the user's keys tried first."""
    table, trie = _built_in()
    if not user:
        return table, _built_in_pattern()
    key, slot = tuple(user.items()), _Compiled.slot
    if slot is None or slot[0] != key:
        pattern = re.compile(r"(?<!\w)(?:" + lexicon.trie_pattern(user) + "|" + trie + r")(?!\w)")
        slot = _Compiled.slot = (key, ({**table, **user}, pattern))
    return slot[1]


@lru_cache(maxsize=None)
def _built_in_pattern() -> re.Pattern:
    # Whole words only; keys are literal text (they may hold spaces or dots).
    return re.compile(r"(?<!\w)(?:" + _built_in()[1] + r")(?!\w)")


def apply_lexicon(text: str, user: dict[str, str] | None = None,
                  held: list[str] | None = None) -> str:
    """Lexicon entries replaced; the [[phonemes]] they give are held aside in `held`
    (phonemes.restore puts them back once every other pass has run)."""
    table, pattern = _entries(user)
    held = [] if held is None else held

    def replace(m: re.Match) -> str:
        spoken = table[m.group()]
        return phonemes.protect(spoken, held) if "[[" in spoken else spoken
    return pattern.sub(replace, text)


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


def say(token: str, table: dict[str, str] | None = None) -> str:
    """Spoken form of one all-caps token that no lexicon lists."""
    table = _built_in()[0] if table is None else table
    if token in table:
        return table[token]
    if any(c in _ACCENTED for c in token) or pronounceable(token):
        return token.lower()
    return " ".join(token)


_CAPS = re.compile(r"(?<!\w)([A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ]+)(s?)(?!\w)")


def apply(text: str, user: dict[str, str] | None = None) -> str:
    table, _ = _entries(user)

    def replace(m: re.Match) -> str:
        token, plural = m.group(1), m.group(2)
        if plural and token + plural in table:
            return table[token + plural]
        return say(token, table)
    return _CAPS.sub(replace, text)
