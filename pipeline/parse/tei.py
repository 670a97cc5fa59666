"""ParlaMint TEI (ParlaMint-FR): <u who ana>, <seg>, <note>, <kinesic>, <vocal>, <incident>,
<gap>, <head>, nested <div> → the same Debate model as the plain-text parser.

What is read, and what is not (the corpus's own apparatus is never spoken or shown):
- Every word of <head>, <seg> (and any text in <u>, <p>, <div>), <note>, and the <desc> of
  <kinesic>/<vocal>/<incident> reaches the Debate.
- <note type="debate"> holding an Assemblée grammar code ("TITRE_TEXTE_DISCUSSION", "QG_1_1",
  "FIN_SEAN_1_2"), and any note, desc or label that is only a code, a URL or a timecode, is dropped.
- A <gap> (a passage the corpus left out: its desc is an internal word such as "SAMPLING") becomes the
  narrator's stage direction "(Passage non reproduit.)", or "(Passage inaudible.)" for
  reason="inaudible"; the listener hears that something is missing, never the corpus's code.
- The sitting's own metadata: the date is teiHeader//settingDesc/setting/date (@when; the
  publicationStmt and revisionDesc dates are the corpus's), the title is the sitting's (the text its
  first agenda heading or the chair's opening formula names, else the sitting's sub-title), never the
  corpus title ("… [ParlaMint SAMPLE]"). A <div> without a <head> continues the section before it.
- Speakers: `who="#PA…"` is resolved through the corpus's listPerson (ParlaMint-FR-listPerson.xml) when
  it lies in the file's folder or up to LISTPERSON_LEVELS - 1 folders above (the corpus keeps it at
  its root, sittings in year folders), or through a listPerson inside the document: name = forenames
  + surname, sex from sex/@value, civility from sex when no label is printed, the id kept as
  Speaker.person_id. Without a listPerson no label is ever a bare id: the chair (ana="#chair") is
  "Président de séance", anyone else "Orateur", numbered when several unnamed people share a role.
"""
from __future__ import annotations

import functools
import os
import re
import warnings
from pathlib import Path

from pipeline.model import Debate, Heading, InputError, Section, Source, Speaker, Speech, Stage
from pipeline.parse.labels import parse_label
from pipeline.parse.lines import split_inline
from pipeline.parse.meta import fallback_title, find_chamber, find_date, title_from_formula

TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_STAGE_TAGS = {"note", "kinesic", "vocal", "incident", "gap", "event"}
_SPACE = re.compile(r"\s+")
LISTPERSON_LEVELS = 3          # the file's folder and two above it: year folders under the corpus root
GAP_TEXT = "(Passage non reproduit.)"
_GAPS = {"inaudible": "(Passage inaudible.)"}
# Apparatus that is not text: AN grammar codes, URLs, timecodes (alone in a note or desc).
_INTERNAL = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|(?:https?://|www\.)\S+"
                       r"|\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?")
_DEBATE_CODE = re.compile(r"[A-Z0-9_]+")      # any <note type="debate"> without a lowercase word
# A first heading that names no text ("Suite de la discussion d'un projet de loi"): the chair's
# formula names it ("L'ordre du jour appelle la suite de la discussion du projet de loi prorogeant …").
_GENERIC_HEAD = re.compile(r"(?i)^(?:suite de la )?discussion\s*d['’]une?\s+(?:projet|proposition)s?\s"
                           r"de\s+(?:loi|résolution)(?:\s+organique)?$")
_CHAIR_ANON = "Président de séance"
_REGULAR_ANON = "Orateur"


def _local(tag) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el) -> str:
    return _SPACE.sub(" ", "".join(el.itertext())).strip()


def _internal(t: str) -> bool:
    return bool(_INTERNAL.fullmatch(t.strip("() ")))


def _stage_text(el) -> str:
    """The stage direction an apparatus element stands for; "" when it holds no text to read."""
    tag = _local(el.tag)
    if tag == "gap":
        return _GAPS.get((el.get("reason") or "").strip(), GAP_TEXT)
    descs = el.findall(f"{TEI}desc")
    if descs:       # the French description first (a corpus may add English ones)
        desc = next((d for d in descs if (d.get(XML_LANG) or "fr").startswith("fr")), descs[0])
        t = _text(desc)
    else:
        t = _text(el)
    if not t or _internal(t) or tag == "note" and el.get("type") == "debate" and _DEBATE_CODE.fullmatch(t):
        return ""
    return t if t.startswith("(") and t.endswith(")") else f"({t})"


# --- persons -----------------------------------------------------------------------------------

def _full_name(pn) -> str | None:
    fore = [_text(f) for f in pn if _local(f.tag) == "forename"]
    rest = [_text(s) for s in pn if _local(s.tag) in ("nameLink", "surname")]
    return " ".join(x for x in (*fore, *rest) if x) or _text(pn) or None


