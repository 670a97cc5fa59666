"""NosDéputés.fr / NosSénateurs.fr JSON (Regards Citoyens' export): a list of
{"intervention": {…}} (or {"seance": [...]}), one record per intervention.

`section`/`soussection` → agenda levels; `intervenant_nom`, `intervenant_slug` (person id),
`intervenant_fonction` (role of the turn), `intervenant_groupe`; `contenu` is HTML paragraphs
whose stage directions are parentheses, in <i> (NosSénateurs) or unmarked (NosDéputés), read
by the narrator as the plain-text reader reads them; records without `intervenant_nom` are
headings (their text is the section's or sub-section's), narration or a collective remark;
`timestamp` orders them; `source` is the official URL of the intervention."""
from __future__ import annotations

import collections
import html
import json
import re

from pipeline.model import Debate, Heading, InputError, Section, Source, Speaker, Speech, Stage
from pipeline.parse.labels import Printed, matchable, parse_label, split_name
from pipeline.parse.lines import Levels, heading_level, section_default, split_inline
from pipeline.parse.meta import fallback_title
from pipeline.parse.text import interjections

# No pattern scans past the next "<" from where it starts: contenu full of unclosed <i> or of
# "<" costs one pass, not one per tag (112 KB took 11 s). An <i>/<em> runs to its end tag or
# to the next one.
_PARA = re.compile(r"(?i)<p\b[^<>]*>|</p\s*>|<br\s*/?>|<div\b[^<>]*>|</div\s*>")
_ITALIC = re.compile(r"(?i)<(?:i|em)\b[^<>]*>([^<]*(?:<(?!/?(?:i|em)\b)[^<]*)*)</(?:i|em)\s*>")
_TAG = re.compile(r"<[!/?A-Za-z][^<>]*(?:>|(?=<)|$)")   # an unclosed tag ends where the next begins
_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
_CHAIR_ROLES = {"président", "présidente", "président de séance", "présidente de séance"}


def looks_like_json(text: str):
    """The parsed JSON when ``text`` is JSON, else None (a plain text opening with a bracket)."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def _clean(t: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", t))).strip()


def _pieces(contenu: str) -> list[tuple[str, str]]:
    """HTML paragraphs → ("p", text) and ("s", stage direction) pieces; an <i> that opens with
    a parenthesis is a stage direction, and so is a parenthesis in the text that the
    plain-text reader takes for one (NosDéputés prints them unmarked: "… réalité.
    (Applaudissements sur les bancs du groupe UMP.)"); any other markup is dropped."""
    out: list[tuple[str, str]] = []

    def text(t: str):
        t = _clean(t)
        if t:
            out.extend(split_inline(t))
    for para in _PARA.split(contenu or ""):
        pos = 0
        for m in _ITALIC.finditer(para):
            inner = _clean(m.group(1))
            if inner.startswith("("):
                text(para[pos:m.start()])
                out.append(("s", inner))
                pos = m.end()
        text(para[pos:])
    return out


def _prints(pieces: list[tuple[str, str]], title: str) -> bool:
    """Is this record's text the heading ``title`` printed (the same words: "Discussion, après
    engagement …" prints the sub-section "Discussion après engagement …")?"""
    return len(pieces) == 1 and _WORDS.findall(pieces[0][1].lower()) == _WORDS.findall(title.lower())


def _records(data, source: str) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("seance"), list):
        data = data["seance"]
    if not (isinstance(data, list) and data and all(isinstance(r, dict) and isinstance(
            r.get("intervention"), dict) for r in data)):
        from pipeline.parse import unknown_layout
        raise unknown_layout(source, "JSON")
    recs = [r["intervention"] for r in data]
    for n, r in enumerate(recs):
        if not isinstance(r.get("contenu", ""), (str, type(None))):
            raise InputError(f"{source}: record {n + 1}: 'contenu' is not a string")

    def order(nr):
        ts = str(nr[1].get("timestamp") or "")
        return (int(ts) if ts.isdigit() else 0, nr[0])
    return [r for _, r in sorted(enumerate(recs), key=order)]


_CIVILITY_AT = re.compile(r"\b(M\.|Mme) ")
_LONGEST_NAME = 80          # longer "names" are not looked up in the text


def _civilities(recs) -> dict[str, str]:
    """Civility of each speaker as the debate itself prints it ("La parole est à M. Gérard
    César"): the export has none, and the label, the gender and the voice depend on it. After
    each "M. "/"Mme ", the longest of the sitting's names that follows as whole words is
    looked up (a set, by length): one regex alternating thousands of names was quadratic."""
    names = {n for n in (_name(r)[1].name for r in recs) if n and len(n) <= _LONGEST_NAME}
    if not names:
        return {}
    lengths = sorted({len(n) for n in names}, reverse=True)
    said = " ".join(str(r.get("contenu") or "") for r in recs).replace("\xa0", " ").replace("&nbsp;", " ")
    word = lambda c: c.isalnum() or c == "_"
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for m in _CIVILITY_AT.finditer(said):
        p = m.end()
        for n in lengths:
            name = said[p:p + n]
            if len(name) == n and name in names and (
                    p + n == len(said) or word(name[-1]) != word(said[p + n])):
                counts[name][m.group(1)] += 1
                break
    return {name: max(sorted(c), key=c.get) for name, c in counts.items()}


