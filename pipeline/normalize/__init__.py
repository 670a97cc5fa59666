"""French text normalization for TTS: display text -> spoken text.

normalize(sentence) runs one pass per semiotic class, specific before generic
(a date must be read before its digits become a plain cardinal), then speaks
the remaining symbols, resolves unknown acronyms and tidies punctuation.
split_sentences(paragraph) cuts a display paragraph into sentences.
Lexicons are data files in data/; a user lexicon.tsv overrides them
(see lexicon.py).
"""
from __future__ import annotations

import re

from . import (abbreviation, acronym, cardinal, clock, date, fraction, measure, money,
               ordinal, reference, roman, symbol, telephone, url)
from .segment import split_sentences

__all__ = ["normalize", "split_sentences"]

# Order matters: each pass consumes the digits it understands.
PASSES = (
    symbol.prepare,          # unify spaces, apostrophes, superscripts
    url.apply,               # before dots and slashes are touched
    acronym.apply_lexicon,   # lexicon entries (user lexicon wins)
    abbreviation.apply,      # M., Mme, n°, art., p. 7…
    telephone.apply,
    date.apply,
    clock.apply,
    reference.apply,         # L. 123-4, 49-3, ranges 10-15
    money.apply,
    measure.apply,           # % and units
    ordinal.apply,           # 1er, 2e, 75e
    roman.apply,             # XXIe, Louis XIV, phase II
    fraction.apply,
    cardinal.apply,          # everything else in digits, with agreement
    symbol.apply,            # & + = € § « » – …
    acronym.apply,           # unknown all-caps words
    symbol.finish,           # punctuation and spacing
)


# Passes that only read digits: most sentences have none, so they are skipped.
NUMERIC = {telephone.apply, date.apply, clock.apply, reference.apply, money.apply,
           measure.apply, ordinal.apply, fraction.apply, cardinal.apply}
_DIGIT = re.compile(r"\d")


def normalize(text: str) -> str:
    """Spoken form of one display sentence (or line)."""
    digits = True
    for step in PASSES:
        if step in NUMERIC:
            digits = digits and bool(_DIGIT.search(text))
            if not digits:
                continue
        text = step(text)
    return text
