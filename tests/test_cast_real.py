"""Casting on real sittings (issue 24): every person's sex from evidence, one voice per person,
groups never persons. Sources: tests/fixtures/sources/ (an-syceron-16: 20 whole AN open-data
sittings; parlamint: the two ParlaMint-FR samples and their listPerson; nosdeputes: two NosDéputés
sittings) and the hand-checked table tests/fixtures/cast/nosdeputes_sex.tsv."""
import dataclasses
from collections import defaultdict

import pytest

from pipeline.cast import GROUP_RECORDS, cast, cast_json, cast_notes, cast_table, group_kind, \
    normalize_name
from pipeline.config import load_catalog
from pipeline.french import first_name_sex, role_sex
from pipeline.model import NARRATOR, Debate, Section, Speech
from pipeline.parse import parse_file
from pipeline.sex import SOURCES, _SINGULAR, _printed_civility, deputies_sex, display_name, \
    folded, people
from pipeline.voices import installed

from conftest import ROOT

SOURCES_DIR = ROOT / "tests" / "fixtures" / "sources"
SYCERON = sorted((SOURCES_DIR / "an-syceron-16").glob("*.xml"))
PARLAMINT = sorted((SOURCES_DIR / "parlamint").glob("*/*.xml"))
NOSDEPUTES = sorted((SOURCES_DIR / "nosdeputes").glob("nosdeputes_*.json"))
TRUTH = ROOT / "tests" / "fixtures" / "cast" / "nosdeputes_sex.tsv"
REAL = SYCERON + PARLAMINT + NOSDEPUTES


@pytest.fixture(scope="module")
def parsed() -> dict:
    return {p: parse_file(p) for p in REAL}


@pytest.fixture(scope="module")
def offline(mbrola_dir):
    return installed(mbrola_dir, "mbrola"), load_catalog(mbrola_dir)


def test_the_real_samples_are_there():
    assert (len(SYCERON), len(PARLAMINT), len(NOSDEPUTES)) == (20, 2, 2)


def test_every_named_speaker_sex_is_known_with_its_source(parsed):
    """On the 24 real sittings no person's sex is unknown; each says where it was read."""
    by_source = defaultdict(int)
    for path, d in parsed.items():
        for k, p in people(d).items():
            assert p.sex in ("male", "female"), (path.name, k, p.sex_source)
            assert p.sex_source in SOURCES[:-1]
            by_source[p.sex_source] += 1
    # Each kind of evidence is used on these samples: civility (AN labels), role and person
    # data (NosDéputés names without civility), ParlaMint's chairs by the printed label.
    assert set(by_source) >= {"civility", "role", "person data"}


def test_nosdeputes_sexes_match_the_hand_checked_table(parsed):
    truth: dict[tuple[str, str], str] = {}
    for line in TRUTH.read_text("utf-8").splitlines():
        if line.startswith("#"):
            continue
        sitting, name, sex, _evidence = line.split("\t")
        truth[(sitting, name)] = sex
    got = {}
    for path in NOSDEPUTES:
        sitting = path.stem.rsplit("_", 1)[-1]
        for p in people(parsed[path]).values():
            got[(sitting, p.name)] = p.sex
    assert got == truth


def test_the_deputies_table_agrees_with_every_printed_civility(parsed):
    """The shipped table (built from NosDéputés and AN open data) against the civility the AN
    prints before each deputy's name in the 20 sittings: no disagreement, and it knows all but
    the ministers who are not deputies and the deputies elected after it was built."""
    table = deputies_sex()
    agree, unknown = 0, set()
    for path in SYCERON:
        for s in parsed[path].speakers().values():
            if s.collective or not s.person_id:
                continue
            if s.person_id not in table:
                unknown.add(s.person_id)
            elif _printed_civility(s):
                assert table[s.person_id] == _SINGULAR[s.civility], (path.name, s.label)
                agree += 1
    assert agree > 1000 and len(unknown) <= 15


