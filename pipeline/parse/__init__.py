"""parse: a compte rendu (plain text or ParlaMint TEI) → Debate.

    parse_file(path) -> Debate      reads bytes, detects encoding and format
    parse_text(text, source) -> Debate
    summary(debate) -> str          sections, then a table of speakers
"""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

from pipeline.model import Debate, Heading, InputError, Speech, Stage
from pipeline.parse.text import Continuation, ParseWarning, SYNTHETIC_TITLES, parse_plain

__all__ = ["parse_file", "parse_text", "summary", "decode", "Continuation", "ParseWarning",
           "SYNTHETIC_TITLES"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes, source: str = "<bytes>") -> str:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
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
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(f"{source}: not UTF-8 nor Windows-1252/Latin-1 text") from None
    text = text.lstrip("\ufeff")
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise InputError(f"{source}: binary file, not a text transcript")
    if not text.strip():
        raise InputError(f"{source}: empty file")
    return text


def parse_file(path) -> Debate:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror or e})") from None
    return parse_text(decode(data, str(p)), str(p))


def _is_xml(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("<") and ("<TEI" in head or "<teiCorpus" in head or "<?xml" in head)


def parse_text(text: str, source: str = "<text>") -> Debate:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{source}: empty file")
    if _is_xml(text):
        from pipeline.parse.tei import parse_tei
        return parse_tei(text, source)
    return parse_plain(text, source)


# --- summary -------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def summary(debate: Debate) -> str:
    """Sections (with their sub-headings), then one row per speaker: name, civility, role,
    turns, words."""
    lines = [debate.title]
    meta = [x for x in (debate.chamber, debate.date) if x]
    if meta:
        lines.append(" · ".join(meta))
    lines.append("")
    lines.append("Sections")
    stats: "OrderedDict[str, list]" = OrderedDict()
    for n, sec in enumerate(debate.sections, 1):
        speeches = sum(1 for x in sec.items if isinstance(x, Speech))
        stages = sum(1 for x in sec.items if isinstance(x, Stage))
        lines.append(f"  {n}. {sec.title}  ({speeches} speeches, {stages} stage directions)")
        for x in sec.items:
            if isinstance(x, Heading) and not x.text.isdigit():
                lines.append(f"       · {x.text}")
        for x in sec.items:
            if isinstance(x, Speech):
                row = stats.setdefault(x.speaker.key, [x.speaker, 0, 0])
                if x.speaker.role and not row[0].role:
                    row[0] = x.speaker
                if not isinstance(x, Continuation):
                    row[1] += 1
                row[2] += sum(len(_WORD.findall(p)) for p in x.paragraphs)
    lines.append("")
    lines.append("Speakers")
    head = ("Name", "Civility", "Turns", "Words", "Role")
    rows = [(sp.name or sp.label, sp.civility or "—", str(t), str(w), sp.role or "—")
            for sp, t, w in stats.values()]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    fmt = lambda r: (f"  {r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  "
                     f"{r[3]:>{widths[3]}}  {r[4]}")
    lines.append(fmt(head))
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines) + "\n"
