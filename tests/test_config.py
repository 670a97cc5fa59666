"""The validating edge (pipeline.config): every file a user edits is checked where it is read;
a bad one is one line naming the file, the line and what is wrong, exit 2, nothing written."""
import os
import subprocess
import sys
import textwrap

import pytest

from pipeline.config import load_catalog, load_rules, read_records, save_records
from pipeline.model import InputError

from conftest import ROOT, SENAT, excerpt

GOOD = """\
[offline."loic herve"]
voice = "mbrola:fr1"
length_scale = 1.0
pitch = 1.0
"""


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env=env)


def one_line_error(p) -> str:
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    return lines[0]


BAD_CAST = [  # (what the user wrote, line reported, words of the message)
    ('[offline."marc le fur"]\nvoice = "mbrola:fr3\n', 2, "malformed TOML"),
    ('[offline."marc le fur"]\nvoice = "fr3"\n', 2, 'offline."marc le fur".voice: \'fr3\': expected'),
    ('[offline."marc le fur"]\nvoice = "mbrola:fr3"\nlength_scale = "lent"\n', 3,
     "length_scale: expected a number"),
    ('[offline."marc le fur"]\nvoice = "mbrola:fr3"\npitch = 1.0\nlength_scale = 0.0\n', 4,
     "length_scale: 0.0 is out of range"),
    ('[offline."marc le fur"]\nlength_scale = 1.1\n', 1, "no voice"),
    ('[offline."marc le fur"]\nvoice = "piper:fr_FR-tom-medium"\n', 2, "a piper voice in the offline"),
    ('[offline."marc le fur"]\nvoice = "mbrola:fr3"\npicth = 1.1\n', 3, "unknown key"),
    ('[offline."marc le fur"]\nvoice = "mbrola:fr3"\nuser = "oui"\n', 3, "expected true or false"),
]


@pytest.mark.parametrize("text,line,words", BAD_CAST)
def test_bad_cast_records_one_line_through_cast_and_build(tmp_path, text, line, words):
    bad = tmp_path / "cast.toml"
    bad.write_text(GOOD + "\n" + text, "utf-8")
    line += GOOD.count("\n") + 1
    before = bad.read_bytes()
    for args in (("cast", SENAT), ("build", excerpt(SENAT, tmp_path / "s.txt", 6), "--out",
                                   tmp_path / "out", "--cache", tmp_path / "cache")):
        msg = one_line_error(run(*args, "--cast", bad, "--voices", tmp_path / "v", "--engine", "mbrola"))
        assert msg.startswith(f"hemicycle: error: {bad}:{line}: ") and words in msg, msg
    assert bad.read_bytes() == before
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()], "nothing written"
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize("name,text,line,words", [
    ("catalog.toml", '[mbrola.fr1]\ngender = "homme"\n', 2, "'homme': expected one of male"),
    ("catalog.toml", '[roles]\nnarrator = ["fr6"]\n', 2, "roles.narrator: 'fr6': expected"),
    ("catalog.toml", 'variants = [\n  { length_scale = 0, pitch = 1.0 },\n]\n', 1, "out of range"),
    ("measured.toml", '[piper."fr_FR-mls-medium"]\nspeakers = { a = "male" }\n', 2, "speaker id 'a'"),
    ("catalog.toml", "[mbrola.fr1\n", 1, "malformed TOML"),
])
def test_bad_catalog_in_voices_folder(tmp_path, name, text, line, words):
    vdir = tmp_path / "voices"
    vdir.mkdir()
    (vdir / name).write_text(text, "utf-8")
    msg = one_line_error(run("cast", SENAT, "--voices", vdir, "--engine", "mbrola"))
    assert msg.startswith(f"hemicycle: error: {vdir / name}:{line}: ") and words in msg, msg
    assert sorted(p.name for p in vdir.iterdir()) == [name]


def test_not_utf8_records(tmp_path):
    bad = tmp_path / "cast.toml"
    bad.write_bytes(GOOD.encode() + b'[offline."h\xe9l\xe8ne"]\nvoice = "mbrola:fr2"\n')
    msg = one_line_error(run("cast", SENAT, "--cast", bad, "--engine", "mbrola",
                             "--voices", tmp_path / "v"))
    assert msg == f"hemicycle: error: {bad}:5: not UTF-8 text"


