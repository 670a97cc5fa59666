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
])
def test_a_bad_assembly_file_is_one_clear_error(tmp_path, text, message):
    f = tmp_path / "assembly.toml"
    f.write_text(text, "utf-8")
    with pytest.raises(InputError) as e:
        Assembly.load(f)
    assert str(e.value).startswith(f"{f}:") and message in str(e.value), str(e.value)
