"""Typography in, plain punctuation out.

prepare() runs first: it unifies characters the other passes must not care
about (spaces, apostrophes, superscript ordinals, minus signs).  apply() runs
after the number classes and speaks the symbols that are left; finish() tidies
the punctuation so that only , . ; : ? ! (and hyphens/apostrophes inside
words) reach the TTS engine, which uses them for prosody.
"""
from __future__ import annotations

import re

_PREPARE = {
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2002": " ",
    "\u2003": " ", "\t": " ", "\u200b": "", "\u00ad": "", "\ufeff": "",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
    "\u2212": "-", "\u2011": "-", "\u2010": "-",
    "\u1d49": "e", "\u02b3": "r", "\u02e2": "s", "\u1d48": "d", "\u207f": "n",
}
_PREPARE_ITEMS = tuple(_PREPARE.items())
_ELIDED = re.compile(r"\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)")


def prepare(text: str) -> str:
    # str.replace per character kind beats translate() on short sentences.
    for old, new in _PREPARE_ITEMS:
        if old in text:
            text = text.replace(old, new)
    if "[" in text or "(" in text:
        text = _ELIDED.sub(" ", text)
    return text


_SYMBOLS = {
    "&": " et ", "+": " plus ", "=": " égale ", "%": " pour cent ", "‰": " pour mille ",
    "€": " euros ", "$": " dollars ", "£": " livres ", "§": " paragraphe ",
    "°": " degrés ", "@": " arobase ", "#": " dièse ", "×": " fois ", "±": " plus ou moins ",
    "~": " environ ", "≈": " environ ", "<": " inférieur à ", ">": " supérieur à ",
    "≤": " inférieur ou égal à ", "≥": " supérieur ou égal à ", "→": ", ", "²": " carré ",
    "³": " cube ", "/": " ", "\\": " ", "_": " ", "|": ", ", "*": " ", "^": " ", "•": ", ",
    "«": " ", "»": " ", "“": " ", "”": " ", "„": " ", "‹": " ", "›": " ", '"': " ",
    "(": ", ", ")": ", ", "[": ", ", "]": ", ", "{": ", ", "}": ", ",
    "–": ", ", "—": ", ", "…": "... ", "·": " ",
}
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in sorted(_SYMBOLS, key=len, reverse=True)))
# A hyphen standing alone between spaces is a dash, not a word joiner.
_LONE_HYPHEN = re.compile(r"(?:(?<=\s)|^)-+(?=\s|$)")


def apply(text: str) -> str:
    if "-" in text:
        text = _LONE_HYPHEN.sub(", ", text)
    return _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group()], text)


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
