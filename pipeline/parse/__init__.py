"""parse: a compte rendu → Debate, the reader chosen by the content (never the file's name):

    plain text (one paragraph per line)          pipeline.parse.text
    Assemblée nationale compte rendu HTML        pipeline.parse.an_html
    Assemblée nationale open-data XML (Syceron)  pipeline.parse.syceron
    NosDéputés / NosSénateurs JSON               pipeline.parse.nosdeputes
    ParlaMint TEI                                pipeline.parse.tei

    parse_file(path) -> Debate      reads bytes (XML keeps its declared encoding)
    parse_text(text, source) -> Debate
    summary(debate) -> str          agenda tree, then a table of speakers
"""
from __future__ import annotations

import collections
import json
import os
import re
import warnings
from collections import OrderedDict
from pathlib import Path

from pipeline.model import Debate, InputError, Speech, Stage
from pipeline.parse.text import ParseWarning, SYNTHETIC_TITLES, parse_plain

__all__ = ["parse_file", "parse_text", "summary", "decode", "ParseWarning", "SYNTHETIC_TITLES",
           "FORMATS"]

from pipeline.parse.decode import clean, decode  # noqa: E402  (their home; re-exported)

FORMATS = ("plain text (one paragraph per line), Assemblée nationale compte rendu HTML, "
           "Assemblée nationale open-data XML (compteRendu), NosDéputés/NosSénateurs JSON, "
           "ParlaMint TEI")
_TAG = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+html|html|head|body|\?xml|[A-Za-z][\w:.-]*[\s>/])",
                  re.S | re.I)


def parse_file(path) -> Debate:
    p = Path(path)
    source = display_name(p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror or e})") from None
    if _declared_xml(data):
        from pipeline.parse.xml import parse_xml
        return parse_xml(data, source)
    return parse_text(decode(data, source), source)


def display_name(path) -> str:
    """The file's name as text every later stage can write (a title may come from it): bytes
    that are not UTF-8 read as Windows-1252, as decode() reads such a file, and control
    characters removed; one warning when that changed anything."""
    raw = os.fsencode(path)
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("cp1252", errors="replace")
    name = clean(name)
    if name != os.fsdecode(raw):
        warnings.warn(ParseWarning(f"{name}: the file's name holds control characters or "
                                   "bytes that are not UTF-8: read as shown"))
    return name


