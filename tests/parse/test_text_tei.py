"""Plain text and TEI on the richer model: agenda levels as data, titles never a placeholder,
labels with zero-width or decomposed characters, TEI encodings, entities and loose text."""
from __future__ import annotations

import collections
import re
import unicodedata
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.model import Debate, Heading, InputError, Speech
from pipeline.parse import ParseWarning, parse_file, parse_text

ROOT = Path(__file__).resolve().parents[2]
SENAT = ROOT / "seeds" / "senat_territoires-d-industrie.txt"
_WORD = re.compile(r"\w+")


def words(t: str) -> list[str]:
    return _WORD.findall(t.replace("’", "").replace("'", "").lower())


def speeches(d):
    return [i for s in d.sections for i in s.items if isinstance(i, Speech)]


def test_senat_debat_interactif_is_level_2():
    d = parse_file(SENAT)
    heads = [(i.text, i.level) for i in d.sections[-1].items if isinstance(i, Heading)]
    assert heads == [("10", None), ("Débat organisé à la demande de la commission des affaires économiques", None),
                     ("Débat interactif", 2)]
    assert [c.title for c in d.agenda()[-1].children] == ["Débat interactif"]
    assert all(s.speaker.presiding for s in speeches(d) if s.speaker.label == "M. le président.")


def test_plain_levels_from_rules_and_quoted_title_not_heading():
    text = "\n".join([
        "1", "Modernisation de l’agriculture",
        "Discussion générale",
        "M. le président. La parole est à M. Paul Durand.",
        "M. Paul Durand. J’ai lu ce matin :",
        "La France agricole en danger",
        "(Exclamations sur les travées du groupe UMP.)",
        "Article 1er",
        "Mme Anne Martin. Cet amendement…",
        "Rappel au règlement",
        "M. Paul Durand. Je demande la parole.",
        "Article additionnel avant le titre Ier",
        "Amendement n° 12",
        "Explications de vote",
        "Vote sur l’ensemble",
    ])
    d = parse_text(text)
    heads = [(i.text, i.level) for i in d.sections[-1].items if isinstance(i, Heading)]
    assert heads == [("1", None), ("Discussion générale", 2), ("Article 1er", 3), ("Rappel au règlement", 4),
                     ("Article additionnel avant le titre Ier", 3), ("Amendement n° 12", 4),
                     ("Explications de vote", 2), ("Vote sur l’ensemble", 2)]
    durand = [s for s in speeches(d) if s.speaker.name == "Paul Durand"]
    assert durand[0].paragraphs == ("J’ai lu ce matin :", "La France agricole en danger")


def test_title_from_chair_formula_never_placeholder():
    d = parse_text("M. le président. Nous poursuivons la discussion du projet de loi de modernisation "
                   "de l’agriculture et de la pêche.\nM. Paul Durand. Merci.")
    assert d.title == "Projet de loi de modernisation de l’agriculture et de la pêche"
    assert d.date is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        d = parse_text("M. Paul Durand. Merci.\nMme Anne Martin. Oui.", "/x/ma-seance.txt")
    assert d.title not in ("Début du compte rendu", "Ouverture de la séance") and "ma-seance" in d.title


@pytest.mark.parametrize("label", [
    "M.\u200b le président.", "M. Lo\u200bïc Hervé.",
    unicodedata.normalize("NFD", "Mme Hélène Conway-Mouret, ministre déléguée."),
    "M.\u00a0Loïc\u2060 Hervé.",
])
def test_labels_zero_width_and_nfd(label):
    d = parse_text(f"{label} Je parle.\nM. Paul Durand. Merci.")
    s = speeches(d)[0]
    assert s.paragraphs == ("Je parle.",)
    assert s.speaker.label == re.sub(r"\s+", " ", label.replace("\u00a0", " "))   # as printed
    assert s.speaker.name is None or unicodedata.is_normalized("NFC", s.speaker.name)
    assert s.speaker.name is None or "\u200b" not in s.speaker.name


# --- TEI -------------------------------------------------------------------------------------

TEI_HEAD = '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>Sénat, séance</title></titleStmt></fileDesc></teiHeader><text>'


def test_tei_bad_input_one_line(tmp_path):
    cases = {
        "empty.xml": f'<?xml version="1.0"?>{TEI_HEAD}<body/></text></TEI>'.encode(),
        "ent.xml": (b'<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                    + f'{TEI_HEAD}<body><div><u who="#x"><seg>&b;</seg></u></div></body></text></TEI>'.encode()),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError) as e:
            parse_file(tmp_path / name)
        assert "\n" not in str(e.value) and name in str(e.value)
    with pytest.raises(InputError, match="empty <body>"):
        parse_file(tmp_path / "empty.xml")
    with pytest.raises(InputError, match="entities"):
        parse_file(tmp_path / "ent.xml")


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16"])
def test_tei_declared_encoding(tmp_path, encoding):
    doc = (f'<?xml version="1.0" encoding="{encoding}"?>{TEI_HEAD}<body><div><head>Débat</head>'
           '<u who="#DarcosLaure"><seg>Les élus sont inquiets, très inquiets.</seg></u></div></body></text></TEI>')
    p = tmp_path / "t.xml"
    p.write_bytes(doc.encode("latin-1" if encoding == "ISO-8859-1" else "utf-16"))
    d = parse_file(p)
    assert speeches(d)[0].paragraphs == ("Les élus sont inquiets, très inquiets.",)
    assert speeches(d)[0].speaker.person_id == "DarcosLaure" and d.sections[0].title == "Débat"


_TXT = st.lists(st.sampled_from(["élus", "budget", "très", "bien", "Sénat", "vingt"]), min_size=1,
                max_size=4).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["u_text", "seg", "p_in_u", "after_seg", "div_text", "p_div",
                                           "nested"]), _TXT), min_size=1, max_size=8))
