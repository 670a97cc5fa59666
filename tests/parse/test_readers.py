"""The readers of official sources on their real samples (tests/fixtures/sources/, see its
README) and on generated documents of each format: structure, persons, turns, interjections,
provenance, metadata, nothing lost, JSON round trip, unknown layouts refused."""
from __future__ import annotations

import collections
import html
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.model import Debate, Heading, InputError, Speech, Stage
from pipeline.parse import parse_file, parse_text

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "tests" / "fixtures" / "sources"
AN_HTML = SRC / "20130134.asp"
AN_TEXT = ROOT / "seeds" / "an_2013-02-04_mariage-pour-tous_seance2.txt"
QAG = SRC / "CRSANR5L15S2021E1N009_extrait.xml"
PLF = SRC / "CRSANR5L17S2025O1N044_extrait.xml"
NOSSEN = SRC / "senat_2010-05-19_2130_seance-707.json"
SAMPLES = [AN_HTML, QAG, PLF, NOSSEN]
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.replace("’", "").replace("'", "").lower())


def debate_words(d: Debate) -> collections.Counter:
    """Titles, labels (once per turn), paragraphs and stage texts."""
    out = words(d.title) + [w for s in d.sections for w in words(s.title)]
    for s in d.sections:
        for i in s.items:
            if isinstance(i, Speech):
                if not i.continues:
                    out += words(i.speaker.label)
                out += [w for p in i.paragraphs for w in words(p)]
            else:
                out += words(i.text)
    return collections.Counter(out)


def speeches(d):
    return [i for s in d.sections for i in s.items if isinstance(i, Speech)]


