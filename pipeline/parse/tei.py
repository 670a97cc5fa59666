"""ParlaMint TEI (ParlaMint-FR): <u who ana>, <seg>, <note>, <kinesic>, <vocal>, <incident>,
<head>, nested <div> → the same Debate model as the plain-text parser. Every text node of the
body reaches the Debate: text directly in <u>, <p>, <div> or after </seg> included."""
from __future__ import annotations

import re
import warnings

from pipeline.model import Debate, Heading, InputError, Section, Speaker, Speech, Stage
from pipeline.parse.labels import parse_label
from pipeline.parse.lines import split_inline
from pipeline.parse.meta import fallback_title, find_chamber, find_date

TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_STAGE_TAGS = {"note", "kinesic", "vocal", "incident", "gap", "event"}
_SPACE = re.compile(r"\s+")


def _local(tag) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el) -> str:
    return _SPACE.sub(" ", "".join(el.itertext())).strip()


def _stage_text(el) -> str:
    desc = el.find(f"{TEI}desc")
    t = _text(desc) if desc is not None else _text(el)
    if not t:
        t = (el.get("type") or el.get("reason") or "").strip()
    if not t:
        return ""
    return t if t.startswith("(") and t.endswith(")") else f"({t})"


class _Persons:
    def __init__(self, root):
        self.people = {}
        for p in root.iter(f"{TEI}person"):
            pid = p.get(XML_ID)
            pn = p.find(f"{TEI}persName")
            if pid is None or pn is None:
                continue
            fore = " ".join(_text(f) for f in pn.findall(f"{TEI}forename"))
            sur = " ".join(_text(s) for s in pn.findall(f"{TEI}surname"))
            name = " ".join(x for x in (fore, sur) if x) or _text(pn)
            sex = p.find(f"{TEI}sex")
            sexv = ((sex.get("value") if sex is not None else "") or "").upper()
            self.people[pid] = (name, "female" if sexv.startswith("F") else
                                "male" if sexv.startswith("M") else None)

    def get(self, who: str | None):
        pid = who.lstrip("#").split()[0] if who and who.strip("# ") else None
        name, sex = self.people.get(pid, (None, None)) if pid else (None, None)
        return pid, name, sex


def _metadata(root, body):
    header = root.find(f"{TEI}teiHeader")
    title = date = None
    if header is not None:
        for t in header.iter(f"{TEI}title"):
            if t.get("type") in (None, "main") and _text(t):
                title = _text(t)
                break
        for d in header.iter(f"{TEI}date"):
            w = d.get("when") or ""
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", w[:10]):
                date = w[:10]
                break
    body_text = _text(body)
    date = date or find_date(body_text)
    chamber = find_chamber(body_text)
    if header is not None:
        h = _text(header)
        if re.search(r"(?i)assemblée nationale", h):
            chamber = "Assemblée nationale"
        elif re.search(r"(?i)\bsénat\b", h):
            chamber = "Sénat"
    return title, date, chamber


