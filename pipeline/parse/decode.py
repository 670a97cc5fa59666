"""Bytes → text for every reader: UTF-8 (with or without BOM), UTF-16 with BOM, or a legacy
Windows-1252 file, recognised only when the whole file is consistent with it; control
characters never reach the stages (XML forbids them, speech has no use for them)."""
from __future__ import annotations

import re
import warnings

from pipeline.model import InputError

# Controls other than tab, newline and carriage return, and the XML non-characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Those that separate words (vertical tab, form feed, separators, NEL) become a space.
_SPACING = str.maketrans({c: " " for c in "\x0b\x0c\x1c\x1d\x1e\x1f\x85"})
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
    if not text.strip():
        raise InputError(f"{source}: empty file")
    return text


def _warning(message: str):
    from pipeline.parse.text import ParseWarning
    return ParseWarning(message)