def strip_html(t: str) -> str:
    """Text content of an HTML fragment: block tags and comments separate words, inline tags
    (<sup>, <a>, <b>, <i>…) do not ("n<sup>os</sup>" is "nos")."""
    t = re.sub(r"<!--.*?-->|</?(?:p|h\d|br|div|li|ul|tr|td)\b[^>]*>", " ", t, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", t))


def source_words(path: Path) -> collections.Counter:
    """Every word of the source's text content, extracted independently of the readers."""
    raw = path.read_bytes()
    if path.suffix == ".asp":
        t = raw.decode("cp1252")
        t = t[t.index("DEBUT_SEANCE"):t.rindex("<!--", 0, t.index("FIN_SEANCE"))].split("-->", 1)[1]
        return collections.Counter(words(strip_html(t)))
    if path.suffix == ".xml":
        # what is said: every <texte> (the orateurs are the speakers' metadata)
        t = " ".join(re.findall(r"<texte\b[^>]*>(.*?)</texte>", raw.decode("utf-8"), re.S))
        return collections.Counter(words(strip_html(t.replace("<br />", "<br>"))))
    recs = [r["intervention"] for r in json.loads(raw)]
    return collections.Counter(w for r in recs for w in words(strip_html(r["contenu"] or "")))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_no_word_lost_and_json_round_trip(path):
    d = parse_file(path)
    missing = source_words(path) - debate_words(d)
    assert not missing, missing.most_common(10)
    j = d.to_json()
    back = Debate.from_json(json.loads(json.dumps(j, ensure_ascii=False)))
    assert back == d and back.to_json() == j


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_markup_never_read(path):
    d = parse_file(path)
    texts = [p for s in speeches(d) for p in s.paragraphs] + \
            [i.text for s in d.sections for i in s.items if not isinstance(i, Speech)]
    assert not [t for t in texts if re.search(r"<[a-zA-Z/!]|&[a-z]+;|&#\d+;|ZZTAGZZ", t)]


# --- AN HTML page = its plain-text version --------------------------------------------------

def test_an_html_same_debate_as_text():
    h, t = parse_file(AN_HTML), parse_file(AN_TEXT)
    turns = lambda d: [(s.speaker.label, s.speaker.name, s.speaker.role) for s in speeches(d)
                       if not s.continues]
    assert turns(h) == turns(t) and len(turns(h)) == 542
    assert set(h.speakers()) == set(t.speakers())
    assert [(s.interjection, s.continues) for s in speeches(h)] == [(s.interjection, s.continues) for s in speeches(t)]
    wh, wt = debate_words(h), debate_words(t)
    wh.subtract(words(h.title)), wt.subtract(words(t.title))
    common = sum((wh & wt).values())
    assert common / max(sum(wh.values()), sum(wt.values())) >= 0.999
    # what only the page has: the deputies' ids, the anchors, the sitting's metadata
    sp = h.speakers()
    assert sp["Marc Le Fur"].person_id == "PA1874" and sp["Hervé Mariton"].person_id == "PA2083"
    assert t.speakers()["Marc Le Fur"].person_id is None
    page = "https://www.assemblee-nationale.fr/14/cri/2012-2013/20130134.asp"
    assert h.source.url == page
    assert next(s for s in speeches(h) if s.speaker.name == "Marc Le Fur").source.url == page + "#INTER_0"
    assert h.title == "Deuxième séance du lundi 4 février 2013" and h.date == "2013-02-04"
    assert dict(h.details)["legislature"] == "14"


def test_an_heading_levels():
    for d in (parse_file(AN_HTML), parse_file(AN_TEXT)):
        heads = [(i.text.replace("\xa0", " "), i.level) for i in d.sections[1].items if isinstance(i, Heading)]
        assert heads[:6] == [("1", None), ("Suite de la discussion d’un projet de loi", None),
                             ("Rappel au règlement", 2), ("Discussion des articles (suite)", 2),
                             ("Article 4", 3), ("Rappel au règlement", 4)]
        tree = d.agenda()[1]
        assert [c.title for c in tree.children] == ["Rappel au règlement", "Discussion des articles (suite)"]
        arts = tree.children[1].children
        assert [a.title.replace("\xa0", " ") for a in arts] == ["Article 4"] + ["Article 4 (suite)"] * 5
        assert [c.title for c in arts[1].children] == ["Rappel au règlement", "Suspension et reprise de la séance",
                                                       "Rappels au règlement"]
    # the text version: 592 speech items, 50 of them the same turn resumed (542 labels printed)
    t = parse_file(AN_TEXT)
    assert len(speeches(t)) == 592 and sum(s.continues for s in speeches(t)) == 50


# --- AN open-data XML ---------------------------------------------------------------------

def test_syceron_question_au_gouvernement():
    d = parse_file(QAG)
    assert (d.date, d.chamber, d.title) == ("2021-07-13", "Assemblée nationale",
                                            "Stratégie vaccinale dans l’enseignement")
    det = dict(d.details)
    assert det["legislature"] == "15" and det["heure"] == "15:00" and det["seance"] == "Unique"
    sp = speeches(d)
    inter = [s for s in sp if s.interjection]
    assert [s.speaker.name for s in inter] == ["Jean-René Cazeneuve", "Jean Castex", "Alexis Corbière",
                                              "Éric Coquerel", "Loïc Prud’homme", "Alexis Corbière",
                                              "Éric Coquerel"]
    assert inter[0].paragraphs == ("C’est faux !",) and inter[1].speaker.role == "Premier ministre"
    blanquer = [s for s in sp if s.speaker.name == "Jean-Michel Blanquer"]
    assert blanquer[0].speaker.person_id == "PA717157" and not blanquer[0].continues
    assert all(s.continues for s in blanquer[1:]) and len(blanquer) > 2
    assert blanquer[0].speaker.role == "ministre de l’éducation nationale, de la jeunesse et des sports"
    assert blanquer[1].speaker.role == "ministre"          # the role as printed for this turn
    hetzel = next(s for s in sp if s.speaker.name == "Patrick Hetzel")
    assert len(hetzel.paragraphs) >= 2                       # <br /> splits paragraphs
    stages = [i.text for i in d.sections[0].items if isinstance(i, Stage)]
    assert "(Exclamations sur plusieurs bancs du groupe LaREM.)" in stages
    assert sp[0].speaker.is_chair and sp[0].speaker.person_id == "PA606171"


def test_syceron_agenda_levels_exposant_stime():
    d = parse_file(PLF)
    assert d.date == "2024-11-08" and dict(d.details)["heure"] == "21:30"
    tree = d.agenda()
    assert [n.title for n in tree] == ["Projet de loi de finances pour 2025"]
    part = tree[0].children[0]
    assert (part.title, part.level) == ("Première partie (suite)", 2)
    assert [(c.title, c.level) for c in part.children] == [("Article 32", 3), ("Après l’article 32", 3)]
    assert [(c.title, c.level) for c in part.children[1].children] == [("Amendement n° 1565", 4)]
    first = speeches(d)[0]
    assert first.speaker.presiding and first.speaker.is_chair and first.speaker.person_id == "PA795228"
    assert first.paragraphs[0].startswith("L’ordre du jour appelle") and "(nos 324, 468)" in first.paragraphs[0]
    assert first.source.offset == 905.86
    assert speeches(d)[-1].paragraphs == ("Je le retire, madame la présidente.",)
    assert speeches(d)[-1].source.offset == 2628.68


# --- NosSénateurs JSON ----------------------------------------------------------------------

def test_nossenateurs():
    d = parse_file(NOSSEN)
    assert (d.date, d.chamber) == ("2010-05-19", "Sénat")
    assert d.title == "Modernisation de l'agriculture et de la pêche"
    assert dict(d.details)["heure"] == "21:30"
    sp = d.speakers()
    assert sp["Jean-Léonce Dupont"].person_id == "jean-leonce-dupont" and sp["Jean-Léonce Dupont"].is_chair
    assert sp["Gérard César"].role.startswith("rapporteur de la commission de l'économie")
    # the export has no civility: the debate's own "La parole est à M. Gérard César" gives it
    assert sp["Gérard César"].label.startswith("M. Gérard César, rapporteur de la commission")
    assert sp["Odette Herviaux"].gender == "female" and sp["Gérard Le Cam"].gender == "male"
    heads = [(i.text, i.level) for s in d.sections for i in s.items if isinstance(i, Heading)]
    assert ("Article 1er", 3) in heads
    first = next(s for s in speeches(d) if s.speaker.name == "Jean-Léonce Dupont")
    assert first.source.url.startswith("http://www.senat.fr/seances/s201005/s20100519/")
    assert first.paragraphs[0].startswith("L’ordre du jour appelle la suite de la discussion")


# --- unknown layouts -------------------------------------------------------------------------

@pytest.mark.parametrize("name,data,what", [
    ("page.html", b"<html><head><title>x</title></head><body><p>Bonjour</p></body></html>", "HTML"),
    ("doc.xml", b"<?xml version='1.0'?><rss><channel/></rss>", r"XML \(root element <rss>\)"),
    ("data.json", b'[{"a": 1}]', "JSON"),
])
def test_unknown_layout_one_line(tmp_path, name, data, what):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError, match=what + " of a layout no reader knows; supported formats: ") as e:
        parse_file(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


# --- generated documents of each format: nothing lost -----------------------------------------

_W = st.sampled_from(["budget", "État", "l’amendement", "vingt", "Très", "bien", "réforme",
                      "collègues", "n°", "1565", "écoles", "députés", "ministre", "Bravo"])
_SENT = st.lists(_W, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + ".")
_NAMES = st.sampled_from([("M.", "Paul Durand", "PA1"), ("Mme", "Anne Martin", "PA2"),
                          ("M.", "Jean Petit", "PA3")])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_NAMES, st.lists(_SENT, min_size=1, max_size=3), st.booleans(),
                          st.booleans()), min_size=1, max_size=8), _SENT)
