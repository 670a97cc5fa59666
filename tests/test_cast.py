import json
import subprocess
import sys

import pytest

from pipeline.cast import CHAIR_RECORDS, cast, missing_user_voices, normalize_name
from pipeline.config import family, load_cast, load_catalog
from pipeline.model import NARRATOR, Debate, Heading, Section, Speaker, Speech
from pipeline.parse import parse_file
from pipeline.voices import installed

from conftest import AN, ROOT, SENAT

CHAIR = Speaker("M. le président.", "M.", "Loïc Hervé", "président")
PRESIDENTE = ROOT / "tests" / "fixtures" / "chair" / "an_2024-11-08_presidente.txt"


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


class Records:
    """The records file of a user, in memory: what the build would save after each cast."""

    def __init__(self, vdir, recorded=None):
        self.catalog = load_catalog(vdir)
        self.recorded = recorded if recorded is not None else {}

    def cast(self, d, pool):
        voices, new = cast(d, pool, self.catalog, self.recorded)
        for fam, table in new.items():
            for name, entry in table.items():
                self.recorded.setdefault(fam, {}).setdefault(name, entry)
        return voices


@pytest.fixture(params=["mbrola", "piper"])
def pool(request):
    vdir = request.getfixturevalue(f"{request.param}_dir")
    return vdir, installed(vdir, request.param)


def test_gender_chair_narrator_distinct(pool):
    vdir, voices = pool
    d = debate(*MEN[:3], *WOMEN[:2])
    cast_ = Records(vdir).cast(d, voices)
    for s in MEN[:3]:
        assert cast_[s.key].gender == "male"
    for s in WOMEN[:2]:
        assert cast_[s.key].gender == "female"
    renders = [cast_[k].rendering for k in cast_]
    assert len(set(renders)) == len(renders), "every speaker, chair and narrator distinct"
    assert cast_[CHAIR.key].rendering != cast_[NARRATOR].rendering


def test_cast_is_pure_and_returns_only_new_records(pool):
    """Nothing is written by cast(); its new records are exactly the speakers it did not know."""
    vdir, voices = pool
    recorded = {}
    d = debate(MEN[0], WOMEN[0])
    first, new = cast(d, voices, load_catalog(vdir), recorded)
    assert recorded == {}, "the caller's records are not modified"
    fam = family(voices[0].engine)
    assert set(new[fam]) == {NARRATOR, CHAIR_RECORDS["male"], normalize_name(MEN[0].key),
                             normalize_name(WOMEN[0].key)}
    again, nothing = cast(d, voices, load_catalog(vdir), new)
    assert again == first and nothing == {}


def test_persistent_across_debates_and_stable_chair(pool):
    vdir, voices = pool
    r = Records(vdir)
    first = r.cast(debate(MEN[0], WOMEN[0], MEN[1]), voices)
    second = r.cast(debate(WOMEN[2], MEN[1], MEN[3], MEN[0]), voices)
    assert second[MEN[0].key] == first[MEN[0].key]
    assert second[MEN[1].key] == first[MEN[1].key]
    assert second[NARRATOR] == first[NARRATOR]
    other_chair = Speaker("M. le président.", "M.", "Gérard Larcher", "président")
    d3 = Debate("D", None, None, (Section("S", (Speech(other_chair, ("Bonjour.",)),
                                                Speech(MEN[2], ("Oui.",)))),))
    assert r.cast(d3, voices)[other_chair.key] == first[CHAIR.key]
    assert normalize_name("Marc Ferracci") in r.recorded[family(voices[0].engine)]


def test_user_entry_wins(pool):
    vdir, voices = pool
    fam = family(voices[0].engine)
    target = [v for v in voices if v.gender == "male"][-1]
    r = Records(vdir, {fam: {normalize_name(MEN[0].key): {"voice": target.ref, "length_scale": 1.2,
                                                          "pitch": 1.0, "user": True}}})
    got = r.cast(debate(MEN[0], MEN[1]), voices)[MEN[0].key]
    assert (got.voice, got.speaker_id, got.length_scale) == (target.voice, target.speaker_id, 1.2)
    assert r.recorded[fam][normalize_name(MEN[0].key)]["user"] is True


