"""Assemblée nationale compte rendu intégral as published in HTML (14th legislature layout:
ISO-8859-1, CRLF, `<!-- ZZTAGZZ DEBUT_SEANCE… -->` … `FIN_SEANCE` markers, speaker names in <b>
linked to the deputy's page, stage directions in <i>, headings <h2 class="titre…">/<h5>).

The sitting's text lies between the two markers (the summary, menus and the signature around
them are the page's chrome): each <p>/<h*> there is one line of the plain-text reader, with
what the markup says for sure (a heading, a deputy's id, the anchor of an intervention), so
the page and its plain-text version give the same Debate. The layout is machine-made and
regular: regular expressions read it several times faster than an HTML tree."""
from __future__ import annotations

import html
import re

from pipeline.model import Debate, InputError, Source
from pipeline.parse.lines import Line
from pipeline.parse.meta import find_date
from pipeline.parse.text import parse_lines

# No pattern here scans past the next "<" from where it starts: a page of unclosed tags or
# comments must cost one pass, not one pass per tag (a 380 KB page took minutes).
_MARK = re.compile(r"<!--\s*ZZTAGZZ\s+(DEBUT|FIN)_SEANCE[^<>]*-->")
# a block runs to its closing tag, or to the next block when the closing tag is missing
_BLOCK = re.compile(r"<(p|h[1-6]|li)\b([^<>]*)>([^<]*(?:<(?!/?(?:p|h[1-6]|li)\b)[^<]*)*)", re.I)
_CLASS = re.compile(r"""\bclass\s*=\s*["']?([\w-]+)""", re.I)
_HEADING_CLASSES = {"titre2", "titre3", "titre4", "sstitreinfo", "titre_article"}
_FICHE = re.compile(r"<b\b[^<>]*>(?:(?!</b>|<b\b).)*?fiches_id/(?:PA)?(\d+)", re.S | re.I)
_ANCHOR = re.compile(r"""<a\s+name\s*=\s*["']?(INTER[\w-]*)""", re.I)
_BR = re.compile(r"<br\b[^<>]*>", re.I)
_TAG = re.compile(r"<[!/?A-Za-z][^<>]*(?:>|(?=<)|$)")   # an unclosed tag ends where the next begins
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_META = re.compile(r"""<meta\s+name\s*=\s*["']?([\w-]+)["']?\s+content\s*=\s*["']([^"']*)["']""", re.I)
_TITLE = re.compile(r"<title>([^<]*(?:<(?!/?title\b)[^<]*)*)</title>", re.I)
_ENTETE = re.compile(r"""<h2\s+class\s*=\s*["']?entete["']?[^<>]*>([^<]*(?:<(?!/?h2\b)[^<]*)*)</h2>""",
                     re.I)


def is_an_html(text: str) -> bool:
    return "ZZTAGZZ" in text and "DEBUT_SEANCE" in text


def _uncomment(text: str) -> str:
    """``text`` without its <!-- … --> comments, in one pass (a lazy regex rescans the rest of
    the page from every unclosed "<!--"); an unclosed one is left to the tag stripper, so the
    text after it is kept."""
    out, pos = [], 0
    while True:
        a = text.find("<!--", pos)
        b = text.find("-->", a + 4) if a >= 0 else -1
        if b < 0:
            break
        out.append(text[pos:a])
        pos = b + 3
    out.append(text[pos:])
    return "".join(out)


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub("", _uncomment(fragment)))


def parse_an_html(text: str, source: str = "<html>") -> Debate:
    if not is_an_html(text):
        from pipeline.parse import unknown_layout
        raise unknown_layout(source, "HTML")
    marks = list(_MARK.finditer(text))
    start = next((m.end() for m in marks if m.group(1) == "DEBUT"), None)
    end = next((m.start() for m in marks if m.group(1) == "FIN" and start is not None
                and m.start() > start), len(text))
    if start is None:
        raise InputError(f"{source}: Assemblée nationale page without its DEBUT_SEANCE marker")
    head = text[:text.find("<body") if "<body" in text else min(start, 20000)]
    meta = {k.upper(): _SPACE.sub(" ", html.unescape(v)).strip() for k, v in _META.findall(head)}
    t = _TITLE.search(head)
    sitting = meta.get("QUANTIEME_SEANCE") or (_SPACE.sub(" ", _plain(t.group(1))).split("~")[-1].strip()
                                              if t else "")
    leg = meta.get("LEGISLATURE_ID", "")
    e = _ENTETE.search(text, 0, start)
    session = re.search(r"(\d{4}-\d{4})", _plain(e.group(1))) if e else None
    num = meta.get("NUMERO_DOCUMENT", "")
    page = (f"https://www.assemblee-nationale.fr/{leg}/cri/{session.group(1)}/{num}.asp"
            if leg and session and num else None)
    lines = _lines(text[start:end], page)
    if not lines:
        raise InputError(f"{source}: Assemblée nationale page without any text between its "
                         "DEBUT_SEANCE and FIN_SEANCE markers")
    details = tuple((k, v) for k, v in (("seance", sitting), ("legislature", leg),
                                        ("session", session.group(1) if session else ""),
                                        ("document", num)) if v)
    return parse_lines(lines, "\n".join(ln.orig for ln in lines), source,
                       title=sitting or None, date=find_date(sitting) if sitting else None,
                       chamber="Assemblée nationale", record=Source(page) if page else None,
                       details=details)


# the page's most frequent references, replaced in bulk before html.unescape does the rest
_COMMON = (("&nbsp;", "\xa0"), ("&#8217;", "’"), ("&#8230;", "…"), ("&#8211;", "–"),
           ("&#160;", "\xa0"))


def _lines(body: str, page: str | None) -> list[Line]:
    out: list[Line] = []
    body = _BR.sub("\n", _uncomment(body))
    for a, b in _COMMON:
        body = body.replace(a, b)
    for m in _BLOCK.finditer(body):
        tag, attrs, inner = m.group(1).lower(), m.group(2), m.group(3)
        c = _CLASS.search(attrs)
        cls = c.group(1) if c else ""
        kind = "heading" if tag in ("h2", "h3", "h4") and cls != "titre1" or cls in _HEADING_CLASSES \
            else None
        f = _FICHE.search(inner) if "fiches_id" in inner else None
        person = f"PA{f.group(1)}" if f else None
        a = _ANCHOR.search(inner) if "INTER" in inner else None
        url = f"{page}#{a.group(1)}" if a and page else None
        for piece in html.unescape(_TAG.sub("", inner)).split("\n"):
            piece = _SPACE.sub(" ", piece).strip()
            if piece:
                out.append(Line(piece, kind, person_id=person, url=url))
                person = url = None
    return out
