"""Parser: seeds, labels, chair, roles, stage directions, encodings, TEI, nothing lost."""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.model import Heading, InputError, Speech, Stage
from pipeline.parse import SYNTHETIC_TITLES, ParseWarning, parse_file, parse_text, summary
from pipeline.parse.apostrophes import repair
from pipeline.parse.labels import parse_label

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SENAT = ROOT / "seeds" / "senat_territoires-d-industrie.txt"
AN = ROOT / "seeds" / "an_2013-02-04_mariage-pour-tous_seance2.txt"


@pytest.fixture(scope="module")
def senat():
    return parse_file(SENAT)


@pytest.fixture(scope="module")
def an():
    return parse_file(AN)


def speeches(debate):
    return [i for s in debate.sections for i in s.items if isinstance(i, Speech)]


def items(debate):
    return [i for s in debate.sections for i in s.items]


# --- nothing lost ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.replace("’", "").replace("'", ""))


def json_words(debate) -> list[str]:
    """Words of the JSON in reading order: item numbers, titles, labels, paragraphs, stages
    (a turn's label once: a speech that `continues` is the same turn after a stage direction)."""
    out: list[str] = []
    for sec in debate.sections:
        its = [i.to_json() for i in sec.items]
        if its and its[0]["kind"] == "heading" and its[0]["text"].isdigit():
            out += words(its.pop(0)["text"])       # "10" is printed before the title
        if sec.title not in SYNTHETIC_TITLES:
            out += words(sec.title)
        for it in its:
            if it["kind"] == "speech":
                if not it["continues"]:
                    out += words(it["speaker"]["label"])
                for p in it["paragraphs"]:
                    out += words(p)
            else:
                out += words(it["text"])
    return out


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_nothing_lost_in_seeds(path):
    assert json_words(parse_file(path)) == words(path.read_text("utf-8"))


_LINES = st.sampled_from([
    "M. le président. La parole est à M. le ministre.",
    "M. Jean Dupont, ministre de l’économie, chargé de l’industrie. Je vous remercie.",
    "M. le ministre. Très bien ! (Applaudissements sur les travées du groupe SER.)",
    "Mme Anne Martin, rapporteure. Avis défavorable. (Sourires.) Je le maintiens.",
    "Mme la rapporteure. Défavorable.",
    "Plusieurs sénateurs du groupe Les Républicains. Très bien !",
    "MM. Paul Durand et Pierre Petit. Bravo !",
    "(La séance, suspendue à dix-neuf heures, est reprise à vingt heures.)",
    "PRÉSIDENCE DE Mme Sophie Primas",
    "vice-présidente",
    "Article 3",
    "Débat interactif",
    "3",
    "Questions diverses",
    "Nombre de votants 343",
    "Pour l’adoption 200",
    "Mme Odette Herviaux a raison de le dire (EPCI) et je la soutiens.",
    "Il faut continuer (Protestations sur les bancs du groupe UMP) car c’est juste.",
    "Discussion générale",
    "Rappel au règlement",
    "Amendement n° 12",
    "Après l’article 32",
    "M.\u200b Lo\u200bïc Hervé. Je parle.",
    "Mme He\u0301le\u0300ne Martin, ministre de\u0301le\u0301gue\u0301e. Oui.",
    "",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, min_size=1, max_size=30))
def test_nothing_lost_generated(lines):
    text = "\n".join(lines)
    if not text.strip():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        d = parse_text(text)
    assert json_words(d) == words(text)
    json.dumps(d.to_json())


# --- the Sénat seed ------------------------------------------------------------------------

def test_senat_speakers(senat):
    keys = list(senat.speakers())
    assert keys == ["M. le président", "François-Noël Buffet", "Laure Darcos", "Loïc Hervé",
                    "Franck Montaugé", "Martine Berthet", "Anne-Catherine Loisier",
                    "Marc Ferracci", "Pierre Médevielle"]
    sp = senat.speakers()
    assert sp["M. le président"].is_chair and sp["M. le président"].name is None
    assert sp["Loïc Hervé"].is_chair and sp["Loïc Hervé"].label == "M. le président."
    assert sp["Loïc Hervé"].role == "vice-président"
    assert sp["Laure Darcos"].gender == "female" and sp["Marc Ferracci"].gender == "male"
    assert sp["Franck Montaugé"].role == "au nom de la commission des affaires économiques"


