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

import re
from collections import OrderedDict
from pathlib import Path

from pipeline.model import Debate, InputError, Speech, Stage
from pipeline.parse.text import ParseWarning, SYNTHETIC_TITLES, parse_plain

__all__ = ["parse_file", "parse_text", "summary", "decode", "ParseWarning", "SYNTHETIC_TITLES",
           "FORMATS"]

from pipeline.parse.decode import decode  # noqa: E402  (its home; re-exported)

FORMATS = ("plain text (one paragraph per line), Assemblée nationale compte rendu HTML, "
           "Assemblée nationale open-data XML (compteRendu), NosDéputés/NosSénateurs JSON, "
           "ParlaMint TEI")
_TAG = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+html|html|head|body|\?xml|[A-Za-z][\w:.-]*[\s>/])",
                  re.S | re.I)


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
    if _declared_xml(data):
        from pipeline.parse.xml import parse_xml
        return parse_xml(data, str(p))
    return parse_text(decode(data, str(p)), str(p))


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
        from pipeline.parse.nosdeputes import looks_like_json, parse_nosdeputes
        data = looks_like_json(text)
        if data is not None:
            return parse_nosdeputes(text, source, data)
    if _TAG.match(head):
        if re.match(r"\s*(?:<!--.*?-->\s*)*(?:<\?xml|<(?!html\b|!DOCTYPE\s+html|head\b|body\b)[A-Za-z])",
                    head, re.S | re.I):
            from pipeline.parse.xml import parse_xml
            return parse_xml(_utf8_xml(text), source)
        from pipeline.parse.an_html import parse_an_html
        return parse_an_html(text, source)
    return parse_plain(text, source)


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
