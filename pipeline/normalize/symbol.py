"""Typography in, plain punctuation out.

prepare() runs first: it unifies characters the other passes must not care
about (spaces, apostrophes, superscript letters, minus signs: data/typography.tsv).
signs() reads a minus sign before the number passes.  apply() runs after the
number classes and speaks the symbols that are left (data/symbols.tsv); finish() tidies
the punctuation so that only , . ; : ? ! (and hyphens/apostrophes inside
words) reach the TTS engine, which uses them for prosody.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon


@lru_cache(maxsize=None)
def _prepare_items() -> tuple[tuple[str, str], ...]:
    return tuple((lexicon.codepoints(r[0]), lexicon.codepoints(r[1]))
                 for r in lexicon.table("typography.tsv") if len(r) >= 2)


_ELIDED = re.compile(r"\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)")


def prepare(text: str) -> str:
    # str.replace per character kind beats translate() on short sentences.
    for old, new in _prepare_items():
        if old in text:
            text = text.replace(old, new)
    if "[" in text or "(" in text:
        text = _ELIDED.sub(" ", text)
    return text


def _spoken(field: str) -> str:
    """symbols.tsv's spoken column as inserted: a word between spaces, punctuation then a space."""
    if field == "-":
        return " "
    return f" {field} " if any(ch.isalpha() for ch in field) else field + " "


@lru_cache(maxsize=None)
def _symbols() -> tuple[dict[str, str], re.Pattern]:
    table = {lexicon.codepoints(r[0]): _spoken(r[1]) for r in lexicon.table("symbols.tsv") if len(r) >= 2}
    return table, re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))


# A minus sign: a hyphen glued to a digit, after a space, an opening bracket or the start
# ("et -2 %", "(-3 °C)"), never inside a word or a range ("10-15", "L. 123-4").
_SIGN = re.compile(r"(?<![^\s(\[])-(?=\d)")


def signs(text: str) -> str:
    return _SIGN.sub("moins ", text) if "-" in text else text


# A hyphen standing alone between spaces is a dash, not a word joiner.
_LONE_HYPHEN = re.compile(r"(?:(?<=\s)|^)-+(?=\s|$)")


def apply(text: str) -> str:
    if "-" in text:
        text = _LONE_HYPHEN.sub(", ", text)
    table, pattern = _symbols()
    return pattern.sub(lambda m: table[m.group()], text)


_COMMAS = re.compile(r"\s*,[\s,]*")
# A comma next to a stronger mark adds nothing: ", ." -> ".", ". , X" -> ". X"
_COMMA_BY_MARK = re.compile(r", ?(?=[.;:!?])|(?<=[.;:!?]),")
_STRAY_HYPHEN = re.compile(r"(?<![\w])-+|-+(?![\w])")
# "Fur. …afin": an ellipsis right after a full stop adds nothing to say.
_DOUBLE_STOP = re.compile(r"(?<=[.!?])\s*\.\.\.(?!\.)")


def finish(text: str) -> str:
    if "-" in text:
        text = _STRAY_HYPHEN.sub(" ", text)
    if "..." in text:
        text = _DOUBLE_STOP.sub(" ", text)
    if "," in text:
        text = _COMMAS.sub(", ", text)
        text = _COMMA_BY_MARK.sub("", text)
    text = " ".join(text.split())
    if " ." in text or " ," in text:
        text = text.replace(" .", ".").replace(" ,", ",")
    text = text.lstrip(" ,;:").rstrip(" ,")
    if text.startswith(". "):
        text = text[2:]
    return text
