"""NosDéputés.fr / NosSénateurs.fr JSON (Regards Citoyens' export): a list of
{"intervention": {…}} (or {"seance": [...]}), one record per intervention.

`section`/`soussection` → agenda levels; `intervenant_nom`, `intervenant_slug` (person id),
`intervenant_fonction` (role of the turn); `contenu` is HTML paragraphs with <i> stage
directions; records without `intervenant_nom` are headings (their text is the
section's or sub-section's) or narration; `timestamp` orders them; `source` is the official
URL of the intervention."""
from __future__ import annotations

import collections
import html
import json
import re

from pipeline.model import Debate, Heading, InputError, Section, Source, Speaker, Speech, Stage
from pipeline.parse.labels import matchable
from pipeline.parse.lines import INSIDE, heading_level, section_default
from pipeline.parse.meta import fallback_title

_PARA = re.compile(r"(?i)<p\b[^>]*>|</p\s*>|<br\s*/?>|<div\b[^>]*>|</div\s*>")
_ITALIC = re.compile(r"(?is)<i\b[^>]*>(.*?)</i\s*>")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
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
    a parenthesis is a stage direction, any other markup is dropped (never read aloud)."""
    out = []
    for para in _PARA.split(contenu or ""):
        pos = 0
        for m in _ITALIC.finditer(para):
            inner = _clean(m.group(1))
            if inner.startswith("("):
                before = _clean(para[pos:m.start()])
                if before:
                    out.append(("p", before))
                out.append(("s", inner))
                pos = m.end()
        rest = _clean(para[pos:])
        if rest:
            out.append(("p", rest))
    return out


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


def _civilities(recs) -> dict[str, str]:
    """Civility of each speaker as the debate itself prints it ("La parole est à M. Gérard
    César"): the export has none, and the label, the gender and the voice depend on it."""
    names = sorted({_clean(str(r.get("intervenant_nom") or "")) for r in recs} - {""}, key=len,
                   reverse=True)
    if not names:
        return {}
    said = " ".join(str(r.get("contenu") or "") for r in recs).replace("\xa0", " ").replace("&nbsp;", " ")
    rx = re.compile(r"\b(M\.|Mme) (" + "|".join(map(re.escape, names)) + r")\b")
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for civ, name in rx.findall(said):           # one pass over the sitting for every name
        counts[name][civ] += 1
    out = {name: max(sorted(c), key=c.get) for name, c in counts.items()}
    return out


def _label(civ: str | None, name: str, role: str | None, chair: bool) -> str:
    """The label as the chamber prints it: "M. le président.", "M. Gérard César, rapporteur."."""
    if chair and civ:
        return "Mme la présidente." if civ == "Mme" else "M. le président."
    return f"{civ + ' ' if civ else ''}{name}{', ' + role if role else ''}."


def parse_nosdeputes(text: str, source: str = "<json>", data=None) -> Debate:
    recs = _records(json.loads(text) if data is None else data, source)
    civilities = _civilities(recs)
    sections: list[list] = []               # [title, items, base level]
    section = sub = None
    first = recs[0]
    for r in recs:
        sec_t = _clean(str(r.get("section") or "")) or None
        sub_t = _clean(str(r.get("soussection") or "")) or None
        pieces = _pieces(str(r.get("contenu") or ""))
        if sec_t != section or not sections:
            section, sub = sec_t, None
            sections.append([sec_t or "", [], 1])
        items, name = sections[-1][1], _clean(str(r.get("intervenant_nom") or ""))
        if sub_t and sub_t != sub and sub_t != sec_t:
            sub = sub_t
            level = heading_level(matchable(sub_t))
            if level is None:
                level = section_default(sec_t)
            if level == INSIDE:
                level = sections[-1][2] + 1
            elif isinstance(level, int):
                sections[-1][2] = level
            printed = not name and [matchable(t) for _, t in pieces] == [matchable(sub_t)]
            # the record printing the sub-heading itself gives its text as printed
            items.append(Heading(pieces[0][1] if printed else sub_t, level=level))
            if printed:
                continue
        if not name:
            if sec_t and [matchable(t) for _, t in pieces] == [matchable(sec_t)]:
                continue                     # the record printing the section's title
            items.extend(Stage(t) for _, t in pieces)
            continue
        role = _clean(str(r.get("intervenant_fonction") or "")) or None
        pid = _clean(str(r.get("intervenant_slug") or "")) or None
        chair = (role or "").lower() in _CHAIR_ROLES
        civ = civilities.get(name)
        speaker = Speaker(_label(civ, name, role, chair), civ, name, role, pid, chair)
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
    out = tuple(Section(t or fallback_title(chamber, date, source), tuple(items))
                for t, items, _ in sections)
    return Debate(out[0].title, date, chamber, out, None, details)