def _declared_xml(data: bytes) -> bool:
    """An XML declaration opens the file (any encoding): lxml reads it, honouring it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = data[:400].decode("utf-16", errors="ignore")
    elif data.startswith((b"<\x00?\x00", b"\x00<\x00?")):
        return True
    else:
        head = data[:400].decode("latin-1")
    return bool(re.match(r"(?:\ufeff|\xef\xbb\xbf)?\s*<\?xml\s", head))


def parse_text(text: str, source: str = "<text>") -> Debate:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{source}: empty file")
    head = text.lstrip()[:4000]
    if head[:1] in "[{":
        data = _json(text, source)
        if data is not None:
            from pipeline.parse.nosdeputes import parse_nosdeputes
            return parse_nosdeputes(text, source, data)
    if _TAG.match(head):
        if re.match(r"\s*(?:<!--.*?-->\s*)*(?:<\?xml|<(?!html\b|!DOCTYPE\s+html|head\b|body\b)[A-Za-z])",
                    head, re.S | re.I):
            from pipeline.parse.xml import parse_xml
            return parse_xml(_utf8_xml(text), source)
        from pipeline.parse.an_html import parse_an_html
        return parse_an_html(text, source)
    return parse_plain(text, source)


# Deeper than any export (NosDéputés records are 4 levels deep), shallow enough for every
# reader's recursion; a number longer than this is no field of a transcript.
MAX_JSON_DEPTH = 64
MAX_NUMBER_DIGITS = 100
_DIGITS = re.compile(r"[0-9]{1,18}")        # a `timestamp`: ASCII digits that fit an int64


def _too_long(digits: str):
    raise _NotALayout(f"a number of {len(digits)} digits")


class _NotALayout(Exception):
    pass


def _json(text: str, source: str):
    """The decoded JSON when ``text`` is JSON (None: a plain text opening with a bracket), its
    strings cleaned as decode() cleans text (JSON escapes can spell any code point: controls,
    non-characters, lone surrogates), each record's values checked; a JSON too deep or with
    numbers no transcript holds is refused in one line."""
    big = lambda s: _too_long(s) if len(s.lstrip("-")) > MAX_NUMBER_DIGITS else int(s)
    try:
        data = json.loads(text, parse_int=big)
    except ValueError:
        return None
    except RecursionError:
        raise unknown_layout(source, "JSON (nested deeper than any transcript)") from None
    except _NotALayout as e:
        raise unknown_layout(source, f"JSON (holding {e})") from None
    return _clean_json(data, source)


def _clean_json(data, source: str):
    """Every string of ``data`` cleaned (one warning naming the first place that needed it),
    walked without recursion down to MAX_JSON_DEPTH; each NosDéputés record checked."""
    dirty: list[str] = []

    def fix(value, where):
        if isinstance(value, str):
            kept = clean(value)
            if kept != value:
                dirty.append(where)
            return kept
        return value

    root = [data]
    queue = collections.deque([(root, 0, "")])      # breadth first: records in file order
    while queue:
        node, depth, where = queue.popleft()
        if depth > MAX_JSON_DEPTH:
            raise unknown_layout(source, f"JSON (nested deeper than {MAX_JSON_DEPTH} levels)")
        if isinstance(node, dict):
            for k, v in list(node.items()):
                here = f"{where}.{k}"
                nk = fix(k, where)
                if nk != k:
                    del node[k]
                node[nk] = fix(v, here)
                if isinstance(v, (list, dict)):
                    queue.append((v, depth + 1, here))
            if isinstance(node.get("intervention"), dict):
                _check_record(node["intervention"], source, where)
        else:
            for i, v in enumerate(node):
                here = f"{where}[{i}]"
                node[i] = fix(v, here)
                if isinstance(v, (list, dict)):
                    queue.append((v, depth + 1, here))
    if dirty:
        warnings.warn(ParseWarning(f"{source}: at {dirty[0][3:] or 'the top'}: control characters "
                                   f"or lone surrogates removed (from {len(dirty)} string(s))"))
    return root[0]


def _check_record(rec: dict, source: str, where: str) -> None:
    """The values the reader computes with: a `timestamp` that looks like digits is ASCII
    digits of an ordinary size (int() refuses "¹²" and 5 000 digits with a traceback)."""
    ts = rec.get("timestamp")
    if isinstance(ts, str) and ts.isdigit() and not _DIGITS.fullmatch(ts):
        shown = ts[:20] + ("…" if len(ts) > 20 else "")
        raise InputError(f"{source}: {where[3:]}.intervention.timestamp {shown!r} ({len(ts)} "
                         "characters): not a number of seconds")


def _utf8_xml(text: str) -> bytes:
    """An XML document already decoded: its declaration's encoding no longer applies."""
    return re.sub(r"^(\s*<\?xml[^>]*?)\sencoding\s*=\s*(['\"])[^'\"]*\2", r"\1", text,
                  count=1).encode("utf-8")


def unknown_layout(source: str, what: str) -> InputError:
    return InputError(f"{source}: {what} of a layout no reader knows; supported formats: {FORMATS}")


# --- summary -------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def summary(debate: Debate) -> str:
    """The agenda tree (sections and their items, indented by level), then one row per
    speaker: name, civility, turns, words, id, role."""
    lines = [debate.title]
    meta = [x for x in (debate.chamber, debate.date) if x]
    if meta:
        lines.append(" · ".join(meta))
    lines.append("")
    lines.append("Sections")
    stats: "OrderedDict[str, list]" = OrderedDict()

    def tree(node, depth):
        for child in node.children:
            lines.append(f"{'  ' * (depth + 3)}· {child.title}")
            tree(child, depth + 1)

    for n, (sec, node) in enumerate(zip(debate.sections, debate.agenda()), 1):
        speeches = sum(1 for x in sec.items if isinstance(x, Speech) and not x.continues
                       and not x.interjection)
        inter = sum(1 for x in sec.items if isinstance(x, Speech) and x.interjection)
        stages = sum(1 for x in sec.items if isinstance(x, Stage))
        lines.append(f"  {n}. {sec.title}  ({speeches} turns, {inter} interjections, "
                     f"{stages} stage directions)")
        tree(node, 0)
        for x in sec.items:
            if isinstance(x, Speech):
                row = stats.setdefault(x.speaker.key, [x.speaker, 0, 0])
                if x.speaker.role and not row[0].role:
                    row[0] = x.speaker
                if not x.continues:
                    row[1] += 1
                row[2] += sum(len(_WORD.findall(p)) for p in x.paragraphs)
    lines.append("")
    lines.append("Speakers")
    head = ("Name", "Civility", "Turns", "Words", "Id", "Role")
    rows = [(sp.name or sp.label, sp.civility or "—", str(t), str(w), sp.person_id or "—",
             sp.role or "—") for sp, t, w in stats.values()]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    fmt = lambda r: (f"  {r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  "
                     f"{r[3]:>{widths[3]}}  {r[4]:<{widths[4]}}  {r[5]}")
    lines.append(fmt(head))
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines) + "\n"