def test_senat_roles_repaired(senat):
    sp = senat.speakers()
    assert sp["François-Noël Buffet"].role == "ministre auprès du ministre d’État, ministre de l’intérieur"
    assert sp["Marc Ferracci"].role == ("ministre auprès du ministre de l’économie, des finances et "
                                        "de la souveraineté industrielle et numérique, chargé de "
                                        "l’industrie et de l’énergie")
    # the label stays as printed
    buffet = next(s for s in speeches(senat) if s.speaker.name == "François-Noël Buffet")
    assert buffet.speaker.label == "M. François-Noël Buffet, ministre auprès du ministre dÉtat, ministre de lintérieur."
    assert buffet.paragraphs[0].startswith("Madame la sénatrice Laure Darcos")


def test_senat_structure(senat):
    titles = [s.title for s in senat.sections]
    assert titles[-1] == "Programme Territoires d’industrie"
    assert senat.title == "Programme Territoires d’industrie"
    assert senat.chamber == "Sénat" and senat.date is None
    sec = senat.sections[-1]
    heads = [i.text for i in sec.items if isinstance(i, Heading)]
    assert heads == ["10", "Débat organisé à la demande de la commission des affaires économiques",
                     "Débat interactif"]
    first = senat.sections[0]
    assert [i.text for i in first.items if isinstance(i, Heading)] == ["PRÉSIDENCE DE M.\u00a0Loïc Hervé",
                                                                         "vice-président"]


def test_senat_stage_directions(senat):
    stages = [i.text.replace("\u00a0", " ") for i in items(senat) if isinstance(i, Stage)]
    assert stages == [
        "(La séance, suspendue à dix-neuf heures dix, est reprise à vingt et une heures trente, "
        "sous la présidence de M. Loïc Hervé.)",
        "(Applaudissements sur les travées du groupe SER. – Mme Anne-Catherine Loisier applaudit également.)",
    ]
    its = senat.sections[-1].items
    k = next(n for n, i in enumerate(its) if isinstance(i, Stage))
    assert its[k - 1].speaker.name == "Franck Montaugé"
    assert its[k - 1].paragraphs[-1].endswith("ô combien nécessaire et justifiée\u00a0!")
    # the chair before the suspension is unnamed, after it Loïc Hervé
    chair_names = [s.speaker.name for s in speeches(senat) if s.speaker.is_chair]
    assert chair_names[:3] == [None, None, None] and set(chair_names[3:]) == {"Loïc Hervé"}


# --- the Assemblée nationale sample ------------------------------------------------------

def test_an_metadata(an):
    assert an.chamber == "Assemblée nationale"
    assert an.date == "2013-02-04"          # closed "le mardi 5 février 2013, à une heure quinze"
    assert an.title == "Ouverture du mariage aux couples de personnes de même sexe"
    assert [s.title for s in an.sections] == [
        "Ouverture de la séance", "Ouverture du mariage aux couples de personnes de même sexe",
        "Ordre du jour de la prochaine séance"]


def test_an_chair_changes(an):
    chairs = []
    for s in speeches(an):
        if s.speaker.is_chair and (not chairs or chairs[-1] != (s.speaker.name, s.speaker.role)):
            chairs.append((s.speaker.name, s.speaker.role))
    assert chairs == [("Claude Bartolone", "président"), ("Christophe Sirugue", "vice-président")]
    heads = [i.text for i in items(an) if isinstance(i, Heading)]
    assert "Présidence de M. Christophe Sirugue" in heads
    stages = [i.text for i in items(an) if isinstance(i, Stage)]
    assert "(M. Christophe Sirugue remplace M. Claude Bartolone au fauteuil de la présidence.)" in stages


