"""The command-line contracts of the README, run as a user runs them."""
import json
import subprocess
import sys

from conftest import AN, ROOT, SENAT


def cli(*args, stdin=None):
    p = subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                       capture_output=True, text=True, input=stdin)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_parse_json_contract():
    """The README's contract: the original fields, and the richer model's beside them."""
    d = json.loads(cli("parse", SENAT, "--json"))
    assert set(d) == {"title", "date", "chamber", "sections", "source", "details"}
    items = [i for s in d["sections"] for i in s["items"]]
    kinds = {i["kind"] for i in items}
    assert kinds == {"speech", "stage", "heading"}
    for i in items:
        if i["kind"] == "speech":
            assert set(i["speaker"]) == {"label", "civility", "name", "role", "id", "presiding",
                                         "sex", "group", "members"}
            assert {"continues", "interjection", "source"} <= set(i)
            assert i["paragraphs"] and all(isinstance(p, str) for p in i["paragraphs"])
        if i["kind"] == "heading":
            assert "level" in i
    from pipeline.model import Debate
    assert Debate.from_json(d).to_json() == d           # parse --json round-trips
    names = {i["speaker"]["name"] for i in items if i["kind"] == "speech"}
    assert {"Loïc Hervé", "Marc Ferracci", "Laure Darcos"} <= names


def test_normalize_one_line_out_per_line_in():
    lines = ["M. le président. La séance est ouverte à 21 h 30.", "", "Il y a 12\u00a0000 postes.",
             "MM. Dupont et Durand, Mmes Martin et Petit."]
    out = cli("normalize", stdin="\n".join(lines) + "\n").split("\n")[:-1]
    assert len(out) == len(lines)
    out = [o.lower() for o in out]
    assert out[0].startswith("monsieur le président.") and "vingt et une heures trente" in out[0]
    assert out[1] == ""
    assert "douze mille postes" in out[2]
    assert out[3].startswith("messieurs") and "mesdames" in out[3]


def test_cast_json_contract(mbrola_dir):
    d = json.loads(cli("cast", AN, "--json", "--voices", mbrola_dir))
    assert all(set(v) - {"members"} == {"engine", "voice", "speaker_id", "gender", "length_scale",
                                         "pitch", "role", "sex", "sex_source"} for v in d.values())
    assert d["Christiane Taubira"]["gender"] == "female"
    assert d["Claude Bartolone"]["gender"] == "male"
    assert d["Claude Bartolone"] == d["Christophe Sirugue"], "one chair voice, whoever holds it"


def test_voices_list_by_engine_count_gender(piper_dir):
    out = cli("voices", "list", "--voices", piper_dir)
    assert "fr_FR-testmulti-tiny" in out and "4 speakers  2 female, 2 male" in out
    assert "mbrola  fr2" in out and "pico    fr-FR" in out


def test_piper_preferred_without_configuration(piper_dir, mbrola_dir):
    assert {v["engine"] for v in json.loads(cli("cast", SENAT, "--json", "--voices", piper_dir)).values()} == {"piper"}
    assert {v["engine"] for v in json.loads(cli("cast", SENAT, "--json", "--voices", mbrola_dir)).values()} <= {"mbrola", "pico"}


def test_voices_fetch_fails_clearly_offline(tmp_path):
    """No internet here: one line naming the problem and the way out, exit 2, nothing partial."""
    import os
    env = {**os.environ, "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    p = subprocess.run([sys.executable, "-m", "pipeline", "voices", "fetch", "--voices", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, env=env)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "offline engine" in p.stderr
    assert list(tmp_path.iterdir()) == []
