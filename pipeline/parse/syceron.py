"""Assemblée nationale open-data XML (the "Syceron" export: `compteRendu` in the namespace
http://schemas.assemblee-nationale.fr/referentiel, legislatures 15–17).

`point nivpoint=…` → agenda levels; `paragraphe` → one speech paragraph of the speaker in its
`orateurs/orateur` (`nom`, `acteurRef` or `id` → person id PA…, `qualite` → role of the turn);
`roledebat="president"` → the chair; `code_grammaire="INTERRUPTION_…"` → an interjection;
`<italique>(…)</italique>` → stage direction; `<br/>` → new paragraph; `<exposant>` joined
into its word; `texte@stime` → offset in the sitting's video; `metadonnees` → date, details.

Whole sittings also hold, around the points, `ouvertureSeance` (the presidency line "Présidence de
Mme X", then "La séance est ouverte." and its time), `changementPresidence` (a new chair) and
`finSeance` (the next sitting's agenda, "La séance est levée…"): all of it is read. The presidency
line is a Heading without level and names the chair: the chair's turns (id_acteur of that line)
get the holder's name and sex. `nom` is split by labels.split_name: the group printed after a name
("M. Patrick Hetzel (LR)") goes to Speaker.group, several people (in one `nom` or several
`orateur`) make one collective speaker with its members, never one named person."""
from __future__ import annotations

import re

from pipeline.french import gender_of
from pipeline.model import (Debate, Heading, InputError, Section, Source, Speaker, Speech, Stage,
                            is_collective)
from pipeline.parse.labels import matchable, split_name
from pipeline.parse.meta import fallback_title

NS = "{http://schemas.assemblee-nationale.fr/referentiel}"
_SPACE = re.compile(r"\s+")
_CHAIR = re.compile(r"^(?:M\.|Mme)\s+(?:le|la)\s+présidente?$")
_PRESIDENCY = re.compile(r"^Présidence de\s+(.+)$")
_DEPUTY = re.compile(r"^d[ée]put[ée]e?s?$", re.IGNORECASE)   # a status, not the role of a turn
OPENING = "Ouverture de la séance"      # the section of the opening (as the AN HTML reader)


def _local(el) -> str:
    return el.tag[len(NS):] if isinstance(el.tag, str) and el.tag.startswith(NS) else ""


def _clean(t: str) -> str:
    return _SPACE.sub(" ", t).strip()


def _child_text(el, name: str) -> str:
    c = el.find(NS + name)
    return _clean("".join(c.itertext())) if c is not None else ""


def _lines(el) -> list[str]:
    """The text of an element, one string per line (`<br/>` ends a line), inline markup joined."""
    out, buf = [], [el.text or ""]

    def walk(e):
        for c in e:
            if _local(c) == "br":
                out.append(_clean("".join(buf)))
                buf.clear()
            else:
                buf.append(c.text or "")
                walk(c)
            buf.append(c.tail or "")

    walk(el)
    out.append(_clean("".join(buf)))
    return [t for t in out if t]


def _inline(el) -> str:
    """An inline element's text as printed (its spaces kept), a `<br/>` inside it a space."""
    return (el.text or "") + "".join((" " if _local(c) == "br" else _inline(c)) + (c.tail or "")
                                     for c in el)


def _title(el) -> str:
    c = el.find(NS + "texte")
    return " ".join(_lines(c)) if c is not None else ""