def parse_tei_root(root, source: str = "<text>") -> Debate:
    if _local(root.tag) == "teiCorpus":
        tei = root.find(f".//{TEI}TEI")
        if tei is None:
            raise InputError(f"{source}: TEI corpus without any TEI document")
        persons_root, root = root, tei
    else:
        persons_root = root
    persons = _Persons(persons_root)
    body = root.find(f".//{TEI}body")
    if body is None:
        raise InputError(f"{source}: TEI document without a <body>")
    if not _text(body) and not len(body):
        raise InputError(f"{source}: TEI document with an empty <body>: nothing to read")
    title, date, chamber = _metadata(root, body)

    state = {"roles": {}, "label": None}

    def loose(t: str | None, items: list):
        t = _SPACE.sub(" ", t or "").strip()
        if t:
            items.append(Stage(t))

    def walk_div(div, items: list, depth: int):
        loose(div.text, items)
        first_head = True
        for el in div:
            tag = _local(el.tag)
            if tag == "head":
                items.append(Heading(_text(el), level=depth + 1 if first_head and depth else None))
                first_head = False
            elif tag == "div":
                walk_div(el, items, depth + 1)
            elif tag == "u":
                items.extend(_utterance(el, persons, state))
            elif tag == "note" and el.get("type") == "speaker":
                if state["label"]:                 # a label no <u> took: keep its words
                    items.append(Stage(state["label"]))
                state["label"] = _text(el) or None
            elif tag in _STAGE_TAGS:
                s = _stage_text(el)
                if s:
                    items.append(Stage(s))
            else:                                  # p, ab and anything else: narration
                loose(_text(el), items)
            loose(el.tail, items)

    sections: list[Section] = []
    loose_items: list = []
    loose(body.text, loose_items)
    divs = []
    for el in body:
        if _local(el.tag) == "div":
            divs.append(el)
        else:                                      # text outside any div: a section of its own
            tmp = etree_wrap(el)
            walk_div(tmp, loose_items, 0)
        if el.tail and el.tail.strip():
            loose(el.tail, loose_items)
    if loose_items:
        sections.append(Section(title or "Texte", tuple(loose_items)))
    for div in divs:
        items: list = []
        walk_div(div, items, 0)
        stitle = None
        if items and isinstance(items[0], Heading):
            stitle = items.pop(0).text
        sections.append(Section(stitle or (title if not sections else f"Partie {len(sections) + 1}")
                                or "Texte", tuple(items)))
    if state["label"]:                             # a last label no <u> took
        last = sections.pop() if sections else Section(title or "Texte", ())
        sections.append(Section(last.title, last.items + (Stage(state["label"]),)))
    if not any(isinstance(i, Speech) for s in sections for i in s.items):
        from pipeline.parse.text import ParseWarning
        warnings.warn(ParseWarning(f"{source}: no utterance found: the text is read as narration"),
                      stacklevel=3)
    debate_title = title or next((s.title for s in sections), None) or fallback_title(chamber, date, source)
    return Debate(debate_title, date, chamber, tuple(sections))


def etree_wrap(el):
    """A stand-in div holding one stray element of the body (its tail is the caller's)."""
    from lxml import etree
    div = etree.Element(f"{TEI}div")
    copy = etree.fromstring(etree.tostring(el, with_tail=False))
    div.append(copy)
    return div


def _utterance(u, persons: _Persons, state) -> list:
    pid, name, sex = persons.get(u.get("who"))
    ana = u.get("ana") or ""
    printed = state["label"]
    state["label"] = None
    civ = {"female": "Mme", "male": "M."}.get(sex)
    role = None
    lab = parse_label(printed) if printed else None
    if lab is not None:
        civ = lab.civility or civ
        if lab.kind == "person":
            name = name or lab.names[0]
            role = lab.role
        elif lab.kind == "role":
            role = state["roles"].get(name) or lab.role
    chair = "#chair" in ana
    if chair:
        role = role if role and "président" in role else ("présidente" if civ == "Mme" else "président")
        label = printed or ("Mme la présidente." if civ == "Mme" else "M. le président.")
    else:
        label = printed or (f"{civ} {name}." if civ and name else f"{name or pid or 'Orateur'}.")
    if name:
        if role:
            state["roles"][name] = role
        else:
            role = state["roles"].get(name)
    speaker = Speaker(label, civ, name, role, pid, chair, sex)

    out: list = []
    paras: list[str] = []
    started = False

    def flush(force=False):
        nonlocal paras, started
        if paras or (force and not started):
            out.append(Speech(speaker, tuple(paras), continues=started))
            started = True
        paras = []

    def stage(s: str):
        if s:
            flush(force=True)
            out.append(Stage(s))

    def add_text(t: str | None):
        t = _SPACE.sub(" ", t or "").strip()
        if not t:
            return
        for kind, piece in split_inline(t):
            if kind == "s":
                stage(piece)
            else:
                paras.append(piece)

    def paragraph(el):
        """A <seg> or <p>: one paragraph, cut by the stage directions inside it."""
        buf = el.text or ""
        for child in el:
            if _local(child.tag) in _STAGE_TAGS:
                add_text(buf)
                buf = ""
                stage(_stage_text(child))
            else:
                buf += "".join(child.itertext())
            buf += child.tail or ""
        add_text(buf)

    add_text(u.text)
    for el in u:
        tag = _local(el.tag)
        if tag in _STAGE_TAGS:
            stage(_stage_text(el))
        else:
            paragraph(el)
        add_text(el.tail)
    flush(force=True)
    return out