def test_generated_syceron(turns, title):
    paras = []
    for (civ, name, pid), sents, inter, stage in turns:
        body = "<br />".join(html.escape(s) for s in sents)
        if stage:
            body += "<italique>(Applaudissements.)</italique>"
        code = "INTERRUPTION_1_10" if inter else "PAROLE_GENERIQUE"
        paras.append(f'<paragraphe code_grammaire="{code}"><orateurs><orateur><nom>{civ} {name}</nom>'
                     f'<acteurRef>{pid}</acteurRef><qualite /></orateur></orateurs>'
                     f'<texte stime="1.5">{body}</texte></paragraphe>')
    doc = ('<?xml version="1.0" encoding="UTF-8"?><compteRendu xmlns="http://schemas.assemblee-'
           f'nationale.fr/referentiel"><contenu><point nivpoint="1"><texte>{html.escape(title)}</texte>'
           + "".join(paras) + "</point></contenu></compteRendu>")
    d = parse_text(doc, "gen.xml")
    src = collections.Counter(words(strip_html(" ".join(re.findall(r"<texte\b[^>]*>(.*?)</texte>", doc)))))
    assert not src - debate_words(d)
    assert Debate.from_json(d.to_json()) == d
    ids = {s.speaker.person_id for s in speeches(d)}
    assert ids <= {"PA1", "PA2", "PA3"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(st.none(), _NAMES), st.lists(_SENT, min_size=1, max_size=3),
                          st.booleans(), st.sampled_from(["Article 1er", "Article 2", "Discussion générale"])),
                min_size=1, max_size=8))
