"""Audiobook chapters cut from the agenda tree (assemble.agenda_chapters), and the assembly
settings' validation (config.load_assembly)."""
from dataclasses import replace

import numpy as np
import pytest

from pipeline.assemble import Assembly, assemble
from pipeline.model import Debate, Heading, InputError, Section, Speaker, Speech
from pipeline.segment import segment

RATE = 22050
SPEAKER = Speaker("M. Jean Dupont.", "M.", "Jean Dupont")


def _speech(words: int) -> Speech:
    return Speech(SPEAKER, (" ".join(["Parlons"] * words) + ".",))


DEBATE = Debate("Séance", "2024-11-08", "Assemblée nationale", (
    Section("Projet de loi de finances pour 2025", (
        _speech(40),
        Heading("Discussion des articles", level=2),
        Heading("Article 32", level=3),
        _speech(60),
        Heading("Amendement n° 1565", level=4),
        _speech(80),
        Heading("Amendement n° 12", level=4),
        _speech(3),                      # a few seconds: joins the amendment before it
        Heading("Explications de vote", level=2),
        _speech(90),
    )),
    Section("Ordre du jour de la prochaine séance", (_speech(4),)),
))


def _book(debate, config=None):
    utts = segment(debate)
    # a second per word: lengths the test can reason about
    audio = [np.ones(RATE * len(u.spoken.split()), np.int16) for u in utts]
    return utts, assemble(utts, audio, debate, RATE, config or Assembly.load())[1]


def test_chapters_follow_the_finest_agenda_level():
    utts, tl = _book(DEBATE)
    assert [(c.title, c.level) for c in tl.chapters] == [
        ("Projet de loi de finances pour 2025", 1),
        ("Article 32", 3),
        ("Article 32 — amendement n° 1565", 4),     # + the 3-word amendment n° 12, merged
        ("Explications de vote", 2),
        ("Ordre du jour de la prochaine séance", 1),  # short, but a section of its own
    ]
    assert tl.chapters[0].start == 0 and tl.chapters[-1].end == tl.total
    assert all(a.end == b.start for a, b in zip(tl.chapters, tl.chapters[1:]))
    assert all(c.end - c.start >= 30 * RATE for c in tl.chapters[:-1])
    # the sections' spans stay one per section (the EPUB's documents)
    assert [s.title for s in tl.sections] == [s.title for s in DEBATE.sections]


def test_too_many_chapters_are_cut_one_level_up():
    utts, tl = _book(DEBATE, replace(Assembly.load(), chapters_max=4))
    assert len(tl.chapters) <= 4
    assert max(c.level for c in tl.chapters) <= 3


def test_the_agenda_tree_nests_by_level():
    tree = DEBATE.agenda()
    assert [n.title for n in tree] == [s.title for s in DEBATE.sections]
    dis, expl = tree[0].children
    assert (dis.title, expl.title) == ("Discussion des articles", "Explications de vote")
    (article,) = dis.children
    assert [a.title for a in article.children] == ["Amendement n° 1565", "Amendement n° 12"]
    assert {u.agenda for u in segment(DEBATE)} == {(0,), (0, 0), (0, 0, 0), (0, 0, 0, 0),
                                                   (0, 0, 0, 1), (0, 1), (1,)}


def test_round_trip_through_json():
    assert Debate.from_json(DEBATE.to_json()) == DEBATE