def _pieces(texte) -> list[tuple[str, str]]:
    """A <texte> → ("p", paragraph) and ("s", stage direction) pieces in order."""
    out: list[tuple[str, str]] = []
    buf = [texte.text or ""]

    def end():
        t = _clean("".join(buf))
        if t:
            out.append(("p", t))
        buf.clear()

    for c in texte:
        name = _local(c)
        inner = _inline(c)
        if name == "br":
            end()
        elif name == "italique" and inner.strip().startswith("("):
            end()
            # the record's italics sometimes take the next word's first letter along:
            # "<italique>(Mme Sandra Regol s'exclame.) S</italique>i, lors de…"
            close = inner.rfind(")")
            rest = inner[close + 1:] if close > 0 and inner[close + 1:].strip() else ""
            out.append(("s", _clean(inner[:len(inner) - len(rest)])))
            buf.append(rest.lstrip())
        else:                                   # exposant, italique in a sentence, …: inline
            buf.append(inner)
        buf.append(c.tail or "")
    end()
    return out


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.sections: list[list] = []          # [title, items]
        self.last: Speaker | None = None        # speaker of the turn of the floor under way
        self.interrupted = False
        self.title: str | None = None           # the first agenda point's title: the debate's
        self.closing = False                    # inside finSeance (its points title nothing)
        self.chairs: dict[str, tuple] = {}      # chair's id → (civility, name, role) of its line
        self.chair: tuple | None = None         # the last presidency line's
        self.pending: tuple | None = None       # … until the next chair's turn gives its id

    def items(self) -> list:
        if not self.sections:
            self.sections.append(["", []])
        return self.sections[-1][1]

    def point(self, el):
        level = int(el.get("nivpoint") or 0) or 2
        title = _title(el)
        if not title and el.get("adt", "").strip():
            v = el.get("valeur", "").strip()
            title = f"Amendement{'s' if ',' in v or ' et ' in v else ''} n° {v}" if v else ""
        if title:
            if level == 1 or not self.sections:
                self.sections.append([title, []])
                self.title = self.title or (None if self.closing else title)
            else:
                self.items().append(Heading(title, level=level))
            self.last = None
        for c in el:
            self.walk(c)

    def walk(self, el):
        name = _local(el)
        if name == "point":
            self.point(el)
        elif name == "paragraphe":
            self.paragraph(el)
        elif name in ("quantiemes", "orateurs", "texte"):  # the day (a detail), a point's own
            pass                                             # speakers and title: read elsewhere
        else:      # ouvertureSeance, changementPresidence, finSeance, interExtraction, any other
            if name == "ouvertureSeance":
                self.sections.append([OPENING, []])
                self.last = None
            self.closing = self.closing or name == "finSeance"
            lines = _lines(el.find(NS + "texte")) if el.find(NS + "texte") is not None else []
            if lines:
                self.presidency(el, lines)
                self.items().append(Heading(", ".join(lines), level=None))
                self.last = None
            for c in el:
                self.walk(c)

    def presidency(self, el, lines: list[str]):
        """"Présidence de Mme Élodie Jacquier-Laforge" / "vice-présidente": who chairs from now
        (chair's turns are matched to it by id)."""
        m = _PRESIDENCY.match(matchable(lines[0]))
        if not m:
            return
        who = split_name(lines[0][m.start(1):])
        if not who.name:
            return
        role = lines[1] if len(lines) > 1 else None
        self.chair = self.pending = (who.civility, who.name, role)
        pid = (el.get("id_acteur") or "").strip()
        if pid:
            self.chairs[pid] = self.chair

    def paragraph(self, el):
        orateur = el.find(f"{NS}orateurs/{NS}orateur")
        texte = el.find(NS + "texte")
        if texte is None:
            return
        stime = texte.get("stime")
        offset = float(stime) if stime and re.fullmatch(r"\d+(?:\.\d+)?", stime) else None
        pieces = _pieces(texte)
        if orateur is None:                     # narration: the text as stage directions
            for _, t in pieces:
                self.items().append(Stage(t))
            return
        speaker = self.speaker(el, el.findall(f"{NS}orateurs/{NS}orateur"))
        pid = speaker.person_id
        interjection = (el.get("code_grammaire") or "").startswith("INTERRUPTION")
        items = self.items()
        same = self.last is not None and (self.last.person_id, self.last.key) == (pid, speaker.key)
        for kind, t in pieces:
            if kind == "s":
                items.append(Stage(t))
                self.interrupted = True
                continue
            prev = items[-1] if items else None
            if (isinstance(prev, Speech) and not interjection and not prev.interjection and same
                    and not self.interrupted):
                items[-1] = Speech(prev.speaker, prev.paragraphs + (t,), continues=prev.continues,
                                   source=prev.source)
            else:
                items.append(Speech(speaker, (t,), continues=same and not interjection,
                                    interjection=interjection,
                                    source=Source(None, offset) if offset is not None else None))
                if not interjection:
                    self.last, same = speaker, True
            self.interrupted = interjection
            offset = None

    def speaker(self, el, orateurs) -> Speaker:
        noms = [n.rstrip(" ,;:") for n in (_child_text(o, "nom") for o in orateurs) if n]
        if len(noms) > 1:                      # several <orateur>: one collective speaker
            printed = f"{', '.join(noms[:-1])} et {noms[-1]}"
            p = split_name(printed)
            return Speaker(printed + ".", p.civility, None, members=p.members or tuple(noms))
        nom = noms[0] if noms else ""
        o = orateurs[0]
        pid = _child_text(o, "acteurRef") or _child_text(o, "id") or el.get("id_acteur") or ""
        pid = (pid if not pid or pid.startswith("PA") else f"PA{pid}") or None
        qualite = _child_text(o, "qualite")
        role = None if _DEPUTY.match(qualite) else qualite or None
        if _CHAIR.match(nom):
            civ = "Mme" if nom.startswith("Mme") else "M."
            # the line's own id_acteur is sometimes missing or another's: the chair's first
            # turn after the line binds its id to it
            if self.pending and pid:
                self.chairs[pid], self.pending = self.pending, None
            holder = self.chairs.get(pid or "") or (self.chair if not pid else None)
            role = role or (holder[2] if holder and holder[2] else
                            "présidente" if civ == "Mme" else "président")
            return Speaker(f"{nom}.", civ, holder[1] if holder else None, role, pid, True,
                           gender_of(holder[0]) if holder else None)
        p = split_name(nom)
        presiding = el.get("roledebat") == "president"
        label = f"{nom}{', ' + role if role and role not in nom else ''}"
        label = label if label.endswith(".") else label + "."
        if p.members:
            return Speaker(label, p.civility, None, role, None, presiding, members=p.members)
        if is_collective(nom, p.civility, pid):  # an id other than the anonymous one names one
            anonymous = pid == "PA0" or bool(re.fullmatch(r"PA-\d+", pid or ""))   # member only
            return Speaker(label, p.civility, None, role, pid if anonymous else None, presiding)
        if pid == "PA0":                      # a named deputy the record could not identify
            pid = None
        return Speaker(label, p.civility, p.name, role or p.role, pid, presiding, group=p.group)