def test_generated_nosdeputes(records):
    recs = []
    for n, (who, sents, stage, sub) in enumerate(records):
        contenu = "".join(f"<p>{html.escape(s)}</p>" for s in sents)
        if stage:
            contenu += "<p><i>(Sourires.)</i></p>"
        recs.append({"intervention": {
            "contenu": contenu, "date": "2010-05-19", "heure": "21:30", "section": "Loi",
            "soussection": sub, "timestamp": str(1000 + 20 * n),
            "intervenant_nom": who[1] if who else "", "intervenant_slug": who[2] if who else "",
            "intervenant_fonction": None, "source": f"http://www.senat.fr/x.html#p{n}"}})
    d = parse_text(json.dumps(recs, ensure_ascii=False), "gen.json")
    src = collections.Counter(w for r in recs for w in words(
        html.unescape(re.sub(r"<[^>]+>", " ", r["intervention"]["contenu"]))))
    assert not src - debate_words(d)
    assert Debate.from_json(d.to_json()) == d and d.date == "2010-05-19"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_NAMES, st.lists(_SENT, min_size=1, max_size=3), st.booleans()),
                min_size=1, max_size=8))
def test_generated_an_html(turns):
    body = []
    for (civ, name, pid), sents, stage in turns:
        first = (f'<p><b><a href="http://www.assemblee-nationale.fr/14/tribun/fiches_id/{pid[2:]}.asp">'
                 f"{civ}&nbsp;{name}</a>.</b> {html.escape(sents[0])}")
        body.append(first + (" <i>(Applaudissements.)</i>" if stage else "") + "</p>")
        body += [f"<p>{html.escape(s)}</p>" for s in sents[1:]]
    doc = ("<html><head><title>Assemblée nationale ~ Première séance du mardi 5 février 2013</title>"
           "</head><body><p><!-- ZZTAGZZ  DEBUT_SEANCE_1  --></p><h5 class=\"numencad\"><b>1</b></h5>"
           "<h2 class=\"titre1\">Questions au Gouvernement</h2><h2 class=\"titre2\">Article 3</h2>"
           + "".join(body) + "<p><!-- ZZTAGZZ  FIN_SEANCE_1  --></p></body></html>")
    d = parse_text(doc, "gen.html")
    t = doc[doc.index("DEBUT_SEANCE"):doc.rindex("<!--", 0, doc.index("FIN_SEANCE"))].split("-->", 1)[1]
    src = collections.Counter(words(strip_html(t)))
    assert not src - debate_words(d)
    sp = [s for s in speeches(d) if not s.continues]
    assert [(s.speaker.name, s.speaker.person_id) for s in sp] == [(n, p) for (_, n, p), _, _ in turns]
    assert d.date == "2013-02-05" and [(h.text, h.level) for h in d.sections[-1].items
                                       if isinstance(h, Heading)] == [("1", None), ("Article 3", 3)]