def test_user_voice_not_installed_is_said(mbrola_dir):
    voices = installed(mbrola_dir, "mbrola")
    rec = {"offline": {normalize_name(MEN[0].key): {"voice": "mbrola:fr9", "user": True},
                       normalize_name(MEN[1].key): {"voice": "mbrola:fr8"}}}
    d = debate(MEN[0], MEN[1])
    got, new = cast(d, voices, load_catalog(mbrola_dir), rec)
    assert got[MEN[0].key].voice in {v.voice for v in voices} and got[MEN[0].key].gender == "male"
    assert normalize_name(MEN[0].key) not in new.get("offline", {}), "the user's entry is kept"
    assert missing_user_voices(d, voices, rec) == [
        "Marc Ferracci: the voice you chose (mbrola:fr9) is not installed: another is used"]


def test_pool_exhaustion_uses_variants_and_separates_neighbours(mbrola_dir):
    voices = installed(mbrola_dir, "mbrola")
    many = [person("M.", f"Député Numéro{i}") for i in range(30)]
    d = Debate("D", None, None, (Section("S", tuple(Speech(s, ("Texte.",)) for s in many)),))
    got = Records(mbrola_dir).cast(d, voices)
    assert all(got[s.key].gender == "male" for s in many)
    renders = [got[s.key].rendering for s in many]
    assert len(set(renders)) >= 15, "variants before reuse"
    assert all(a != b for a, b in zip(renders, renders[1:])), "neighbours never share a rendering"
    assert any(got[s.key].pitch != 1.0 for s in many)


def test_rebuilding_after_other_debates_keeps_the_cast(mbrola_dir):
    """Pool exhausted (30 men, offline engine): casting debate A, then B, then A again gives A
    the same voices both times, so `make audio` twice synthesizes nothing the second time."""
    voices = installed(mbrola_dir, "mbrola")
    men = [person("M.", f"Orateur Numéro{i}") for i in range(40)]
    a = Debate("A", None, None, (Section("S", tuple(Speech(s, ("x",)) for s in men[:30])),))
    b = Debate("B", None, None, (Section("S", tuple(Speech(s, ("x",)) for s in men[10:])),))
    r = Records(mbrola_dir)
    first = r.cast(a, voices)
    r.cast(b, voices)
    assert r.cast(a, voices) == first


def test_real_seeds_gender_chair_and_neighbours(mbrola_dir):
    """The seeds as `make audio` casts them with the offline engine (from the shipped cast): no
    gender mismatch, one chair voice whoever holds it, no two consecutive turns with one
    rendering, distinct renderings for the named speakers of the Sénat seed, nothing new to
    record (the shipped cast holds them all)."""
    catalog = load_catalog(mbrola_dir)
    for src in (AN, SENAT):
        d = parse_file(src)
        got, new = cast(d, installed(mbrola_dir, "mbrola"), catalog, load_cast(None))
        assert new == {}, src
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


def _man_woman_man() -> Debate:
    """Real passages: the AN seed under Claude Bartolone, then a 2024 AN sitting chaired by a
    woman ("Mme la présidente."), then the AN seed again under Christophe Sirugue."""
    an, her = parse_file(AN), parse_file(PRESIDENTE)
    items = [i for s in an.sections for i in s.items]
    cut = next(n for n, i in enumerate(items) if isinstance(i, Heading) and "Sirugue" in i.text)
    hers = tuple(i for s in her.sections for i in s.items)
    sections = (Section("Bartolone", tuple(items[:cut])), Section("Présidente", hers),
                Section("Sirugue", tuple(items[cut:])))
    return Debate(an.title, an.date, an.chamber, sections)


