"""French text normalization for TTS: display text -> spoken text.

normalize(sentence, lexicon) runs one pass per semiotic class, specific before
generic (a date must be read before its digits become a plain cardinal), then
speaks the remaining symbols, resolves unknown acronyms and tidies punctuation.
split_sentences(paragraph) cuts a display paragraph into sentences.
Lexicons are data files in data/; the user's entries (`written -> spoken`, read
and validated by pipeline.config.load_lexicon) are passed in and win over them.
A spoken form may hold exact phonemes, [[…]] (see phonemes.py): they come out
untouched.
"""
from __future__ import annotations

import re

from . import (abbreviation, acronym, cardinal, clock, date, fraction, measure, money,
               ordinal, phonemes, reference, roman, symbol, telephone, url)
from .sentences import split_sentences

__all__ = ["normalize", "split_sentences"]

# Order matters: each pass consumes the digits it understands. The passes that
# read the user's lexicon (acronym.apply_lexicon, acronym.apply) run in normalize().
PASSES = (
    abbreviation.apply,      # M., Mme, n°, art., p. 7…
    cardinal.long_numbers,   # 19 digits and more: digit by digit, before anything counts them
    symbol.signs,            # "-2 %", "et -3 °C": a minus sign, whatever unit follows
    telephone.apply,
    date.apply,
    clock.apply,
    reference.apply,         # L. 123-4, 49-3, ranges 10-15
    money.apply,
    ordinal.legal,           # "au 6° de l'article", "1° L'intitulé" (before ° = degrés)
    measure.apply,           # % and units
    ordinal.apply,           # 1er, 2e, 75e
    roman.apply,             # XXIe, Louis XIV, phase II
    fraction.apply,
    cardinal.apply,          # everything else in digits, with agreement
    symbol.apply,            # & + = € § « » – …
)


# Passes that only read digits: most sentences have none, so they are skipped.
NUMERIC = {cardinal.long_numbers, symbol.signs, telephone.apply, date.apply, clock.apply,
           reference.apply, money.apply, ordinal.legal, measure.apply, ordinal.apply,
           fraction.apply, cardinal.apply}
_DIGIT = re.compile(r"\d")


def normalize(text: str, lexicon: dict[str, str] | None = None) -> str:
    """Spoken form of one display sentence (or line). `lexicon`: the user's entries
    (written -> spoken), which win over the built-in ones; None: built-in only."""
    held: list[str] = []
    text = symbol.prepare(phonemes.strip_held(text))  # spaces, apostrophes, superscripts
    text = url.apply(text)                             # before dots and slashes are touched
    text = acronym.apply_lexicon(text, lexicon, held)  # lexicon entries (user's win)
    digits = True
    for step in PASSES:
        if step in NUMERIC:
            digits = digits and bool(_DIGIT.search(text))
            if not digits:
                continue
        text = step(text)
    text = acronym.apply(text, lexicon)                # unknown all-caps words
    return phonemes.restore(symbol.finish(text), held)  # punctuation and spacing
