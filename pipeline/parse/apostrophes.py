"""Restore elided apostrophes lost in the source ("dÉtat" → "d’État", "lintérieur" → "l’intérieur").

A word is repaired only when it is not French but becomes French once an elision is split off:
the lexicon is the French dictionary of pyspellchecker (a maintained PyPI package), loaded lazily,
once, and only when a candidate word appears.
"""
from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache

# Elided words that take an apostrophe before a vowel or a mute h.
_ELISIONS = ("jusqu", "lorsqu", "puisqu", "quoiqu", "qu", "d", "l", "j", "m", "n", "s", "t", "c")
_VOWEL = "aeiouyhâàäéèêëîïôöûùüœæAEIOUYHÂÀÄÉÈÊËÎÏÔÖÛÙÜŒÆ"
# Candidates: a lowercase elision glued to a vowel-initial rest, not already holding an apostrophe.
_CANDIDATE = re.compile(
    r"(?<![\w'’])(" + "|".join(_ELISIONS) + r")([" + _VOWEL + r"][\w-]+)(?![\w'’])")
_MIN_FREQ = 100           # ignore dictionary entries rarer than this (misspellings, fragments)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, int]:
    """French word → frequency, from pyspellchecker's dictionary."""
    try:
        from importlib.resources import files
        data = (files("spellchecker") / "resources" / "fr.json.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - dependency missing
        return {}
    return json.loads(gzip.decompress(data))


def _is_word(word: str, min_freq: int = _MIN_FREQ) -> bool:
    return lexicon().get(word.lower(), 0) >= min_freq


@lru_cache(maxsize=65536)
def _fix_word(elision: str, rest: str) -> bool:
    whole = elision + rest
    if _is_word(whole, 1) or "-" in whole and all(_is_word(p, 1) for p in whole.split("-") if p):
        return False
    base = rest.split("-")[0]
    return _is_word(base) and len(base) >= 2


def repair(text: str, apostrophe: str = "’", force: bool = False) -> str:
    """Insert the apostrophe of elided words that lost it; other words are left alone.

    A text that already holds an apostrophe is taken as intact unless ``force`` (labels, whose
    roles are where the Journal officiel's exports lose them).
    """
    if not force and ("’" in text or "'" in text):
        return text
    if not _CANDIDATE.search(text):
        return text

    def sub(m: re.Match) -> str:
        elision, rest = m.group(1), m.group(2)
        if _fix_word(elision, rest):
            return elision + apostrophe + rest
        return m.group(0)

    return _CANDIDATE.sub(sub, text)
