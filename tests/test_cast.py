
import pytest

from pipeline.cast import cast, load_cast, normalize_name, save_cast
from pipeline.model import NARRATOR, Debate, Section, Speaker, Speech
from pipeline.voices import installed

CHAIR = Speaker("M. le président.", "M.", "Loïc Hervé", "président")


def person(civ: str, name: str) -> Speaker:
    return Speaker(f"{civ} {name}.", civ, name)


def debate(*speakers: Speaker) -> Debate:
    items = []
    for s in speakers:
        items += [Speech(CHAIR, ("La parole est à quelqu'un.",)), Speech(s, ("Je parle.",))]
    return Debate("Débat", None, "Sénat", (Section("Débat", tuple(items)),))


MEN = [person("M.", n) for n in ("Marc Ferracci", "Franck Montaugé", "Pierre Médevielle",
                                 "Hervé Mariton", "Marc Le Fur", "Jean Dupont")]
WOMEN = [person("Mme", n) for n in ("Laure Darcos", "Martine Berthet", "Anne-Catherine Loisier",
                                    "Christiane Taubira")]


@pytest.fixture(params=["mbrola", "piper"])
def pool(request):
    vdir = request.getfixturevalue(f"{request.param}_dir")
    return vdir, installed(vdir, request.param)


def test_gender_chair_narrator_distinct(pool, tmp_path):
    vdir, voices = pool
    d = debate(*MEN[:3], *WOMEN[:2])
    cast_ = cast(d, voices, tmp_path / "cast.toml", vdir)
    for s in MEN[:3]:
        assert cast_[s.key].gender == "male"
    for s in WOMEN[:2]:
        assert cast_[s.key].gender == "female"
    renders = [cast_[k].rendering for k in cast_]
    assert len(set(renders)) == len(renders), "every speaker, chair and narrator distinct"
    assert cast_[CHAIR.key].rendering != cast_[NARRATOR].rendering


def test_persistent_across_debates_and_stable_chair(pool, tmp_path):
    vdir, voices = pool
    f = tmp_path / "cast.toml"
    first = cast(debate(MEN[0], WOMEN[0], MEN[1]), voices, f, vdir)
    second = cast(debate(WOMEN[2], MEN[1], MEN[3], MEN[0]), voices, f, vdir)
    assert second[MEN[0].key] == first[MEN[0].key]
    assert second[MEN[1].key] == first[MEN[1].key]
    assert second[NARRATOR] == first[NARRATOR]
    other_chair = Speaker("M. le président.", "M.", "Gérard Larcher", "président")
    d3 = Debate("D", None, None, (Section("S", (Speech(other_chair, ("Bonjour.",)),
                                                Speech(MEN[2], ("Oui.",)))),))
    assert cast(d3, voices, f, vdir)[other_chair.key] == first[CHAIR.key]
    assert normalize_name("Marc Ferracci") in load_cast(f)[("piper" if voices[0].engine == "piper"
                                                            else "offline")]


def test_user_entry_wins(pool, tmp_path):
    vdir, voices = pool
    f = tmp_path / "cast.toml"
    fam = "piper" if voices[0].engine == "piper" else "offline"
    target = [v for v in voices if v.gender == "male"][-1]
    save_cast(f, {fam: {normalize_name(MEN[0].key): {"voice": target.ref, "length_scale": 1.2,
                                                      "pitch": 1.0, "user": True}}})
    got = cast(debate(MEN[0], MEN[1]), voices, f, vdir)[MEN[0].key]
    assert (got.voice, got.speaker_id, got.length_scale) == (target.voice, target.speaker_id, 1.2)
    assert load_cast(f)[fam][normalize_name(MEN[0].key)]["user"] is True


def test_pool_exhaustion_uses_variants_and_separates_neighbours(mbrola_dir, tmp_path):
    voices = installed(mbrola_dir, "mbrola")
    many = [person("M.", f"Député Numéro{i}") for i in range(30)]
    d = Debate("D", None, None, (Section("S", tuple(Speech(s, ("Texte.",)) for s in many)),))
    got = cast(d, voices, tmp_path / "cast.toml", mbrola_dir)
    assert all(got[s.key].gender == "male" for s in many)
    renders = [got[s.key].rendering for s in many]
    assert len(set(renders)) >= 15, "variants before reuse"
    assert all(a != b for a, b in zip(renders, renders[1:])), "neighbours never share a rendering"
    assert any(got[s.key].pitch != 1.0 for s in many)


def test_deterministic(pool, tmp_path):
    vdir, voices = pool
    d = debate(*MEN[:4], *WOMEN)
    a = cast(d, voices, tmp_path / "a.toml", vdir)
    b = cast(d, voices, tmp_path / "b.toml", vdir)
    assert a == b
    assert (tmp_path / "a.toml").read_text() == (tmp_path / "b.toml").read_text()


def test_rebuilding_after_other_debates_keeps_the_cast(mbrola_dir, tmp_path):
    """Pool exhausted (30 men, offline engine): casting debate A, then B, then A again gives A
    the same voices both times, so `make audio` twice synthesizes nothing the second time."""
    voices = installed(mbrola_dir, "mbrola")
    men = [person("M.", f"Orateur Numéro{i}") for i in range(40)]
    a = Debate("A", None, None, (Section("S", tuple(Speech(s, ("x",)) for s in men[:30])),))
    b = Debate("B", None, None, (Section("S", tuple(Speech(s, ("x",)) for s in men[10:])),))
    f = tmp_path / "cast.toml"
    first = cast(a, voices, f, mbrola_dir)
    cast(b, voices, f, mbrola_dir)
    assert cast(a, voices, f, mbrola_dir) == first


def test_real_seeds_gender_chair_and_neighbours(mbrola_dir, tmp_path):
    """The seeds as `make audio` casts them with the offline engine: no gender mismatch, one
    chair voice whoever holds it, no two consecutive turns with one rendering, and distinct
    renderings for the named speakers of the Sénat seed."""
    from pipeline.parse import parse_file
    from conftest import AN, SENAT
    f = tmp_path / "cast.toml"
    for src in (AN, SENAT):
        d = parse_file(src)
        got = cast(d, installed(mbrola_dir, "mbrola"), f, mbrola_dir)
        speakers = d.speakers()
        for k, s in speakers.items():
            if s.gender:
                assert got[k].gender == s.gender, k
        assert len({got[k].rendering for k, s in speakers.items() if s.is_chair}) == 1
        turns = [i.speaker.key for s in d.sections for i in s.items if isinstance(i, Speech)]
        for a, b in zip(turns, turns[1:]):
            if a != b and not (speakers[a].is_chair and speakers[b].is_chair):
                assert got[a].rendering != got[b].rendering, (a, b)
    others = [k for k, s in speakers.items() if not s.is_chair]
    assert len({got[k].rendering for k in others}) == len(others)