def test_one_person_one_voice_of_their_sex_and_groups_apart(parsed, offline):
    """Cast with the offline engine (7 voices): every label of a person (same id, or same name
    without civility, group or punctuation) has one rendering, of the person's sex; groups have
    a voice no person of the sitting has, one per kind, and are never recorded."""
    pool, catalog = offline
    for path, d in parsed.items():
        voices, new = cast(d, pool, catalog, {})
        speakers, persons = d.speakers(), people(d)
        same: dict[str, set] = defaultdict(set)
        for k, s in speakers.items():
            if s.collective or s.is_chair:
                continue
            same["name:" + folded(display_name(s))].add(voices[k].rendering)
            if s.person_id:
                same["id:" + s.person_id].add(voices[k].rendering)
            assert voices[k].gender == persons[k].sex, (path.name, k)
        assert all(len(r) == 1 for r in same.values()), (path.name, same)
        groups = [k for k, s in speakers.items() if s.collective]
        person_renders = {voices[k].rendering for k in persons}
        kinds: dict[str, set] = defaultdict(set)
        for k in groups:
            assert voices[k].rendering not in person_renders, (path.name, k)
            kinds[group_kind(speakers[k])].add(voices[k].rendering)
        assert all(len(r) == 1 for r in kinds.values())
        assert len({next(iter(r)) for r in kinds.values()}) == len(kinds)
        recorded = set(new.get("offline", {}))
        assert not recorded & {normalize_name(k) for k in groups}, path.name
        assert not {n for n in recorded if n in ("id:PA0", "id:0") or n.startswith("id:-")}
        assert recorded - {n for n in recorded if n.startswith("__")} <= (
            {normalize_name(p.name) for p in persons.values()}
            | {f"id:{i}" for p in persons.values() for i in p.ids}), path.name
        assert {n for n in recorded if n.startswith("__group")} <= set(GROUP_RECORDS.values())


def test_label_variants_of_one_person_share_a_voice(parsed, offline):
    """The 16th legislature printed "M. Patrick Hetzel (LR)" in questions and "M. Patrick
    Hetzel" elsewhere, sometimes a trailing comma, sometimes without the id: the turns of one
    real deputy of a real sitting relabelled so are still one person with one voice."""
    pool, catalog = offline
    d = parsed[SYCERON[0]]
    speakers = d.speakers()
    who = next(k for k, s in speakers.items()
               if s.person_id and not s.collective and not s.is_chair and s.civility == "M."
               and sum(1 for sec in d.sections for i in sec.items
                       if isinstance(i, Speech) and i.speaker.key == k) >= 3)
    n = 0
    sections = []
    for sec in d.sections:
        items = []
        for i in sec.items:
            if isinstance(i, Speech) and i.speaker.key == who:
                s, n = i.speaker, n + 1
                variant = [dataclasses.replace(s, name=f"{s.name} (LR)", label=f"M. {s.name} (LR)"),
                           dataclasses.replace(s, name=f"{s.name},", person_id=None),
                           s][n % 3]
                i = dataclasses.replace(i, speaker=variant)
            items.append(i)
        sections.append(Section(sec.title, tuple(items)))
    relabelled = Debate(d.title, d.date, d.chamber, tuple(sections))
    keys = {k for k in relabelled.speakers() if folded(display_name(relabelled.speakers()[k]))
            == folded(who)}
    assert len(keys) == 3
    voices, new = cast(relabelled, pool, catalog, {})
    assert len({voices[k].rendering for k in keys}) == 1
    assert len({people(relabelled)[k].identity for k in keys}) == 1
    assert normalize_name(who) in new["offline"]
    assert not any("(lr)" in n or n.endswith(",") for n in new["offline"])


def test_an_unknown_sex_is_said_and_read_by_no_sex(parsed, offline):
    """Céleste Lett (a man: person data) without his NosDéputés id: nothing in the sitting tells
    his sex and "Céleste" is a name of both sexes: unknown, listed in the notes, read by a
    variant of the narrator's voice (the offline engine has no voice of unknown gender), not by
    a man's or a woman's voice chosen to balance the pool."""
    pool, catalog = offline
    path = next(p for p in NOSDEPUTES if "5862" in p.name)
    d = parsed[path]
    sections = tuple(Section(sec.title, tuple(
        dataclasses.replace(i, speaker=dataclasses.replace(i.speaker, person_id=None))
        if isinstance(i, Speech) and i.speaker.key == "Céleste Lett" else i for i in sec.items))
        for sec in d.sections)
    anon = Debate(d.title, d.date, d.chamber, sections)
    p = people(anon)["Céleste Lett"]
    assert (p.sex, p.sex_source) == (None, "unknown")
    voices, _ = cast(anon, pool, catalog, {})
    v, narrator = voices["Céleste Lett"], voices[NARRATOR]
    assert (v.engine, v.voice) == (narrator.engine, narrator.voice) and v != narrator
    assert voices["Céleste Lett"].rendering not in {voices[k].rendering for k in voices
                                                     if k not in ("Céleste Lett", NARRATOR)}
    notes = cast_notes(anon, pool, {})
    assert any("sex unknown" in n and "Céleste Lett" in n for n in notes), notes
    assert cast_json(anon, voices)["Céleste Lett"]["sex_source"] == "unknown"


