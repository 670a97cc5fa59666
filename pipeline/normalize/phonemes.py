"""Exact pronunciations: phonemes written [[…]] in a lexicon entry.

The notation is espeak-ng's own phoneme mnemonics, as `espeak-ng -v fr -x WORD`
prints them ("[[tard'i]]"). normalize() hands such a block to the engine
untouched (protect/restore below: no pass may turn its brackets into commas
or its letters into words). espeak-ng reads [[…]] inline as it is; Piper reads
[[…]] as IPA characters, so its engine calls to_ipa() first
(data/phonemes.tsv maps each mnemonic to the IPA Piper's voices know); pico
reads no phonemes, so its engine calls to_letters() (a French respelling).
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon

BLOCK = re.compile(r"\[\[([^\[\]]*)\]\]")
# One private-use character per phoneme block while the passes run: not a
# letter, digit, space or symbol any pass reads.
_BASE = 0xF0000
_HELD = re.compile("[\U000F0000-\U000FFFFD]")


@lru_cache(maxsize=None)
def _table() -> tuple[dict[str, tuple[str, str]], re.Pattern]:
    """mnemonic -> (IPA, French letters), and a tokenizer: longest mnemonic first ("A~"
    before "A", "n^" before "n"), a space is a word break, anything else group 1."""
    table = {r[0]: (r[1], "" if r[2] == "-" else r[2]) for r in lexicon.table("phonemes.tsv") if len(r) >= 3}
    alts = sorted(table, key=len, reverse=True)
    return table, re.compile("|".join(re.escape(a) for a in alts) + "| +|(.)")


def unknown(mnemonics: str) -> str | None:
    """The first character of `mnemonics` that is no French espeak phoneme, else None."""
    _, tokens = _table()
    for m in tokens.finditer(mnemonics):
        if m.group(1) is not None:
            return m.group(1)
    return None


def _spell(mnemonics: str, column: int) -> list[str]:
    table, tokens = _table()
    return [table[m.group()][column] if m.group() in table else " "
            for m in tokens.finditer(mnemonics.strip()) if m.group(1) is None]


def to_ipa(spoken: str) -> str:
    """Every [[mnemonics]] block of a spoken text as [[IPA]], for Piper."""
    if "[[" not in spoken:
        return spoken
    return BLOCK.sub(lambda m: "[[" + "".join(_spell(m.group(1), 0)) + "]]", spoken)


_VOWEL_LETTERS = set("aeiouyéèàâêîôûœ")


def _letters(mnemonics: str) -> str:
    pieces = [p for p in _spell(mnemonics, 1) if p]
    vowel = [p[0] in _VOWEL_LETTERS for p in pieces]
    out = ""
    for i, piece in enumerate(pieces):
        before = i > 0 and vowel[i - 1] and pieces[i - 1][-1] not in "nm"   # not "an", "on"…
        after = i + 1 < len(pieces) and vowel[i + 1]
        if piece == "s" and before and after:
            piece = "ss"               # "poisson", not "poison"
        elif piece == "g" and i + 1 < len(pieces) and pieces[i + 1][0] in "eiyéè":
            piece = "gu"               # "gui", not "ji"
        elif piece in ("n", "m") and before and not after:
            piece += piece + "e"       # "Bartolonne": an oral vowel, not "on"
        out += piece
    return out


def to_letters(spoken: str) -> str:
    """Every [[mnemonics]] block respelled in French letters, for an engine that takes no
    phonemes (pico): approximate, but the name is said, not its brackets."""
    if "[[" not in spoken:
        return spoken
    return BLOCK.sub(lambda m: _letters(m.group(1)), spoken)


def protect(spoken: str, held: list[str]) -> str:
    """A lexicon replacement with its [[…]] blocks held aside (appended to `held`)."""
    def hold(m: re.Match) -> str:
        held.append(m.group())
        return " " + chr(_BASE + len(held) - 1) + " "
    return BLOCK.sub(hold, spoken)


def restore(text: str, held: list[str]) -> str:
    if not held:
        return text
    return _HELD.sub(lambda m: held[ord(m.group()) - _BASE], text)


def strip_held(text: str) -> str:
    """Input text never holds our private-use characters (they would be read as a block)."""
    return _HELD.sub("", text) if _HELD.search(text) else text