def _read_persons(root) -> dict[str, tuple[tuple, str | None]]:
    """id → (((from, to, name), …) for each persName, sex): ParlaMint dates a change of name."""
    out = {}
    for p in root.iter(f"{TEI}person"):
        pid = p.get(XML_ID)
        names = tuple(((pn.get("from") or "")[:10], (pn.get("to") or "")[:10], _full_name(pn))
                      for pn in p.findall(f"{TEI}persName"))
        if pid is None or not names:
            continue
        sex = p.find(f"{TEI}sex")
        sexv = ((sex.get("value") if sex is not None else "") or "").strip().upper()
        out[pid] = (names, "female" if sexv.startswith("F") else "male" if sexv.startswith("M") else None)
    return out


def _name_on(names: tuple, date: str | None) -> str | None:
    """The name valid on the sitting's date, else the undated one, else the first."""
    for start, end, name in names:
        if date and (start or end) and (not start or start <= date) and (not end or date <= end):
            return name
    return next((n for s, e, n in names if not s and not e), names[0][2])


@functools.lru_cache(maxsize=4)
def _listperson(path: str, mtime: int, size: int):
    """A corpus listPerson, parsed once for all the sittings of a build that share it."""
    from pipeline.parse.xml import load
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    return _read_persons(load(data, path))


def find_listperson(source: str, corpus: str | None) -> Path | None:
    """The corpus's listPerson beside the file or in one of its parent folders (bounded)."""
    if not source or source.startswith("<"):
        return None
    folder = Path(source).absolute().parent
    names = [f"{corpus}-listPerson.xml"] if corpus else []
    for d in [folder, *folder.parents][:LISTPERSON_LEVELS]:
        for name in names or sorted(p.name for p in d.glob("ParlaMint-*-listPerson.xml")):
            if (d / name).is_file() and os.access(d / name, os.R_OK):   # only what the user may read
                return d / name
    return None


class _Persons:
    def __init__(self, root, source: str, date: str | None):
        corpus = (root.get(XML_ID) or "").split("_", 1)[0] or None
        self.people: dict = {}
        found = find_listperson(source, corpus if corpus and corpus.startswith("ParlaMint") else None)
        self.date = date
        if found is not None:
            st = found.stat()
            self.people.update(_listperson(str(found), st.st_mtime_ns, st.st_size))
        self.people.update(_read_persons(root))       # the document's own list wins

    def get(self, who: str | None):
        pid = who.split()[0].lstrip("#") if who and who.strip("# ") else None
        if pid not in self.people:
            return pid, None, None
        names, sex = self.people[pid]
        return pid, _name_on(names, self.date), sex


def _anonymous_labels(root, persons: _Persons) -> dict[str, str]:
    """A label for each speaker id no listPerson names: by role, numbered when several share it
    (so each keeps a voice of their own); an id that ever chairs the sitting is a chair."""
    chairs: list[str] = []
    others: list[str] = []
    for u in root.iter(f"{TEI}u"):
        pid, name, _ = persons.get(u.get("who"))
        if pid is None or name:
            continue
        if "#chair" in (u.get("ana") or "").split():
            if pid in others:
                others.remove(pid)
            if pid not in chairs:
                chairs.append(pid)
        elif pid not in chairs and pid not in others:
            others.append(pid)
    out = {}
    for base, ids in ((_CHAIR_ANON, chairs), (_REGULAR_ANON, others)):
        for n, pid in enumerate(ids, 1):
            out[pid] = base if len(ids) == 1 else f"{base} {n}"
    return out


# --- metadata ----------------------------------------------------------------------------------

def _iso(d) -> str | None:
    for v in (d.get("when"), d.get("from"), _text(d)):
        v = (v or "").strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", v):
            return v[:10]
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)
        if m:
            return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    return None


def _metadata(root, body):
    """Date, chamber, sub-title, details and record of the sitting (never the corpus's)."""
    header = root.find(f"{TEI}teiHeader")
    date = sub = record = None
    details: list[tuple[str, str]] = []
    if header is not None:
        for path in (".//{t}settingDesc/{t}setting/{t}date", ".//{t}sourceDesc//{t}date"):
            date = next((x for x in map(_iso, header.iterfind(path.format(t=TEI))) if x), None)
            if date:
                break
        for t in header.iterfind(f"{TEI}fileDesc/{TEI}titleStmt/{TEI}title"):
            if t.get("type") == "sub" and (t.get(XML_LANG) or "fr").startswith("fr") and _text(t):
                sub = re.sub(r"\s*\[[^\]]*\]\s*$", "", _text(t))
                break
        for m in header.iterfind(f"{TEI}fileDesc/{TEI}titleStmt/{TEI}meeting"):
            ana, n = (m.get("ana") or "").split(), (m.get("n") or "").strip()
            if "#parla.term" in ana and n:
                details.append(("legislature", n))
            elif "#parla.sitting" in ana and n:
                details.append(("numero", n))
            uid = re.search(r"\((CR[A-Z0-9]+)\)", _text(m))
            if uid:
                details.append(("uid", uid[1]))
        for idno in header.iterfind(f".//{TEI}sourceDesc//{TEI}idno"):
            url = _text(idno)
            if idno.get("subtype") == "parliament" and re.search(r"/[^/]+\.(?:xml|html?|asp)$", url):
                record = Source(url)
    body_text = _text(body)
    date = date or find_date(body_text)
    chamber = find_chamber(body_text)
    if header is not None:
        h = _text(header)
        corresp = " ".join(m.get("corresp") or "" for m in header.iter(f"{TEI}meeting"))
        if re.search(r"(?i)assemblée nationale", h) or corresp.endswith("-LOWER"):
            chamber = "Assemblée nationale"
        elif re.search(r"(?i)\bsénat\b", h) or corresp.endswith("-UPPER"):
            chamber = "Sénat"
    return date, chamber, sub, tuple(details), record


