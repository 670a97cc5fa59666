"""Conformance over 20 whole sittings of the Assemblée's open data (16th legislature), byte for
byte as published (tests/fixtures/sources/an-syceron-16/, provenance in that folder's README):
each parses; every word of every `texte` under `contenu` (opening and closing included) reaches
the Debate; names are names (no group, no trailing punctuation, several people never one named
person); nothing internal (person id, timecode, grammar code, URL) is displayed; every speech has
a label. Parse only: a few seconds in all."""
from __future__ import annotations

import collections
import re
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from pipeline.model import Debate, Heading, Speech, Stage
from pipeline.parse import parse_file
from pipeline.parse.labels import split_name

from test_readers import debate_words, words  # the Debate side of the word count, one copy

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "tests" / "fixtures" / "sources" / "an-syceron-16"
FILES = sorted(DIR.glob("*.xml"))
NS = "{http://schemas.assemblee-nationale.fr/referentiel}"


def _text(el) -> str:
    """An element's text as printed: inline markup (<exposant>, <italique>) joined into its
    words ("n<exposant>os</exposant>" is "nos"), a <br/> a line break."""
    return (el.text or "") + "".join(("\n" if c.tag == NS + "br" else _text(c)) + (c.tail or "")
                                     for c in el)


@lru_cache(maxsize=None)
def source(path: Path) -> tuple[collections.Counter, frozenset]:
    """Read from the XML, not by the reader: the words of every <texte> under <contenu>, and
    the `stime` video offsets (which must never show)."""
    contenu = etree.parse(str(path)).getroot().find(NS + "contenu")
    textes = list(contenu.iter(NS + "texte"))
    counts = collections.Counter(w for t in textes for w in words(_text(t)))
    return counts, frozenset(t.get("stime") for t in textes if t.get("stime"))


@lru_cache(maxsize=None)
def debate(path: Path) -> Debate:
    return parse_file(path)


def items(d: Debate):
    return [i for s in d.sections for i in s.items]


def displayed(d: Debate) -> list[str]:
    """Every text shown or spoken: title, section titles, headings, stages, paragraphs,
    speaker labels, names and members."""
    out = [d.title] + [s.title for s in d.sections]
    for i in items(d):
        if isinstance(i, Speech):
            sp = i.speaker
            out += [*i.paragraphs, sp.label, sp.name or "", sp.role or "", *sp.members]
        else:
            out.append(i.text)
    return out


