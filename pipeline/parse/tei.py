"""ParlaMint TEI (ParlaMint-FR): <u who ana>, <seg>, <note>, <kinesic>, <vocal>, <incident>, <head>
→ the same Debate model as the plain-text parser."""
from __future__ import annotations

import re

from lxml import etree

from pipeline.model import Debate, Heading, InputError, Section, Speaker, Speech, Stage
from pipeline.parse.labels import parse_label
from pipeline.parse.text import Continuation, find_chamber, find_date, split_inline

TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_STAGE_TAGS = {"note", "kinesic", "vocal", "incident", "gap", "event"}


def _local(tag) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


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
            sexv = (sex.get("value") if sex is not None else "") or ""
            civ = "Mme" if sexv.upper().startswith("F") else "M." if sexv.upper().startswith("M") else None
            self.people[pid] = (name, civ)

    def get(self, who: str | None):
        if not who:
            return None, None
        return self.people.get(who.lstrip("#").split()[0], (None, None))


def parse_tei(text: str, source: str = "<text>") -> Debate:
    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False,
                                                                         no_network=True,
                                                                         huge_tree=True))
    except etree.XMLSyntaxError as e:
        raise InputError(f"{source}: invalid XML ({e.msg})") from None
    if _local(root.tag) == "teiCorpus":
        tei = root.find(f".//{TEI}TEI")
        if tei is None:
            raise InputError(f"{source}: TEI corpus without any TEI document")
        persons_root, root = root, tei
    else:
        persons_root = root
    if root.tag != f"{TEI}TEI":
        raise InputError(f"{source}: XML but not a TEI document")
    persons = _Persons(persons_root)

    header = root.find(f"{TEI}teiHeader")
    title = None
    date = None
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
    body = root.find(f".//{TEI}body")
    if body is None:
        raise InputError(f"{source}: TEI document without a <body>")
    body_text = _text(body)
    date = date or find_date(body_text)
    chamber = find_chamber(body_text)
    if header is not None:
        h = _text(header)
        if re.search(r"(?i)\bsénat\b", h) and not re.search(r"(?i)assemblée nationale", h):
            chamber = "Sénat"
        elif re.search(r"(?i)assemblée nationale", h):
            chamber = "Assemblée nationale"

    sections: list[Section] = []
    state = {"roles": {}, "label": None}

    def walk_div(div, items: list):
        for el in div:
            tag = _local(el.tag)
            if tag == "head":
                items.append(Heading(_text(el)))
            elif tag == "div":
                walk_div(el, items)
            elif tag == "u":
                items.extend(_utterance(el, persons, state))
            elif tag == "note" and (el.get("type") == "speaker"):
                state["label"] = _text(el)
            elif tag in _STAGE_TAGS:
                s = _stage_text(el)
                if s:
                    items.append(Stage(s))
            elif tag in ("p", "ab"):
                t = _text(el)
                if t:
                    items.append(Stage(t))

    divs = [d for d in body if _local(d.tag) == "div"] or [body]
    for div in divs:
        items: list = []
        walk_div(div, items)
        stitle = None
        if items and isinstance(items[0], Heading):
            stitle = items.pop(0).text
        sections.append(Section(stitle or (title if not sections else f"Partie {len(sections) + 1}"),
                                tuple(items)))
    if not any(isinstance(i, Speech) for s in sections for i in s.items):
        import warnings
        from pipeline.parse.text import ParseWarning
        warnings.warn(ParseWarning(f"{source}: no utterance found: the text is read as narration"),
                      stacklevel=3)
    debate_title = title or (sections[0].title if sections else "Débat")
    return Debate(debate_title, date, chamber, tuple(sections))


def _utterance(u, persons: _Persons, state) -> list:
    name, civ = persons.get(u.get("who"))
    ana = u.get("ana") or ""
    printed = state.pop("label", None) if "label" in state else None
    state["label"] = None
    role = None
    lab = parse_label(printed) if printed else None
    if lab is not None:
        civ = lab.civility or civ
        if lab.kind == "person":
            name = name or lab.names[0]
            role = lab.role
        elif lab.kind == "role":
            role = state["roles"].get(name) or lab.role
    if "#chair" in ana:
        role = role if role and "président" in role else ("présidente" if civ == "Mme" else "président")
        label = printed or ("Mme la présidente." if civ == "Mme" else "M. le président.")
    else:
        label = printed or (f"{civ} {name}." if civ and name else f"{name or u.get('who') or 'Orateur'}.")
    if name:
        if role:
            state["roles"][name] = role
        else:
            role = state["roles"].get(name)
    speaker = Speaker(label, civ, name, role)

    out: list = []
    paras: list[str] = []
    started = False

    def flush(force=False):
        nonlocal paras, started
        if paras or (force and not started):
            out.append((Continuation if started else Speech)(speaker, tuple(paras)))
            started = True
        paras = []

    def add_text(t: str):
        t = re.sub(r"\s+", " ", t).strip()
        if not t:
            return
        for kind, piece in split_inline(t):
            if kind == "s":
                flush(force=True)
                out.append(Stage(piece))
            else:
                paras.append(piece)

    for el in u:
        tag = _local(el.tag)
        if tag == "seg":
            buf = el.text or ""
            for child in el:
                if _local(child.tag) in _STAGE_TAGS:
                    if buf.strip():
                        add_text(buf)
                        buf = ""
                    s = _stage_text(child)
                    if s:
                        # the turn goes on after the stage direction
                        flush(force=True)
                        out.append(Stage(s))
                else:
                    buf += "".join(child.itertext())
                buf += child.tail or ""
            add_text(buf)
        elif tag in _STAGE_TAGS:
            s = _stage_text(el)
            if s:
                flush(force=True)
                out.append(Stage(s))
    flush(force=True)
    return out