def test_the_chair_voice_follows_the_chair_gender(pool):
    vdir, voices = pool
    d = _man_woman_man()
    speakers = d.speakers()
    chairs = {k: s.gender for k, s in speakers.items() if s.is_chair}
    assert chairs == {"Claude Bartolone": "male", "Mme la présidente": "female",
                      "Christophe Sirugue": "male"}
    got = Records(vdir).cast(d, voices)
    for k, g in chairs.items():
        assert got[k].gender == g, k
    assert got["Claude Bartolone"] == got["Christophe Sirugue"], "one male chair voice"
    her, him = got["Mme la présidente"].rendering, got["Claude Bartolone"].rendering
    assert her != him and got[NARRATOR].rendering not in (her, him)
    for k, s in speakers.items():
        if not s.is_chair:
            assert got[k].rendering not in (her, him), f"{k} sounds like the chair"
    # Every turn of the chair, whoever holds it, in the voice of the holder's gender.
    for s in (i.speaker for sec in d.sections for i in sec.items if isinstance(i, Speech)):
        if s.is_chair:
            assert got[s.key].gender == s.gender


def test_cast_json_keys_every_turn_and_tells_the_rendering(tmp_path):
    """`cast --json` (read-only) on a real sitting with a woman in the chair: every speech's
    speaker is found under the name or the label `parse --json` gives, with the variant and
    the entry's role."""
    src = tmp_path / "presidente.txt"
    src.write_text(PRESIDENTE.read_text("utf-8") + AN.read_text("utf-8"), "utf-8")
    env_args = ["--voices", str(tmp_path / "voices"), "--engine", "mbrola"]

    def run(*args):
        p = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)
    parsed, got = run("parse", str(src), "--json"), run("cast", str(src), "--json", *env_args)
    assert list(tmp_path.iterdir()) == [src], "cast records nothing"
    turns = [i["speaker"] for s in parsed["sections"] for i in s["items"] if i["kind"] == "speech"]
    for sp in turns:
        assert (sp["name"] or sp["label"]) in got, sp
    assert "Plusieurs députés du groupe UMP." in got
    fields = {"engine", "voice", "speaker_id", "gender", "length_scale", "pitch", "role", "sex",
              "sex_source"}
    for v in got.values():
        assert set(v) == fields | ({"members"} if v["role"] == "group" else set())
    assert got[NARRATOR]["role"] == "narrator"
    assert got["Mme la présidente."] == {"engine": "mbrola", "voice": "fr2", "speaker_id": None,
                                              "gender": "female", "length_scale": 1.0,
                                              "pitch": 1.0, "role": "chair", "sex": "female",
                                              "sex_source": "civility"}
    assert got["Plusieurs députés du groupe UMP."]["role"] == "group"
    assert got["Christiane Taubira"]["sex"] == "female"
    assert got["Claude Bartolone"]["role"] == got["Christophe Sirugue"]["role"] == "chair"
    assert got["Claude Bartolone"]["gender"] == "male"
    assert {(v["voice"], v["length_scale"], v["pitch"]) for v in got.values()
            if v["role"] == "speaker"}.isdisjoint({("fr2", 1.0, 1.0), ("fr1", 1.0, 1.0)})
    assert {(v["length_scale"], v["pitch"]) for v in got.values()} > {(1.0, 1.0)}, "variants told"


def test_seeds_keep_their_voices(mbrola_dir):
    """Both seeds are cast exactly as before the records moved out of the tree and the chair got
    a voice per gender: same rendering (engine, voice, speaker, rate, pitch) for every speaker.
    The snapshot was made by the code of that time (`cast()` on the seeds, offline engine)."""
    snapshot = json.loads((ROOT / "tests" / "fixtures" / "chair" / "seeds_cast_snapshot.json")
                          .read_text("utf-8"))
    for src in (AN, SENAT):
        got, _ = cast(parse_file(src), installed(mbrola_dir, "mbrola"), load_catalog(mbrola_dir),
                      load_cast(None))
        assert {k: list(v.rendering) for k, v in got.items()} == snapshot[src.stem], src.stem


