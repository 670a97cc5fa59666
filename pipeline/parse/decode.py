"""Bytes → text for every reader: UTF-8 (with or without BOM), UTF-16 with BOM, or a legacy
Windows-1252 file, recognised only when the whole file is consistent with it; control
characters never reach the stages (XML forbids them, speech has no use for them), and the
invisible zero-width characters are read as the space or the join they stand for."""
from __future__ import annotations

import re
import warnings

from pipeline.model import InputError

# Controls other than tab, newline and carriage return, and the XML non-characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Those that separate words (vertical tab, form feed, separators, NEL) become a space.
_SPACING = str.maketrans({c: " " for c in "\x0b\x0c\x1c\x1d\x1e\x1f\x85"})
# Zero width space, word joiner, zero width no-break space (a BOM inside the text: files joined).
_ZERO_WIDTH = re.compile(r"[\u200b\u2060\ufeff]+")
_JOINS_BEFORE = set("'’(«[-/")           # "l’\u200bÉtat": no space after these
_JOINS_AFTER = set(".,;:!?)»]…-/")        # nor before these
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INVALID = re.compile(r"[\udc80-\udcff]")        # undecodable bytes, as surrogateescape keeps them
_VALID_NON_ASCII = re.compile(r"[^\x00-\x7f\udc80-\udcff]")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _lines(text: str, positions: list[int], most: int = 5) -> str:
    lines = sorted({_line(text, p) for p in positions})
    shown = ", ".join(map(str, lines[:most]))
    more = f" and {len(lines) - most} more" if len(lines) > most else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def _legacy_or_utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")          # the usual case: nothing to locate
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="surrogateescape")
    if _VALID_NON_ASCII.search(text):
        # UTF-8 elsewhere: a few stray bytes, not a legacy file. Decoding the whole as
        # Windows-1252 would garble every accent; guessing those bytes would invent text.
        bad = [m.start() for m in _INVALID.finditer(text)]
        first = bad[0]
        raise InputError(f"{source}:{_line(text, first)}: invalid UTF-8 byte "
                         f"0x{ord(text[first]) - 0xDC00:02X} in a file that is UTF-8 elsewhere "
                         f"(invalid bytes on {_lines(text, bad)}): fix them, or save the "
                         "file as UTF-8 again")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 nor Windows-1252/Latin-1 text") from None


def _zero_width(m: re.Match) -> str:
    """A run of zero-width characters as what a reader sees: a word boundary where it separates
    words ("M.\u200bDupont", "Mme\u200bLaure": a space, as a speaker label needs); nothing
    inside a word ("extrême\u200bment", "12\u200b000": a break hint) or next to a space or
    punctuation that joins."""
    text, i, j = m.string, m.start(), m.end()
    a, b = text[i - 1: i], text[j: j + 1]
    if (not a or not b or a.isspace() or b.isspace() or a in _JOINS_BEFORE or b in _JOINS_AFTER
            or (a.isalnum() and b.isalnum() and not b.isupper())):
        return ""
    return " "


def zero_widths(text: str) -> str:
    return _ZERO_WIDTH.sub(_zero_width, text) if _ZERO_WIDTH.search(text) else text


def clean(text: str) -> str:
    """A string from a source (a JSON value, a name) as decode() leaves a file's text: controls
    that separate words a space, other controls, non-characters and lone surrogates (which no
    encoder writes) removed, zero-width characters read as a space or nothing."""
    return zero_widths(_SURROGATE.sub("", _CONTROL.sub("", text.translate(_SPACING))))


def decode(data: bytes, source: str = "<bytes>") -> str:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 when every
    non-ASCII byte fits it. Stray control characters are removed (a ParseWarning names their
    lines); a file full of them is binary."""
    if not data.strip():
        raise InputError(f"{source}: empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{source}: undecodable UTF-16 text") from None
    else:
        if b"\x00" in data[:65536]:
            raise InputError(f"{source}: binary file, not a text transcript")
        text = _legacy_or_utf8(data, source)
    text = text.lstrip("\ufeff")
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise InputError(f"{source}: binary file, not a text transcript")
    found = [m.start() for m in _CONTROL.finditer(text)]
    if found:
        warnings.warn(_warning(f"{source}:{_line(text, found[0])}: {len(found)} control "
                               f"character(s) removed (on {_lines(text, found)})"))
        text = _CONTROL.sub("", text.translate(_SPACING))
    text = zero_widths(text)
    if not text.strip():
        raise InputError(f"{source}: empty file")
    return text


def _warning(message: str):
    from pipeline.parse.text import ParseWarning
    return ParseWarning(message)