def test_the_twenty_sittings_are_there():
    assert len(FILES) == 20 and all(p.name.startswith("CRSANR5L16") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_nothing_lost(path):
    src, _ = source(path)
    kept = sum((src & debate_words(debate(path))).values()) / sum(src.values())
    assert kept >= 0.999, (kept, (src - debate_words(debate(path))).most_common(10))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_opening_and_closing_read(path):
    d = debate(path)
    opening = d.sections[0]
    assert opening.title == "Ouverture de la séance" and d.title != opening.title
    presidency = opening.items[0]
    assert isinstance(presidency, Heading) and presidency.level is None
    assert presidency.text.startswith("Présidence de M")
    first = next(i for i in opening.items if isinstance(i, Speech))
    assert first.speaker.is_chair and first.paragraphs[0] == "La séance est ouverte."
    # the chair is the person the presidency line names, with that person's sex
    civ, holder = re.match(r"Présidence de (M\.|Mme) ([^,]+)", presidency.text).groups()
    assert first.speaker.name == holder
    assert first.speaker.sex == {"M.": "male", "Mme": "female"}[civ] == first.speaker.gender
    assert any(isinstance(i, Stage) and i.text.startswith("(La séance est ouverte à")
               for i in opening.items)
    # the closing: the next sitting's agenda and "La séance est levée" (or, at the end of a
    # session, its closing) in the last section, in the chair's words and in the record's
    closing = d.sections[-1]
    assert closing.title in ("Ordre du jour de la prochaine séance", "Clôture de la session ordinaire",
                             "Clôture de la session extraordinaire")
    said = [p for i in closing.items if isinstance(i, Speech) for p in i.paragraphs]
    assert "La séance est levée." in said
    assert any(isinstance(i, Stage) and re.match(r"\(La séance est levée", i.text)
               for i in closing.items)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_names_are_names(path):
    speakers = [i.speaker for i in items(debate(path)) if isinstance(i, Speech)]
    for sp in speakers:
        for n in filter(None, (sp.name, *sp.members)):
            assert not re.search(r"\([^()]*\)\s*$|[,.;:]\s*$", n), sp
            assert n == n.strip() and "  " not in n and "\xa0" not in n, sp
        if sp.collective:
            assert sp.name is None, sp
        if sp.members:
            assert len(sp.members) > 1 and sp.person_id is None, sp
        if sp.group:
            assert sp.label.startswith(f"{sp.civility} {sp.name} ({sp.group})"), sp
        # a label with a singular civility and a capitalised name is a named person
        if re.match(r"(?:M\.|Mme) [A-ZÀ-Þ]", sp.label) and not sp.members:
            assert sp.name and not sp.collective, sp
    # the anonymous speakers of the record (id 0) are groups, kept by their label
    for sp in speakers:
        if re.match(r"(?:Un|Une|Plusieurs) député", sp.label):
            assert sp.collective and sp.name is None and sp.person_id in ("PA0", None), sp


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_nothing_internal_shown(path):
    _, stimes = source(path)
    for t in displayed(debate(path)):
        assert not re.search(r"\bPA-?\d+\b|https?://|www\.|\b\d{1,2}:\d{2}:\d{2}\b", t), t
        assert not re.search(r"\b[A-Z]{2,}(?:_[A-Z0-9]+){2,}\b", t), t     # OUV_SEAN_1_1, …
        assert not stimes & set(re.findall(r"(?<![\d,.])\d+\.\d+(?![\d,])", t)), t
        assert not re.search(r"<[a-zA-Z/]|&[a-z]+;", t), t


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_speech_has_a_label_and_round_trips(path):
    d = debate(path)
    sp = [i for i in items(d) if isinstance(i, Speech)]
    assert sp and all(re.search(r"\w", s.speaker.label) and s.speaker.label.endswith(".") for s in sp)
    assert Debate.from_json(d.to_json()) == d


# --- what the real files print, taken apart (each `nom` below is quoted from these files) -----

def test_group_and_punctuation_leave_the_name():
    d = debate(DIR / "CRSANR5L16S2023O1N051.xml")
    naegelen = [i.speaker for i in items(d) if isinstance(i, Speech)
                and i.speaker.person_id == "PA721486"]
    assert {(s.label, s.name, s.group) for s in naegelen} >= {
        ("M. Christophe Naegelen (LIOT).", "Christophe Naegelen", "LIOT"),
        ("M. Christophe Naegelen.", "Christophe Naegelen", None)}
    assert len({s.key for s in naegelen}) == 1          # one person, with or without the group


@pytest.mark.parametrize("nom,civility,name,group,role,members", [
    ("M. Christophe Naegelen (LIOT)", "M.", "Christophe Naegelen", "LIOT", None, ()),
    ("M. Benjamin Lucas (Écolo-NUPES)", "M.", "Benjamin Lucas", "Écolo-NUPES", None, ()),
    ("M. Charles de Courson (LIOT)", "M.", "Charles de Courson", "LIOT", None, ()),
    ("Lefèvre Mathieu M.", "M.", "Mathieu Lefèvre", None, None, ()),      # CRSANR5L16S2022E1N006
    ("Mme\xa0Danielle Brulebois et M.\xa0Fabien Di\xa0Filippo", None, None, None, None,
     ("Mme Danielle Brulebois", "M. Fabien Di Filippo")),
    ("M.\xa0Jérôme Nury, M.\xa0Jean-Yves Bony et M.\xa0Emeric Salmon", "MM.", None, None, None,
     ("M. Jérôme Nury", "M. Jean-Yves Bony", "M. Emeric Salmon")),
    ("M.\xa0Florent Boudié, rapporteur et M.\xa0Sylvain Maillard", "MM.", None, None, None,
     ("M. Florent Boudié", "M. Sylvain Maillard")),
    ("Mme\xa0Prisca Thevenot et Mme\xa0Anne Genetet", "Mmes", None, None, None,
     ("Mme Prisca Thevenot", "Mme Anne Genetet")),
    # from other sittings of the 16th legislature (same open-data zip, not copied here):
    # CRSANR5L16S2022E1N028, CRSANR5L16S2023O1N002, CRSANR5L16S2023O1N029
    ("Mme Emmanuelle Ménard (non inscrite)", "Mme", "Emmanuelle Ménard", "non inscrite", None, ()),
    ("M.\xa0Jocelyn Dessigny et un député du groupe LFI-NUPES", None, None, None, None,
     ("M. Jocelyn Dessigny", "un député du groupe LFI-NUPES")),
    ("M.\xa0Sylvain Maillard etM.\xa0Pierre Cazeneuve", "MM.", None, None, None,
     ("M. Sylvain Maillard", "M. Pierre Cazeneuve")),
    # a role's "et des …" is no second person (a label of the Journal officiel, 2017–2020)
    ("M. Bruno Le Maire, ministre de l’économie et des finances", "M.", "Bruno Le Maire", None,
     "ministre de l’économie et des finances", ()),
    # quoted in issue 23 from other sittings of the 16th legislature
    ("Mme Myriam El Khomri,", "Mme", "Myriam El Khomri", None, None, ()),
    ("M. Patrick Hetzel (LR)", "M.", "Patrick Hetzel", "LR", None, ()),
    ("Fanta Berete, Mme Eléonore Caroit et Mme Prisca Thevenot", None, None, None, None,
     ("Fanta Berete", "Mme Eléonore Caroit", "Mme Prisca Thevenot")),
    ("Mme Amélia Lakrafi et M. Bruno Millienne", None, None, None, None,
     ("Mme Amélia Lakrafi", "M. Bruno Millienne")),
    ("Plusieurs députés des groupes RE et Dem", None, None, None, None, ()),
    ("Un député du groupe LFI-NUPES", None, None, None, None, ()),
    ("M. le président", "M.", None, None, "président", ()),
])
def test_split_name(nom, civility, name, group, role, members):
    p = split_name(nom)
    assert (p.civility, p.name, p.group, p.role, p.members) == (civility, name, group, role, members)


def test_several_people_one_collective_speaker():
    # one <nom> naming three people, and one <orateurs> holding two <orateur>
    d70 = debate(DIR / "CRSANR5L16S2023O1N070.xml")
    three = next(i.speaker for i in items(d70) if isinstance(i, Speech) and i.speaker.members
                 and len(i.speaker.members) == 3)
    assert three.label == "Mme Fanta Berete, Mme Claire Guichard et M. Sylvain Maillard."
    assert three.collective and three.name is None and three.person_id is None
    d165 = debate(DIR / "CRSANR5L16S2023O1N165.xml")
    two = next(i.speaker for i in items(d165) if isinstance(i, Speech) and i.speaker.members)
    assert two.members == ("M. Jérémie Patrier-Leitus", "M. Max Mathiasin")
    assert two.label == "M. Jérémie Patrier-Leitus et M. Max Mathiasin." and two.civility == "MM."


def test_a_named_deputy_with_the_anonymous_id_is_a_person():
    # CRSANR5L16S2023O1N030 gives "M. Matthias Tavel" the id 0 once
    d = debate(DIR / "CRSANR5L16S2023O1N030.xml")
    tavel = {i.speaker for i in items(d) if isinstance(i, Speech) and i.speaker.name == "Matthias Tavel"}
    assert tavel and not any(s.collective for s in tavel) and None in {s.person_id for s in tavel}


def test_change_of_chair():
    # CRSANR5L16S2023O1N110: <changementPresidence> "Présidence de Mme Élodie
    # Jacquier-Laforge<br/>vice-présidente" after Mme Yaël Braun-Pivet: the chair's turns follow
    d = debate(DIR / "CRSANR5L16S2023O1N110.xml")
    seq = [i for i in items(d) if isinstance(i, Heading) and i.text.startswith("Présidence")
           or isinstance(i, Speech) and i.speaker.is_chair]
    lines = [i.text for i in seq if isinstance(i, Heading)]
    assert "Présidence de Mme Élodie Jacquier-Laforge, vice-présidente" in lines
    k = next(n for n, i in enumerate(seq) if isinstance(i, Heading) and "Jacquier" in i.text)
    assert {i.speaker.name for i in seq[:k] if isinstance(i, Speech)} != {"Élodie Jacquier-Laforge"}
    after = seq[k + 1]
    assert after.speaker.name == "Élodie Jacquier-Laforge" and after.speaker.role == "vice-présidente"