def test_the_chair_voice_follows_whoever_presides(parsed, offline):
    """"Mme la présidente" (AN open data, women in the chair) and NosDéputés chairs named
    without civility ("Bernard Accoyer, président"): the chair's voice of the holder's sex."""
    pool, catalog = offline
    for path in (SYCERON[0], *NOSDEPUTES):
        d = parsed[path]
        voices, _ = cast(d, pool, catalog, {})
        chairs = {k: p for k, p in people(d).items() if p.chair}
        assert chairs, path.name
        for k, p in chairs.items():
            assert voices[k].gender == p.sex, (path.name, k)
    assert {p.name: p.sex for p in people(parsed[SYCERON[0]]).values() if p.chair} == {
        "Élodie Jacquier-Laforge": "female"}


def test_groups_in_cast_json_list_their_members(parsed, mbrola_dir):
    """A label naming several people ("M. Patrick Hetzel et Mme Véronique Louwagie") is a group
    in `cast --json`, with the people named, and no sex of its own."""
    pool, catalog = installed(mbrola_dir, "mbrola"), load_catalog(mbrola_dir)
    found, listed = [], 0
    for path in SYCERON:
        d = parsed[path]
        voices, _ = cast(d, pool, catalog, {})
        rows = [r[0] for r in cast_table(d, voices)]      # the human table (`cast`)
        for name, e in cast_json(d, voices).items():
            if e["role"] == "group":
                assert e["sex"] is None and e["sex_source"] == "group"
                found.append((name, tuple(e["members"])))
                if e["members"]:
                    assert any(all(m in r for m in e["members"]) and "(groupe" in r
                               for r in rows), e["members"]
                    listed += 1
    assert any(len(m) == 2 for _, m in found), found
    assert any(n.startswith("Plusieurs députés") for n, _ in found)
    assert listed >= 5


@pytest.mark.parametrize("role, chamber, sex", [
    ("présidente", None, "female"), ("président", None, "male"),
    ("rapporteure de la commission des lois", None, "female"),
    ("ministre chargé des transports", None, "male"),
    ("ministre déléguée auprès du ministre de l'intérieur", None, "female"),
    ("président de la commission chargée des affaires sociales", None, "male"),
    ("ministre de l'intérieur", None, None),
    # The Sénat long printed "Mme le président": its own offices in the masculine say nothing.
    ("président", "Sénat", None), ("ministre chargé des transports", "Sénat", "male"),
])
def test_role_gender(role, chamber, sex):
    assert role_sex(role, chamber) == sex


@pytest.mark.parametrize("name, sex", [
    ("Dominique Tian", None), ("Claude Greff", None), ("Camille de Rocca Serra", None),
    ("Céleste Lett", None), ("Germinal Peiro", None),
    ("Marie-Christine Dalloz", "female"), ("Jean-Marie Le Guen", "male"),
    ("Éric Diard", "male"), ("Évelyne Didier", "female"), ("Lionnel Luca", "male"),
])
def test_first_names_ambiguous_stay_unknown(name, sex):
    assert first_name_sex(name) == sex


def test_the_first_name_lexicon_reads_as_gender_guesser_does():
    """Our fast reader of gender-guesser's dictionary answers as its Detector does for France,
    on the first names of every deputy in the shipped table."""
    from gender_guesser.detector import Detector

    from pipeline.french import _first_names
    det, lex = Detector(), _first_names()
    firsts = {n.split()[0] for n in (line.split("\t")[3] for line in (
        ROOT / "pipeline" / "data" / "parliamentarians_sex.tsv").read_text("utf-8").splitlines()
        if not line.startswith("#"))}
    for f in firsts:
        want = det.get_gender(f, "france")
        assert lex.get(f, "andy" if want == "andy" else "unknown") == want, f