def test_an_headings(an):
    heads = [i.text for i in items(an) if isinstance(i, Heading)]
    assert heads.count("Rappel au règlement") == 6
    assert heads.count("Rappels au règlement") == 2
    assert heads.count("Suspension et reprise de la séance") == 3
    assert heads.count("Article 4 (suite)") == 5
    assert "Suite de la discussion d’un projet de loi" in heads
    assert "Discussion des articles (suite)" in heads and "Article 4" in heads
    # speech lines without final punctuation are not headings
    assert all(not h.startswith(("En 1998", "Questions au")) for h in heads)


def test_an_speakers_and_roles(an):
    sp = an.speakers()
    assert sp["Christiane Taubira"].role == "garde des sceaux, ministre de la justice"
    assert sp["Erwann Binet"].role.startswith("rapporteur de la commission des lois constitutionnelles")
    assert sp["Jean-Jacques Urvoas"].role.startswith("président de la commission des lois")
    assert not sp["Jean-Jacques Urvoas"].is_chair
    assert sp["Marie-Françoise Clergeau"].role == "rapporteure pour avis de la commission des affaires sociales"
    assert sp["Catherine Lemorton"].role == "présidente de la commission des affaires sociales"
    assert sp["Marc Le Fur"].civility == "M." and sp["Claude Greff"].gender == "female"
    assert sp["Plusieurs députés du groupe UMP"].name is None
    assert sp["Plusieurs députés du groupe UMP"].civility is None
    assert sp["Marc Dolez et Marie-George Buffet"].civility is None
    assert sp["Charles de Courson et Nicolas Dhuicq"].civility == "MM."
    # short labels keep the full role
    short = [s for s in speeches(an) if s.speaker.label == "Mme Christiane Taubira, garde des sceaux."]
    assert short and all(s.speaker.role == "garde des sceaux, ministre de la justice" for s in short)
    # lines that begin with a name but are speech
    paras = [p for s in speeches(an) for p in s.paragraphs]
    assert any(p.startswith("M. Fromantin, pour le groupe UDI, demande") for p in paras)
    assert any(p.startswith("Mme la garde des sceaux a raison") for p in paras)
    assert any(p.startswith("Plusieurs orateurs sont inscrits") for p in paras)


def test_an_votes_stay_in_turn(an):
    its = items(an)
    k = next(n for n, i in enumerate(its) if isinstance(i, Speech)
             and any(p.startswith("Nombre de votants 319") for p in i.paragraphs))
    s = its[k]
    assert s.speaker.is_chair and s.speaker.name == "Claude Bartolone"
    assert s.paragraphs == ("Voici le résultat du scrutin :", "Nombre de votants 319",
                            "Nombre de suffrages exprimés 319", "Majorité absolue 160",
                            "Pour l’adoption 119", "contre 200")
    assert sum(1 for i in its if isinstance(i, Speech)
               and any(p.startswith("Nombre de votants") for p in i.paragraphs)) == 4


def test_an_inline_stages(an):
    its = items(an)
    k = next(n for n, i in enumerate(its) if isinstance(i, Stage)
             and i.text == "(Protestations sur les bancs du groupe SRC)")
    before, after = its[k - 1], its[k + 1]
    assert before.speaker.name == after.speaker.name == "Patrick Ollier"
    assert before.paragraphs[-1].endswith("supprimer le R de son appellation")
    assert after.paragraphs[0] == "car une telle attitude n’est pas républicaine."
    # a document reference is not a stage direction
    assert any(p.endswith("(nos 344, 628, 581)") for s in speeches(an) for p in s.paragraphs)


# --- labels --------------------------------------------------------------------------------