def test_shipped_files_are_valid():
    """The catalog, the seeds' cast and the parser's rules pass their own loaders."""
    catalog = load_catalog()
    assert set(catalog["roles"]["chair"]) == {"male", "female"}
    assert len(read_records(ROOT / "pipeline" / "data" / "cast.toml")["offline"]) > 80
    rules = load_rules(ROOT / "pipeline" / "parse" / "rules.toml")
    assert "Mme" in rules["labels"]["civilities"]


def test_bad_rules_name_the_key(tmp_path):
    rules = (ROOT / "pipeline" / "parse" / "rules.toml").read_text("utf-8")
    bad = tmp_path / "rules.toml"
    votes = rules.index("[votes]")
    bad.write_text(rules[:votes] + rules[votes:].replace("line = '''", "line = '''(", 1), "utf-8")
    with pytest.raises(InputError) as e:
        load_rules(bad)
    line = 1 + next(n for n, t in enumerate(bad.read_text("utf-8").splitlines())
                    if t.startswith("line = '''("))
    assert str(e.value).startswith(f"{bad}:{line}: votes.line: bad regular expression")


def test_records_saved_under_a_lock_by_two_processes(tmp_path):
    """Two builds recording at once (read-modify-write each time): no record is lost."""
    f = tmp_path / "cast.toml"
    code = textwrap.dedent("""
        import sys
        from pipeline.config import save_records
        who, path = sys.argv[1], sys.argv[2]
        for i in range(40):
            save_records(path, {"offline": {f"{who} {i}": {"voice": "mbrola:fr1",
                                                          "length_scale": 1.0, "pitch": 1.0}}})
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, who, str(f)], cwd=ROOT)
             for who in ("alpha", "beta")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    got = read_records(f)["offline"]
    assert set(got) == {f"{w} {i}" for w in ("alpha", "beta") for i in range(40)}


def test_save_records_keeps_what_is_there(tmp_path):
    f = tmp_path / "cast.toml"
    f.write_text(GOOD.replace("1.0\npitch", "1.2\nuser = true\npitch"), "utf-8")
    save_records(f, {"offline": {"loic herve": {"voice": "mbrola:fr3"},
                                 "laure darcos": {"voice": "mbrola:fr2", "length_scale": 1.0,
                                                  "pitch": 1.0}}})
    got = read_records(f)["offline"]
    assert got["loic herve"]["voice"] == "mbrola:fr1" and got["loic herve"]["user"] is True
    assert got["laure darcos"]["voice"] == "mbrola:fr2"


def test_user_voice_not_installed_is_a_warning(tmp_path):
    f = tmp_path / "cast.toml"
    f.write_text('[offline."laure darcos"]\nvoice = "mbrola:fr9"\nuser = true\n', "utf-8")
    p = run("cast", SENAT, "--json", "--cast", f, "--engine", "mbrola", "--voices", tmp_path / "v")
    assert p.returncode == 0, p.stderr
    assert p.stderr.strip().splitlines() == [
        "hemicycle: warning: Laure Darcos: the voice you chose (mbrola:fr9) is not installed: "
        "another is used"]


def test_user_state_lives_in_the_data_folder(tmp_path):
    """Without --voices/--cast, records go to $XDG_DATA_HOME/hemicycle, and only what the
    shipped cast does not hold; `cast` writes nothing."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("HEMICYCLE_VOICES", None)
    src = ROOT / "tests" / "fixtures" / "chair" / "an_2024-11-08_presidente.txt"
    assert run("cast", src, "--engine", "mbrola", env=env).returncode == 0
    assert not (tmp_path / "xdg").exists()
    p = run("build", src, "--out", tmp_path / "out", "--cache", tmp_path / "cache",
            "--engine", "mbrola", env=env)
    assert p.returncode == 0, p.stderr
    records = read_records(tmp_path / "xdg" / "hemicycle" / "cast.toml")
    assert set(records["offline"]) == {"__chair_female__", "paul-andre colombani"}
    assert records["offline"]["__chair_female__"]["voice"] == "mbrola:fr2"