@pytest.mark.parametrize("text,message", [
    ("[pauses]\nsentence = 'court'\n", "pauses.sentence: expected a number"),
    ("[pauses\n", "malformed TOML"),
    ("[pauses]\nsentence=300\nparagraph=650\nspeaker=900\nsection=2000\nend=1500\nlead=250\n"
     "[heard]\nparagraph = [430, 950]\nspeaker = [900, 1500]\n"
     "[loudness]\ntarget_lufs=-18\ntrue_peak_dbtp=-2\n", "heard.speaker: overlaps paragraph"),
    ("[pauses]\nsentence=300\nparagraph=650\nspeaker=900\nsection=2000\nend=1500\nlead=250\n"
     "[heard]\nparagraph = [700, 950]\n"
     "[loudness]\ntarget_lufs=-18\ntrue_peak_dbtp=-2\n", "must hold the nominal pause 650"),
    ("[pauses]\nsentence=300\nparagraph=650\nspeaker=900\nsection=2000\nend=1500\nlead=250\n"
     "[loudness]\ntarget_lufs=-18\ntrue_peak_dbtp=-2\n"
     "[chapters]\nprocedural = ['suspension (de séance']\n", "bad regular expression"),
    ("[pauses]\nsentence=300\nparagraph=650\nspeaker=900\nsection=2000\nend=1500\nlead=250\n"
     "[loudness]\ntarget_lufs=-18\ntrue_peak_dbtp=-2\n"
     "[chapters]\nprocedural_max_s = 'trois minutes'\n", "procedural_max_s: expected a number"),
])
def test_a_bad_assembly_file_is_one_clear_error(tmp_path, text, message):
    f = tmp_path / "assembly.toml"
    f.write_text(text, "utf-8")
    with pytest.raises(InputError) as e:
        Assembly.load(f)
    assert str(e.value).startswith(f"{f}:") and message in str(e.value), str(e.value)


# --- titles: what fills the chapter (issue 23) -----------------------------------------------

PRESIDENT = Speaker("M. le président.", "M.", None, "président")