@pytest.mark.parametrize("line,kind,civ,names,role", [
    ("M. X Dupont. Bonjour.", "person", "M.", ("X Dupont",), None),
    ("Mme Anne Martin, rapporteure. Avis.", "person", "Mme", ("Anne Martin",), "rapporteure"),
    ("M. le président. La séance est ouverte.", "chair", "M.", (), "président"),
    ("Mme la présidente. Merci.", "chair", "Mme", (), "présidente"),
    ("M. le président de la commission. Oui.", "role", "M.", (), "président de la commission"),
    ("M. le Premier ministre. Mesdames.", "role", "M.", (), "Premier ministre"),
    ("Mme la ministre. Non.", "role", "Mme", (), "ministre"),
    ("M. le rapporteur. Défavorable.", "role", "M.", (), "rapporteur"),
    ("Plusieurs députés du groupe UMP. Bravo !", "collective", None, (), None),
    ("Un sénateur du groupe Les Républicains. Non !", "collective", None, (), None),
    ("MM. Paul Durand et Pierre Petit. Bravo !", "group", "MM.", ("Paul Durand", "Pierre Petit"), None),
    ("M. Marc Dolez et Mme Marie-George Buffet. Très bien !", "group", None,
     ("Marc Dolez", "Marie-George Buffet"), None),
    ("M. Valéry Giscard d’Estaing. Oui.", "person", "M.", ("Valéry Giscard d’Estaing",), None),
    ("M.\u00a0Charles de Courson. C’est extraordinaire !", "person", "M.", ("Charles de Courson",), None),
])
def test_labels(line, kind, civ, names, role):
    lab = parse_label(line)
    assert lab is not None and (lab.kind, lab.civility, lab.names, lab.role) == (kind, civ, names, role)


@pytest.mark.parametrize("line", [
    "Mme Odette Herviaux a raison de le rappeler.",
    "M. Fromantin, pour le groupe UDI, demande simplement que vous acceptiez.",
    "Mme la garde des sceaux a raison de nous rappeler à une certaine cohérence.",
    "M. le ministre a dit que tout allait bien.",
    "Plusieurs orateurs sont inscrits pour répondre au Gouvernement.",
    "M. Binet, rapporteur, a très bien expliqué le problème.",
])
def test_not_labels(line):
    assert parse_label(line) is None


def test_role_only_labels_resolve():
    text = "\n".join([
        "M. le président. La parole est à M. le ministre.",
        "M. Marc Ferracci, ministre auprès du ministre de l’économie, chargé de l’industrie. Merci.",
        "M. le président. La parole est à Mme la rapporteure.",
        "Mme Anne Martin, rapporteure de la commission des finances. Défavorable.",
        "M. le ministre. Je confirme.",
        "Mme la rapporteure. Très bien.",
        "M. Marc Ferracci. Encore un mot.",
    ])
    sp = [s.speaker for s in speeches(parse_text(text))]
    assert (sp[4].label, sp[4].name) == ("M. le ministre.", "Marc Ferracci")
    assert sp[4].role == "ministre auprès du ministre de l’économie, chargé de l’industrie"
    assert (sp[5].name, sp[5].role) == ("Anne Martin", "rapporteure de la commission des finances")
    assert sp[6].role == sp[4].role


def test_role_only_label_before_full_role_resolves_forward():
    text = "M. le ministre. Bonjour.\nM. Paul Durand, ministre de la culture. Je reprends."
    sp = [s.speaker for s in speeches(parse_text(text))]
    assert sp[0].name == "Paul Durand" and sp[0].role == "ministre de la culture"


def test_chair_from_sous_la_presidence_and_female_chair():
    text = "\n".join([
        "(La séance est reprise à quinze heures, sous la présidence de Mme Sophie Primas.)",
        "PRÉSIDENCE DE Mme Sophie Primas",
        "vice-présidente",
        "Mme la présidente. La séance est reprise.",
        "Mme la présidente de la commission. Merci.",
    ])
    sp = [s.speaker for s in speeches(parse_text(text))]
    assert (sp[0].name, sp[0].role, sp[0].gender) == ("Sophie Primas", "vice-présidente", "female")
    assert not sp[1].is_chair and sp[1].name is None