def test_the_chair_is_heard_in_the_holder_gender(mbrola_dir):
    """Heard, not only declared: the offline engine speaks the chair's turns of the sitting that
    passes from a man to a woman and back, and the median pitch of each (Praat) is a woman's
    for "Mme la présidente" and a man's for Claude Bartolone and Christophe Sirugue."""
    from pipeline.segment import segment
    from pipeline.synth.engines import OUTPUT_RATE, OfflineEngine
    from pipeline.voice_pitch import THRESHOLD_HZ, median_f0
    d = _man_woman_man()
    got = Records(mbrola_dir).cast(d, installed(mbrola_dir, "mbrola"))
    speakers, engine, heard = d.speakers(), OfflineEngine(), {}
    for u in segment(d):
        if u.speaker in speakers and speakers[u.speaker].is_chair and \
                len(heard.setdefault(u.speaker, [])) < 3:
            heard[u.speaker].append(median_f0(engine.synthesize(u.spoken, got[u.speaker]),
                                              OUTPUT_RATE))
    assert set(heard) == {"Claude Bartolone", "Mme la présidente", "Christophe Sirugue"}
    for k, f0s in heard.items():
        female = speakers[k].gender == "female"
        assert all((f0 >= THRESHOLD_HZ) == female and f0 > 60 for f0 in f0s), (k, f0s)


def test_a_person_with_an_id_keeps_one_voice_across_formats_and_spellings(mbrola_dir):
    """The same deputy from the plain text (a name) and from a source with ids (AN HTML/XML):
    one voice; and under another spelling of the name, still the voice of the id."""
    pool = installed(mbrola_dir, "mbrola")
    catalog = load_catalog(mbrola_dir)

    def sitting(*speakers):
        return Debate("T", None, None, (Section("S", tuple(Speech(s, ("Je parle.",))
                                                           for s in speakers)),))
    plain = Speaker("M. Marc Le Fur.", "M.", "Marc Le Fur")
    others = [Speaker(f"M. Député {i}.", "M.", f"Député {i}") for i in range(4)]
    first, new = cast(sitting(*others, plain), pool, catalog, {})
    recorded = {"offline": dict(new["offline"])}
    with_id = Speaker("M. Marc Le Fur.", "M.", "Marc Le Fur", person_id="PA1874")
    second, more = cast(sitting(with_id), pool, catalog, recorded)
    assert second[with_id.key].rendering == first[plain.key].rendering
    assert "id:PA1874" in more["offline"]            # now known by the id too
    recorded["offline"].update(more["offline"])
    respelled = Speaker("M. Marc Le Füř.", "M.", "Marc Lefur", person_id="PA1874")
    third, _ = cast(sitting(*others[:1], respelled), pool, catalog, recorded)
    assert third[respelled.key].rendering == first[plain.key].rendering


@pytest.mark.parametrize("stem", ["CRSANR5L16S2023O1N087", "CRSANR5L16S2023O1N139"])
def test_a_sitting_cast_again_from_its_own_records_is_cast_the_same(mbrola_dir, stem):
    """The first build records the newcomers; the next build reads those records and must give
    every speaker the same voice (it gave five deputies of N087 another voice: newcomers were
    recorded before neighbours were separated, and a recorded voice taken earlier moved its
    holder to a 'free' one that another recorded person would claim later)."""
    import copy
    d = parse_file(ROOT / "tests" / "fixtures" / "sources" / "an-syceron-16" / f"{stem}.xml")
    pool, catalog = installed(mbrola_dir, "mbrola"), load_catalog(mbrola_dir)
    shipped = load_cast(None)
    first, new = cast(d, pool, catalog, shipped)
    again = copy.deepcopy(shipped)
    for fam, table in new.items():
        again.setdefault(fam, {}).update(table)
    second, newer = cast(d, pool, catalog, again)
    assert {k: v.rendering for k, v in second.items()} == {k: v.rendering for k, v in first.items()}
    assert not newer.get(family(pool[0].engine)) or all(
        n.startswith("id:") for n in newer[family(pool[0].engine)])