def _name(r: dict) -> tuple[str, Printed]:
    """The record's name field as printed, and apart (labels.split_name, as every reader):
    "Jean Mallot (SRC)," → "Jean Mallot", group "SRC"; "du groupe socialiste" → no person."""
    raw = _clean(str(r.get("intervenant_nom") or ""))
    return raw, split_name(raw) if raw else Printed(None, None)


def _label(civ: str | None, name: str, role: str | None, chair: bool) -> str:
    """The label as the chamber prints it: "M. le président.", "M. Gérard César, rapporteur."."""
    if chair and civ:
        return "Mme la présidente." if civ == "Mme" else "M. le président."
    return f"{civ + ' ' if civ else ''}{name}{', ' + role if role else ''}."


def parse_nosdeputes(text: str, source: str = "<json>", data=None) -> Debate:
    recs = _records(json.loads(text) if data is None else data, source)
    civilities = _civilities(recs)
    sections: list[list] = []               # [title, items, agenda levels]
    section = sub = None
    first = recs[0]
    for r in recs:
        sec_t = _clean(str(r.get("section") or "")) or None
        sub_t = _clean(str(r.get("soussection") or "")) or None
        pieces = _pieces(str(r.get("contenu") or ""))
        if sec_t != section or not sections:
            section, sub = sec_t, None
            sections.append([sec_t or "", [], Levels()])
        items, (raw, printed) = sections[-1][1], _name(r)
        name = printed.name
        if sub_t and sub_t != sub and sub_t != sec_t:
            sub = sub_t
            level = heading_level(matchable(sub_t))
            if level is None:
                level = section_default(sec_t)
            level = sections[-1][2].place(level, matchable(sub_t))
            heading = not raw and _prints(pieces, sub_t)
            # the record printing the sub-heading itself gives its text as printed
            items.append(Heading(pieces[0][1] if heading else sub_t, level=level))
            if heading:
                continue
        if not raw:
            if sec_t and _prints(pieces, sec_t) and not items:
                continue                     # the record printing the section's title
            if any(t and _prints(pieces, t) for t in (sec_t, sub)):
                items.append(Heading(pieces[0][1]))   # a title printed again (after a
                continue                              # suspension): a heading, no new item
            for kind, t in pieces:
                lab = parse_label(t) if kind == "p" else None
                if lab is not None and lab.kind == "collective":
                    # "Plusieurs députés du groupe UMP. Mais si !": the benches speak
                    items.append(Speech(Speaker(lab.text, None, None), (lab.rest,) if lab.rest
                                        else ()))
                else:
                    items.append(Stage(t))
            continue
        role = _clean(str(r.get("intervenant_fonction") or "")) or printed.role
        pid = _clean(str(r.get("intervenant_slug") or "")) or None
        group = _clean(str(r.get("intervenant_groupe") or "")) or printed.group
        if name is None:                    # several people, or the benches ("du groupe …")
            speaker = Speaker(raw.rstrip(" ,;:") + ".", printed.civility, None, role, pid,
                              group=group, members=printed.members)
        else:
            chair = (role or "").lower() in _CHAIR_ROLES
            civ = printed.civility or civilities.get(name)
            speaker = Speaker(_label(civ, name, role, chair), civ, name, role, pid, chair,
                              group=group)
        url = str(r.get("source") or "") or None
        paras: list[str] = []
        started = False
        for kind, t in pieces + [("end", "")]:
            if kind != "p" and (paras or (kind == "end" and not started)):
                items.append(Speech(speaker, tuple(paras), continues=started,
                                    source=Source(url) if url and not started else None))
                started, paras = True, []
            if kind == "s":
                items.append(Stage(t))
            elif kind == "p":
                paras.append(t)
    date = str(first.get("date") or "")
    date = date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None
    src = " ".join(str(r.get("source") or "") for r in recs[:20])
    chamber = ("Sénat" if "senat.fr" in src else "Assemblée nationale"
               if "assemblee-nationale.fr" in src else None)
    details = tuple((k, _clean(str(first.get(f)))) for k, f in (
        ("heure", "heure"), ("seance", "seance_titre"), ("seance_id", "seance_id"),
        ("lieu", "seance_lieu")) if first.get(f))
    # remarks from the benches, as in the plain-text reader (a short turn of someone else
    # between two turns of the speaker who has the floor; a collective label)
    out = tuple(Section(t or fallback_title(chamber, date, source), tuple(interjections(items)))
                for t, items, _ in sections)
    return Debate(out[0].title, date, chamber, out, None, details)