def test_tei_every_text_node_reaches_the_debate(shapes):
    parts = []
    for shape, t in shapes:
        parts.append({
            "u_text": f'<u who="#A">{t}</u>',
            "seg": f'<u who="#A"><seg>{t}</seg></u>',
            "p_in_u": f'<u who="#A"><p>{t}</p></u>',
            "after_seg": f'<u who="#A"><seg>x</seg>{t}</u>',
            "div_text": f"<div>{t}</div>",
            "p_div": f"<p>{t}</p>",
            "nested": f'<div><head>Article 1er</head><u who="#B"><seg>{t}</seg></u></div>',
        }[shape])
    doc = f'<?xml version="1.0"?>{TEI_HEAD}<body><div><head>Débat</head>{"".join(parts)}</div></body></text></TEI>'
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        d = parse_text(doc, "gen.xml")
    got = collections.Counter(w for s in d.sections for w in words(s.title))
    for s in d.sections:
        for i in s.items:
            got.update(w for p in (i.paragraphs if isinstance(i, Speech) else (i.text,)) for w in words(p))
    body = doc.split("<body>")[1]
    assert not collections.Counter(words(re.sub(r"<[^>]+>", " ", body))) - got
    assert Debate.from_json(d.to_json()) == d
    if any(s == "nested" for s, _ in shapes):
        heads = [i for s in d.sections for i in s.items if isinstance(i, Heading)]
        assert heads and all(h.level == 2 for h in heads)


AN_TEXT = ROOT / "seeds" / "an_2013-02-04_mariage-pour-tous_seance2.txt"
AN_INTERJECTIONS_SNAPSHOT = 94      # counted by the parser on the seed (a snapshot)


def test_plain_interjections():
    d = parse_text("\n".join([
        "M. le président. La parole est à M. Paul Durand.",
        "M. Paul Durand. Je commence un long propos sur le budget de l’État.",
        "Mme Anne Martin. C’est faux !",
        "M. Paul Durand. Je reprends mon propos.",
        "Plusieurs députés du groupe UMP. Bravo !",
        "M. le président. Merci.",
        "Mme Anne Martin. Je réponds longuement.",
    ]))
    flags = [(s.speaker.label, s.interjection) for s in speeches(d)]
    assert flags == [("M. le président.", False), ("M. Paul Durand.", False), ("Mme Anne Martin.", True),
                     ("M. Paul Durand.", False), ("Plusieurs députés du groupe UMP.", True),
                     ("M. le président.", False), ("Mme Anne Martin.", False)]
    an = [s for s in speeches(parse_file(AN_TEXT)) if s.interjection]
    assert (an[0].speaker.name, an[0].paragraphs) == ("Marie-George Buffet", ("Ça va coûter de l’encre !",))
    assert len(an) == AN_INTERJECTIONS_SNAPSHOT and not any(s.speaker.is_chair for s in an)


def test_questions_are_items_of_their_sitting():
    d = parse_text("\n".join([
        "1", "Questions au Gouvernement",
        "Stratégie vaccinale dans l’enseignement",
        "M. le président. La parole est à M. Patrick Hetzel.",
        "M. Patrick Hetzel. Monsieur le ministre, où en est la vaccination ?",
        "Rappel au règlement",
        "M. Paul Durand. Je demande la parole.",
        "Sécurité des transports",
        "Mme Anne Martin. Ma question porte sur les trains.",
    ]))
    heads = [(i.text, i.level) for i in d.sections[-1].items if isinstance(i, Heading)]
    assert heads == [("1", None), ("Stratégie vaccinale dans l’enseignement", 2), ("Rappel au règlement", 3),
                     ("Sécurité des transports", 2)]


def test_a_woman_in_the_chair_is_not_the_man_the_presidency_line_named():
    """"Mme la présidente." after "Présidence de M. Claude Bartolone": not Bartolone (else she
    would be cast with his voice); the presidency line's own holder keeps his name."""
    text = ("PRÉSIDENCE DE M. CLAUDE BARTOLONE\n"
            "M. le président. La séance est ouverte.\n"
            "Mme la présidente. La parole est à M. Charles de Courson.\n"
            "M. Charles de Courson. Merci, madame la présidente.\n")
    chairs = [(i.speaker.label, i.speaker.name, i.speaker.gender)
              for s in parse_text(text).sections for i in s.items
              if isinstance(i, Speech) and i.speaker.is_chair]
    assert chairs == [("M. le président.", "Claude Bartolone", "male"),
                      ("Mme la présidente.", None, "female")]
