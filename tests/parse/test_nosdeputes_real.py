"""NosDéputés / NosSénateurs JSON on whole real sittings (tests/fixtures/sources/, see its README):
stage directions printed inside `contenu` are the narrator's, nothing of `contenu`, `section`,
`soussection` is lost, the agenda follows the sub-sections, names are not invented."""
from __future__ import annotations

import collections
import html
import json
import re
from pathlib import Path

import pytest

from pipeline.model import Heading, Speech, Stage
from pipeline.parse import parse_file, parse_text

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "tests" / "fixtures" / "sources"
ND_2010 = SRC / "nosdeputes" / "nosdeputes_2010-07-06T15h00_3997.json"
ND_2012 = SRC / "nosdeputes" / "nosdeputes_2012-01-24T15h00_5862.json"
NOSSEN = SRC / "senat_2010-05-19_2130_seance-707.json"
SENAT_0518 = SRC / "nosdeputes" / "senat_2010-05-18_2210_seance-1772.json"
REAL = [ND_2010, ND_2012, NOSSEN, SENAT_0518]
_WORD = re.compile(r"\w+")
_TAGS = re.compile(r"<[^>]*>")
# a parenthesis that opens with a capital (or a quotation) and ends a sentence: how the
# Assemblée and the Sénat print what happens in the room ("(Sourires.)", "(« Oh ! » sur…)")
_DIRECTION = re.compile(r"\((?:[A-ZÀ-Ý«][^()]*[.!?…»]|« [^()]*)\)")


def words(text: str) -> collections.Counter:
    return collections.Counter(w.lower() for w in _WORD.findall(text))


def source_words(path: Path) -> collections.Counter:
    """Every word of `contenu`, plus the words of each `section`/`soussection` title that no
    record prints (a heading record's `contenu` is its title: the same words, counted once)."""
    data = json.loads(path.read_text("utf-8"))
    recs = [r["intervention"] for r in (data["seance"] if isinstance(data, dict) else data)]
    out, printed, titles = collections.Counter(), set(), []
    for r in recs:
        text = html.unescape(_TAGS.sub(" ", r.get("contenu") or ""))
        out += words(text)
        printed.add(tuple(w.lower() for w in _WORD.findall(text)))
        titles += [t for t in (r.get("section"), r.get("soussection")) if t and t not in titles]
    for t in titles:
        if tuple(w.lower() for w in _WORD.findall(html.unescape(t))) not in printed:
            out += words(html.unescape(t))
    return out


def debate_words(d) -> collections.Counter:
    """Section titles, headings, paragraphs, stage directions and the labels printed in the
    source (a collective speaker's: a named speaker's label is made from `intervenant_nom`)."""
    out = collections.Counter()
    for s in d.sections:
        out += words(s.title)
        for x in s.items:
            if isinstance(x, Speech):
                out += words(" ".join(x.paragraphs))
                if x.speaker.name is None and not x.continues:
                    out += words(x.speaker.label)
            elif isinstance(x, (Stage, Heading)):
                out += words(x.text)
    return out


def items(d) -> list:
    return [x for s in d.sections for x in s.items]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_every_word_reaches_the_debate(path):
    src, got = source_words(path), debate_words(parse_file(path))
    kept = sum(min(n, got[w]) for w, n in src.items()) / sum(src.values())
    assert kept >= 0.999, {w: n - got[w] for w, n in src.items() if got[w] < n}


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_no_stage_direction_is_read_by_a_speaker(path):
    said = [m.group() for x in items(parse_file(path)) if isinstance(x, Speech)
            for p in x.paragraphs for m in _DIRECTION.finditer(p)]
    assert said == []


def test_stage_directions_are_the_narrators_and_the_speech_resumes():
    d = parse_file(ND_2012)
    xs = items(d)
    stages = [x.text for x in xs if isinstance(x, Stage)]
    assert "(La motion de rejet préalable, mise aux voix, n'est pas adoptée.)" in stages
    assert stages.count("(Applaudissements sur les bancs du groupe UMP.)") == 5
    assert all(t.startswith("(") and t.endswith(")") for t in stages)   # headings are not stages
    # "(Applaudissements…) Il faut donc trouver…": the same turn goes on after the direction
    k = next(i for i, x in enumerate(xs) if isinstance(x, Speech)
             and x.paragraphs[0].startswith("Il faut donc trouver"))
    before, stage, after = xs[k - 2], xs[k - 1], xs[k]
    assert isinstance(stage, Stage) and stage.text.startswith("(Applaudissements")
    assert after.continues and after.speaker == before.speaker and before.paragraphs[-1].endswith(
        "celle des autres.")
    assert after.source is None and before.source is not None     # one link per turn


def test_a_direction_inside_a_sentence_leaves_its_punctuation_to_the_sentence():
    xs = items(parse_file(ND_2010))
    k = next(i for i, x in enumerate(xs) if isinstance(x, Stage)
             and x.text == "(« Oh ! » sur plusieurs bancs du groupe SRC.)")
    assert xs[k - 1].paragraphs[-1].endswith("vous les avez refusées;")
    assert xs[k + 1].continues and xs[k + 1].paragraphs[0].startswith("des mesures pour sauvegarder")
    assert [x.text for x in xs if isinstance(x, Stage)][-4:-1] == [
        "(Il est procédé au scrutin.)", "(Le projet de loi est adopté.)",
        "(Applaudissements sur les bancs du groupe UMP.)"]