def test_date_and_title_from_header():
    text = "Séance du lundi 4 février 2013\n1\nOuverture du mariage\nM. le président. Ouvert.\n"
    d = parse_text(text)
    assert d.date == "2013-02-04" and d.title == "Séance du lundi 4 février 2013"


def test_apostrophe_repair():
    assert repair("ministre dÉtat, ministre de lintérieur", force=True) == \
        "ministre d’État, ministre de l’intérieur"
    assert repair("chargé de lindustrie et de lénergie", "'", force=True) == \
        "chargé de l'industrie et de l'énergie"
    assert repair("dans les lieux, sans lance ni dévolution", force=True) == \
        "dans les lieux, sans lance ni dévolution"


# --- bad input and encodings ---------------------------------------------------------------

def test_missing_empty_binary(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        parse_file(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_bytes(b"\n \r\n")
    with pytest.raises(InputError, match=r"empty\.txt: empty file"):
        parse_file(tmp_path / "empty.txt")
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match=r"bin\.txt: binary"):
        parse_file(tmp_path / "bin.txt")
    (tmp_path / "bad.txt").write_bytes("M. le président. Séance.".encode("cp1252") + b"\x81\x8d\x90")
    with pytest.raises(InputError, match=r"bad\.txt: not UTF-8 nor Windows-1252"):
        parse_file(tmp_path / "bad.txt")
    for name in ("empty.txt", "bin.txt", "bad.txt"):
        with pytest.raises(InputError) as e:
            parse_file(tmp_path / name)
        assert "\n" not in str(e.value)


def test_encodings_crlf_bom_nbsp(tmp_path):
    text = ("M.\u00a0le président. La parole est à M.\u202fDupont.\r\n\r\n"
            "M. Jean Dupont, ministre de l'économie. C'est « clair » !\r\n")
    for enc, data in [("utf8bom", b"\xef\xbb\xbf" + text.encode("utf-8")),
                      ("cp1252", text.replace("\u202f", " ").encode("cp1252")),
                      ("utf16", text.encode("utf-16"))]:
        p = tmp_path / f"{enc}.txt"
        p.write_bytes(data)
        sp = [s.speaker for s in speeches(parse_file(p))]
        assert sp[0].is_chair and sp[0].label == "M. le président."
        assert (sp[1].name, sp[1].role) == ("Jean Dupont", "ministre de l'économie")


def test_no_labels_is_narration_with_warning():
    with pytest.warns(ParseWarning, match="no speaker label"):
        d = parse_text("Il était une fois un débat.\nIl n’y avait personne.")
    assert all(isinstance(i, Stage) for i in items(d))


# --- TEI -----------------------------------------------------------------------------------

# ParlaMint TEI as published: tests/parse/test_text_tei.py (the official samples).

def test_tei_not_tei():
    with pytest.raises(InputError, match=r"XML \(root element <html>\) of a layout no reader knows"):
        parse_text("<?xml version='1.0'?><html><body/></html>", "x.xml")
    with pytest.raises(InputError, match="invalid XML"):
        parse_text("<?xml version='1.0'?><TEI><body>", "x.xml")


# --- summary -------------------------------------------------------------------------------

def test_summary(senat):
    out = summary(senat)
    assert "Programme Territoires d’industrie" in out and "Débat interactif" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("Marc Ferracci"))
    assert re.search(r"Marc Ferracci\s+M\.\s+2\s+\d+\s+—\s+ministre auprès", row)
    assert out.index("Sections") < out.index("Speakers")


def test_articles_stay_inside_the_discussion_des_articles(an):
    """The rule that makes articles after a motion its siblings (rules.toml [agenda]
    nests_under) keeps them inside "Discussion des articles" when it is printed."""
    node = an.agenda()[1]
    disc = next(c for c in node.children if c.title.startswith("Discussion des articles"))
    assert [c.title for c in disc.children][:2] == ["Article 4", "Article 4 (suite)"]
    assert all(c.level == 3 for c in disc.children)
    assert not any(c.title.startswith("Article") for c in node.children)