def parse_syceron(root, source: str = "<xml>") -> Debate:
    contenu = root.find(NS + "contenu")
    if contenu is None:
        raise InputError(f"{source}: compteRendu without <contenu>: nothing to read")
    r = _Reader(source)
    for c in contenu:
        r.walk(c)
    if not r.sections:
        raise InputError(f"{source}: compteRendu with an empty <contenu>: nothing to read")
    meta = root.find(NS + "metadonnees")
    details = []
    date = None
    if meta is not None:
        d = _child_text(meta, "dateSeance")
        if re.fullmatch(r"\d{12,17}", d):
            date = f"{d[:4]}-{d[4:6]}-{d[6:8]}"
            details.append(("heure", f"{d[8:10]}:{d[10:12]}"))
        for key, tag in (("jour", "dateSeanceJour"), ("seance", "numSeanceJour"),
                         ("numero", "numSeance"), ("legislature", "legislature"),
                         ("session", "session")):
            v = _child_text(meta, tag)
            if v:
                details.append((key, v))
    uid = _child_text(root, "uid")
    if uid:
        details.append(("uid", uid))
    chamber = "Assemblée nationale"
    sections = tuple(Section(t or fallback_title(chamber, date, source), tuple(items))
                     for t, items in r.sections)
    title = r.title or sections[0].title
    journee = root.find(f"{NS}contenu/{NS}quantiemes/{NS}journee")
    if journee is not None and _clean("".join(journee.itertext())):
        details.append(("journee", _clean("".join(journee.itertext()))))
    return Debate(title, date, chamber, sections, None, tuple(details))