def test_a_heading_printed_again_is_a_heading_not_a_stage_direction():
    xs = items(parse_file(ND_2010))
    heads = [(x.text, x.level) for x in xs if isinstance(x, Heading)]
    assert heads.count(("Vote sur l'ensemble", 2)) == 1       # the agenda item, once
    assert ("Vote sur l'ensemble", None) in heads              # printed again: no new item
    assert not any(isinstance(x, Stage) and "Vote sur" in x.text for x in xs)


def test_the_benches_speaking_are_a_collective_speaker():
    xs = items(parse_file(ND_2012))
    bench = [x for x in xs if isinstance(x, Speech) and x.speaker.label.startswith("Plusieurs")]
    assert [(x.speaker.label, x.speaker.name, x.paragraphs) for x in bench] == [
        ("Plusieurs députés du groupe UMP.", None, ("Mais si !",))]
    assert bench[0].speaker.collective


def test_motion_and_general_discussion_are_siblings():
    d = parse_file(ND_2012)
    assert [(c.title, c.level) for c in d.agenda()[0].children] == [
        ("Motion de rejet préalable", 2), ("Discussion générale", 2)]


def test_civility_only_as_the_debate_prints_it_and_the_group_kept():
    sp = parse_file(ND_2012).speakers()
    # "La parole est à M. Daniel Goldberg" is printed; Jean Mallot is never introduced
    assert (sp["Daniel Goldberg"].civility, sp["Daniel Goldberg"].label) == ("M.", "M. Daniel Goldberg.")
    assert (sp["Jean Mallot"].civility, sp["Jean Mallot"].label) == (None, "Jean Mallot.")
    assert sp["Jean Mallot"].group == "SRC" and sp["Jean Mallot"].person_id == "jean-mallot"


def test_a_name_written_with_its_group_or_a_comma():
    """The real sitting with two names as other exports write them."""
    data = json.loads(ND_2012.read_text("utf-8"))
    for r in data:
        r = r["intervention"]
        if r["intervenant_nom"] == "Jean Mallot":
            r["intervenant_nom"], r["intervenant_groupe"] = "Jean Mallot (SRC)", ""
        elif r["intervenant_nom"] == "Daniel Goldberg":
            r["intervenant_nom"] = "Daniel Goldberg,"
    sp = parse_text(json.dumps(data), "x.json").speakers()
    assert (sp["Jean Mallot"].label, sp["Jean Mallot"].group) == ("Jean Mallot.", "SRC")
    assert sp["Daniel Goldberg"].label == "M. Daniel Goldberg."



def _tree(d) -> list[tuple[int, str]]:
    out = []

    def walk(node, depth):
        for c in node.children:
            out.append((depth, c.title))
            walk(c, depth + 1)
    for node in d.agenda():
        walk(node, 0)
    return out


def test_articles_after_the_motions_are_their_siblings():
    """Sénat, 18 May 2010, evening: the exception d'irrecevabilité and the question préalable,
    then the articles, with no "Discussion des articles" printed: the articles are not inside
    the question préalable."""
    assert _tree(parse_file(SENAT_0518)) == MOTIONS_THEN_ARTICLES


MOTIONS_THEN_ARTICLES = [(0, "Exception d’irrecevabilité"), (0, "Question préalable"),
                         (0, "Article additionnel avant le titre Ier"), (0, "Article 1er")]


def test_the_same_sitting_in_plain_text_nests_the_same():
    """The sitting as the Sénat's plain text prints it (one paragraph per line; each turn
    "M. X, rôle. …", the labels made from the export's fields, the text verbatim): the
    plain-text reader gives the same agenda as the JSON reader."""
    d = parse_file(SENAT_0518)
    lines = []
    for s in d.sections:
        lines.append(s.title)
        for x in s.items:
            if isinstance(x, Speech):
                label = "" if x.continues else (x.speaker.label if x.speaker.civility or
                                                x.speaker.name is None else "M. " + x.speaker.label)
                lines.append(f"{label} {x.paragraphs[0]}".strip() if x.paragraphs else label)
                lines += x.paragraphs[1:]
            else:
                lines.append(x.text)
    plain = parse_text("\n".join(lines) + "\n", "x.txt")
    assert [ln for ln in lines if ln.startswith(("Question", "Article"))] == [
        "Question préalable", "Article additionnel avant le titre Ier", "Article 1er"]
    assert _tree(plain) == MOTIONS_THEN_ARTICLES


def test_a_name_field_naming_no_person_is_a_collective_speaker():
    """NosSénateurs writes "du groupe socialiste" as the speaker of a remark from the benches."""
    sp = parse_file(NOSSEN).speakers()
    bench = sp["du groupe socialiste"]
    assert (bench.name, bench.civility, bench.label, bench.collective) == (
        None, None, "du groupe socialiste.", True)


def test_remarks_from_the_benches_are_interjections_as_in_plain_text():
    xs = [x for x in items(parse_file(ND_2012)) if isinstance(x, Speech)]
    k = next(i for i, x in enumerate(xs) if x.paragraphs == ("Provocation !",))
    assert xs[k].speaker.name == "Jean Mallot" and xs[k].interjection
    assert xs[k - 1].speaker.name == xs[k + 1].speaker.name == "Daniel Goldberg"
    assert not xs[k - 1].interjection and not xs[k + 1].interjection
    assert not any(x.interjection for x in xs if x.speaker.is_chair)
