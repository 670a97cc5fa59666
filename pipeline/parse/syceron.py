"""Assemblée nationale open-data XML (the "Syceron" export: `compteRendu` in the namespace
http://schemas.assemblee-nationale.fr/referentiel, legislatures 15–17).

`point nivpoint=…` → agenda levels; `paragraphe` → one speech paragraph of the speaker in its
`orateurs/orateur` (`nom`, `acteurRef` or `id` → person id PA…, `qualite` → role of the turn);
`roledebat="president"` → the chair; `code_grammaire="INTERRUPTION_…"` → an interjection;
`<italique>(…)</italique>` → stage direction; `<br/>` → new paragraph; `<exposant>` joined
into its word; `texte@stime` → offset in the sitting's video; `metadonnees` → date, details."""
from __future__ import annotations

import re

from pipeline.model import Debate, Heading, InputError, Section, Source, Speaker, Speech, Stage
from pipeline.parse.meta import fallback_title

NS = "{http://schemas.assemblee-nationale.fr/referentiel}"
_SPACE = re.compile(r"\s+")
_CIV = re.compile(r"^(M\.|Mme|MM\.|Mmes|Mlle)\s+")
_CHAIR = re.compile(r"^(?:M\.|Mme)\s+(?:le|la)\s+présidente?$")


def _local(el) -> str:
    return el.tag[len(NS):] if isinstance(el.tag, str) and el.tag.startswith(NS) else ""


def _clean(t: str) -> str:
    return _SPACE.sub(" ", t).strip()


def _child_text(el, name: str) -> str:
    c = el.find(NS + name)
    return _clean("".join(c.itertext())) if c is not None else ""


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
        inner = "".join(c.itertext())
        if name == "br":
            end()
        elif name == "italique" and inner.strip().startswith("("):
            end()
            out.append(("s", _clean(inner)))
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

    def items(self) -> list:
        if not self.sections:
            self.sections.append(["", []])
        return self.sections[-1][1]

    def point(self, el):
        level = int(el.get("nivpoint") or 0) or 2
        title = _child_text(el, "texte")
        if not title and el.get("adt", "").strip():
            v = el.get("valeur", "").strip()
            title = f"Amendement{'s' if ',' in v or ' et ' in v else ''} n° {v}" if v else ""
        if title:
            if level == 1 or not self.sections:
                self.sections.append([title, []])
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
        elif name == "interExtraction":
            for c in el:
                self.walk(c)

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
        nom = _child_text(orateur, "nom")
        pid = _child_text(orateur, "acteurRef") or _child_text(orateur, "id") or el.get("id_acteur") or ""
        pid = pid if not pid or pid.startswith("PA") else f"PA{pid}"
        role = _child_text(orateur, "qualite") or None
        m = _CIV.match(nom)
        civ = m.group(1) if m else None
        presiding = el.get("roledebat") == "president" or bool(_CHAIR.match(nom))
        name = None if _CHAIR.match(nom) else (nom[m.end():] if m else nom) or None
        if presiding and role is None and _CHAIR.match(nom):
            role = "présidente" if civ == "Mme" else "président"
        label = f"{nom}{', ' + role if role and not _CHAIR.match(nom) else ''}."
        speaker = Speaker(label, civ, name, role, pid or None, presiding)
        interjection = (el.get("code_grammaire") or "").startswith("INTERRUPTION")
        items = self.items()
        same = self.last is not None and (self.last.person_id, self.last.name) == (pid or None, name)
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
    title = sections[0].title
    return Debate(title, date, chamber, sections, None, tuple(details))