# --- body --------------------------------------------------------------------------------------

def parse_tei_root(root, source: str = "<text>") -> Debate:
    from pipeline.parse.text import OPENING_TITLE, START_TITLE, ParseWarning
    if _local(root.tag) == "teiCorpus":
        tei = root.find(f".//{TEI}TEI")
        if tei is None:
            raise InputError(f"{source}: TEI corpus without any TEI document")
        persons_root, root = root, tei
    else:
        persons_root = root
    body = root.find(f".//{TEI}body")
    if body is None:
        raise InputError(f"{source}: TEI document without a <body>")
    if not _text(body) and not len(body):
        raise InputError(f"{source}: TEI document with an empty <body>: nothing to read")
    date, chamber, sub, details, record = _metadata(root, body)
    persons = _Persons(persons_root, source, date)
    if persons_root is not root:
        persons.people.update(_read_persons(root))
    state = {"roles": {}, "label": None, "anon": _anonymous_labels(root, persons)}

    def loose(t: str | None, items: list):
        t = _SPACE.sub(" ", t or "").strip()
        if t:
            items.append(Stage(t))

    def walk_div(div, items: list, depth: int):
        loose(div.text, items)
        first_head = True
        for el in div:
            tag = _local(el.tag)
            if tag == "head" and _text(el):        # a nested div's first head opens an agenda item
                items.append(Heading(_text(el), level=depth + 1 if first_head and depth else None))
                first_head = False
            elif tag == "div":
                walk_div(el, items, depth + 1)
            else:
                walk_el(el, items)
            loose(el.tail, items)

    def walk_el(el, items: list):
        tag = _local(el.tag)
        if tag == "u":
            items.extend(_utterance(el, persons, state))
        elif tag == "note" and el.get("type") == "speaker":
            if state["label"]:                     # a label no <u> took: keep its words
                items.append(Stage(state["label"]))
            state["label"] = _text(el) or None
        elif tag in _STAGE_TAGS:
            s = _stage_text(el)
            if s:
                items.append(Stage(s))
        else:                                      # p, ab and anything else: narration
            loose(_text(el), items)

    # The body's children in order: each <div> opening with a <head> is a section; a div without
    # one, and anything outside a div, continues the section before it (before the first heading:
    # a section of its own, titled as the plain-text reader titles a sitting's opening).
    chunks: list[tuple[str | None, list]] = []
    opening: list = []

    def current() -> list:
        return chunks[-1][1] if chunks else opening

    loose(body.text, opening)
    for el in body:
        tag = _local(el.tag)
        if tag == "div":
            items: list = []
            walk_div(el, items, 0)
            if items and isinstance(items[0], Heading):
                chunks.append((items[0].text, items[1:]))
            else:
                current().extend(items)
        elif tag == "head" and _text(el):
            chunks.append((_text(el), []))
        else:
            walk_el(el, current())
        loose(el.tail, current())
    if state["label"]:                             # a last label no <u> took
        current().append(Stage(state["label"]))
    if opening or not chunks:
        chunks.insert(0, (None, opening))

    sections = []
    for title, items in chunks:
        if title is None:
            opened = any("séance est ouverte" in t for i in items
                         for t in (i.paragraphs if isinstance(i, Speech) else (getattr(i, "text", ""),)))
            title = OPENING_TITLE if opened else START_TITLE
        sections.append(Section(title, tuple(items)))
    if not any(isinstance(i, Speech) for s in sections for i in s.items):
        warnings.warn(ParseWarning(f"{source}: no utterance found: the text is read as narration"),
                      stacklevel=3)
    headed = next((t for t, _ in chunks if t), None)
    formula = title_from_formula(p for i in sections[0].items if isinstance(i, Speech)
                                 for p in i.paragraphs) if sections else None
    if headed and not _GENERIC_HEAD.match(headed):
        title = headed
    else:
        title = formula or headed or sub or fallback_title(chamber, date, source)
    return Debate(title, date, chamber, tuple(sections), record, details)


def _utterance(u, persons: _Persons, state) -> list:
    pid, name, sex = persons.get(u.get("who"))
    ana = (u.get("ana") or "").split()
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
    anon = state["anon"].get(pid) if pid and not name else None
    if chair:
        role = role if role and "président" in role else ("présidente" if civ == "Mme" else "président")
        label = printed or ("Mme la présidente." if civ == "Mme" else "M. le président." if civ
                            else f"{anon or _CHAIR_ANON}.")
    else:
        label = printed or (f"{civ} {name}." if civ and name else f"{name or anon or _REGULAR_ANON}.")
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