def _titles(debate, config=None):
    _, tl = _book(debate, config)
    return [(c.title, c.start // RATE, c.end // RATE) for c in tl.chapters], tl


def test_a_short_opening_takes_the_title_of_the_item_it_joins():
    """The Sénat's evening sitting opens on the bill's name and one sentence, then an
    "Exception d'irrecevabilité": the chapter they make is the exception's (after the bill's
    name, as a section's first chapter)."""
    debate = Debate("Séance", "2010-05-18", "Sénat", (
        Section("Modernisation de l'agriculture et de la pêche", (
            Speech(PRESIDENT, ("Nous reprenons la discussion du projet de loi.",)),
            Heading("Exception d'irrecevabilité", level=2),
            _speech(300),
            Heading("Discussion générale", level=2),
            _speech(200),
        )),
    ))
    got, tl = _titles(debate)
    assert [t for t, _, _ in got] == [
        "Modernisation de l'agriculture et de la pêche — exception d'irrecevabilité",
        "Discussion générale"]
    assert tl.chapters[0].start == 0 and tl.chapters[0].agenda == (0, 0)
    # a section that names no subject (the plain-text reader's opening) is not repeated
    untitled = replace(debate, sections=(replace(debate.sections[0],
                                                 title="Début du compte rendu"),))
    got, _ = _titles(untitled)
    assert [t for t, _, _ in got] == ["Exception d'irrecevabilité", "Discussion générale"]


def test_a_procedural_heading_titles_no_long_chapter():
    debate = Debate("Séance", "2013-02-04", "Assemblée nationale", (
        Section("Ouverture du mariage aux couples de personnes de même sexe", (
            Heading("Article 4", level=2),
            _speech(100),
            Heading("Rappel au règlement", level=3),
            _speech(60),                       # a minute: may keep its own title
            Heading("Suspension et reprise de la séance", level=3),
            _speech(400),                      # the debate on article 4 goes on
            Heading("Article 5", level=2),
            _speech(100),
        )),
    ))
    first = "Ouverture du mariage aux couples de personnes de même sexe — article 4"
    got, _ = _titles(debate)
    assert [t for t, _, _ in got] == [first, "Rappel au règlement", "Article 4", "Article 5"]
    # configurable: allowed 10 minutes, the heading titles its 7
    got, _ = _titles(debate, replace(Assembly.load(), procedural_max_s=600))
    assert [t for t, _, _ in got] == [first, "Rappel au règlement",
                                      "Suspension et reprise de la séance", "Article 5"]


def test_neighbours_titled_by_the_same_item_are_one_chapter():
    debate = Debate("Séance", "2013-02-04", "Assemblée nationale", (
        Section("Ouverture du mariage aux couples de personnes de même sexe", (
            Heading("Article 4", level=2),
            _speech(100),
            Heading("Suspension et reprise de la séance", level=3),
            _speech(400),
        )),
    ))
    got, tl = _titles(debate)
    assert [t for t, _, _ in got] == [
        "Ouverture du mariage aux couples de personnes de même sexe — article 4"]
    assert (tl.chapters[0].start, tl.chapters[0].end) == (0, tl.total)


def test_procedural_headings_are_data():
    from pipeline.assemble import is_procedural
    patterns = Assembly.load().procedural
    for title in ("Rappels au règlement", "Rappel au règlement (suite)",
                  "Suspension et reprise de la séance", "Ordre du jour de la prochaine séance",
                  "Modification de l’ordre du jour", "Fait personnel",
                  "Présidence de Mme Yaël Braun-Pivet", "Ouverture de la séance",
                  "Levée de la séance", "Mise au point au sujet d’un vote",
                  "Début du compte rendu"):
        assert is_procedural(title, patterns), title
    for title in ("Ouverture du mariage aux couples de personnes de même sexe",
                  "Article 4 (suite)", "Explications de vote", "Exception d'irrecevabilité",
                  "Suspension des poursuites engagées contre un sénateur"):
        assert not is_procedural(title, patterns), title


# Real sittings. One second per word is about 2.5 times the engines' pace (≈ 150 words a
# minute), so the durations the rules compare with scale by 2.5 to mean what they mean in a
# real book.
SLOW = 2.5


def _real(path, **settings):
    from pipeline.parse import parse_file
    config = Assembly.load()
    config = replace(config, **{"chapter_min_s": config.chapter_min_s * SLOW,
                                "procedural_max_s": config.procedural_max_s * SLOW, **settings})
    debate = parse_file(path)
    utts, tl = _book(debate, config)
    return debate, tl, config


def test_a_real_senat_sitting_opens_on_its_first_item():
    """NosSénateurs, 19 May 2010 (evening): the bill's name, "Suite de la discussion…" and
    "(Texte de la commission)" and the president's two sentences open the sitting (71 words,
    75 s here), then "Article 1er" fills the rest. With chapters of at least 90 s the opening
    joins the article: one chapter, titled by the article (after the bill's name)."""
    from conftest import ROOT
    debate, tl, _ = _real(ROOT / "tests" / "fixtures" / "sources" /
                          "senat_2010-05-19_2130_seance-707.json", chapter_min_s=90)
    assert [c.title for c in tl.chapters] == [
        "Modernisation de l'agriculture et de la pêche — article 1er"]
    assert tl.chapters[0].agenda == (0, 0)
    assert tl.chapters[0].start == 0 and tl.chapters[0].end == tl.total


def test_a_real_sitting_has_no_long_chapter_titled_by_procedure():
    """The AN seed (4 February 2013): rappels au règlement and suspensions all along article
    4; the long stretches after them are titled by the article they continue."""
    from pipeline.assemble import is_procedural
    from conftest import AN
    debate, tl, config = _real(AN)
    nodes = debate.agenda_items()
    longest = config.procedural_max_s * RATE
    long = [c for c in tl.chapters if c.end - c.start > longest]
    assert len(long) >= 5
    assert not [c.title for c in long if is_procedural(nodes[c.agenda].title, config.procedural)]
    # the short ones still say what they are
    assert any(is_procedural(nodes[c.agenda].title, config.procedural)
               for c in tl.chapters if c not in long)
    assert all(a.end == b.start for a, b in zip(tl.chapters, tl.chapters[1:]))
