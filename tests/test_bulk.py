"""Bulk inputs: `build ZIP|DIR` builds every sitting in it; a second run does nothing; --since and
--until keep the sittings of those dates. Real sources (the AN open-data samples as the zip holds
them, excerpts of the plain-text seeds), the offline engine, private cache and out folders."""
import subprocess
import sys
import zipfile

import pytest

from conftest import AN, ROOT, SENAT, excerpt

SOURCES = ROOT / "tests" / "fixtures" / "sources"
SYCERON = sorted(SOURCES.glob("CRSANR5L*.xml"))
STEMS = {"senat_extrait", "an_extrait"} | {p.stem for p in SYCERON}


def hemicycle(*args):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A zip laid out like the Assemblée's download (xml/compteRendu/…), plus two text excerpts
    and a file that is not a sitting (skipped by its name)."""
    d = tmp_path_factory.mktemp("bulk")
    texts = [excerpt(SENAT, d / "senat_extrait.txt", 5), excerpt(AN, d / "an_extrait.txt", 5)]
    z = d / "sittings.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in SYCERON:
            zf.write(p, f"xml/compteRendu/{p.name}")
        for p in texts:
            zf.write(p, f"texte/{p.name}")
        zf.writestr("LISEZMOI.md", "pas une séance")
    return d, z


def build_args(d, *inputs):
    return ["build", *inputs, "--voices", d / "voices", "--cache", d / "cache", "--out",
            d / "dist", "--cast", d / "cast.toml"]


def test_zip_builds_every_sitting_then_nothing(archive):
    d, z = archive
    (d / "voices").mkdir(exist_ok=True)          # empty: the offline engine
    first = hemicycle(*build_args(d, z))
    assert first.returncode == 0, first.stderr
    for stem in STEMS:
        out = d / "dist" / stem
        assert f"{stem}: synthesized" in first.stdout
        for name in (f"{stem}.m4b", f"{stem}.mp3", f"{stem}.epub", "index.html", "episode.json"):
            assert (out / name).stat().st_size > 0, (stem, name)
    assert sorted(p.name for p in (d / "dist").iterdir() if p.name.startswith(".unzipped")) == []
    assert "archive index:" in first.stdout

    second = hemicycle(*build_args(d, z))
    assert second.returncode == 0, second.stderr
    assert sorted(l.split(":")[0] for l in second.stdout.splitlines() if "up to date" in l) \
        == sorted(STEMS)
    assert "synthesized" not in second.stdout


def test_since_until_keep_the_dated_sittings(archive):
    """The 2021 sitting alone: the 2024 one is later, the excerpts have no date (outside any
    range). Run after the zip's build, so this one is up to date from the cache."""
    d, z = archive
    r = hemicycle(*build_args(d, z), "--since", "2021-01-01", "--until", "2021-12-31")
    assert r.returncode == 0, r.stderr
    built = [l.split(":")[0] for l in r.stdout.splitlines()
             if "up to date" in l or "synthesized" in l]
    assert built == ["CRSANR5L15S2021E1N009_extrait"]


def test_folder_input(tmp_path):
    """A folder: its sittings by name (README.md is not one), in path order and below, nothing
    built when the range excludes them all."""
    import shutil
    from pipeline.bulk import sources
    d = tmp_path / "in"
    (d / "sous").mkdir(parents=True)
    for p in (SOURCES / "20130134.asp", *SYCERON, SOURCES / "README.md"):
        shutil.copy(p, d / p.name)
    shutil.copy(SOURCES / "senat_2010-05-19_2130_seance-707.json", d / "sous")
    with sources([d], tmp_path) as files:
        assert [f.name for f in files] == ["20130134.asp", *(p.name for p in SYCERON),
                                           "senat_2010-05-19_2130_seance-707.json"]
    with sources([d], tmp_path, since="2024-11-08") as files:
        assert [f.name for f in files] == ["CRSANR5L17S2025O1N044_extrait.xml"]
    with sources([d], tmp_path, until="2010-05-19") as files:
        assert [f.name for f in files] == ["senat_2010-05-19_2130_seance-707.json"]


@pytest.mark.parametrize("flag, value, message", [
    ("--since", "2021-13-01", "--since 2021-13-01: not a date (YYYY-MM-DD)"),
    ("--until", "hier", "--until hier: not a date (YYYY-MM-DD)"),
])
def test_bad_date_is_one_line(tmp_path, flag, value, message):
    r = hemicycle("build", SOURCES, flag, value, "--out", tmp_path / "dist")
    assert r.returncode == 2
    assert r.stderr == f"hemicycle: error: {message}\n"
    assert not (tmp_path / "dist").exists()


def test_empty_zip_and_folder_are_one_line(tmp_path):
    z = tmp_path / "vide.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("LISEZMOI.md", "rien")
    r = hemicycle("build", z, "--out", tmp_path / "dist")
    assert (r.returncode, r.stderr.count("\n")) == (2, 1)
    assert f"{z}: no sitting in this zip" in r.stderr
    (tmp_path / "empty").mkdir()
    r = hemicycle("build", tmp_path / "empty", "--out", tmp_path / "dist")
    assert (r.returncode, r.stderr.count("\n")) == (2, 1)
    assert "no sitting in this folder" in r.stderr
    assert not list((tmp_path / "dist").glob(".unzipped*"))


def test_a_range_that_selects_nothing_is_one_line(archive):
    """Issue 23 item 7: sittings were given, none is of those dates: said, exit 2, nothing built."""
    d, z = archive
    r = hemicycle(*build_args(d, z), "--since", "1990-01-01", "--until", "1990-12-31")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no sitting dated from 1990-01-01 until 1990-12-31" in lines[0]
    assert "Traceback" not in r.stderr


def test_a_parlamint_corpus_folder_builds_its_sittings_not_its_lists(tmp_path):
    """The corpus layout (sittings in year folders, ParlaMint-FR-listPerson.xml and the corpus root
    beside them): the lists are not sittings; the sittings are chosen by their own dates."""
    import shutil
    from pipeline.bulk import sources
    corpus = tmp_path / "ParlaMint-FR"
    shutil.copytree(SOURCES / "parlamint", corpus)
    (corpus / "ParlaMint-FR.xml").write_text("<teiCorpus/>", "utf-8")   # the root names the files
    with sources([corpus], tmp_path / "out") as files:
        assert sorted(f.name for f in files) == ["ParlaMint-FR_2019-01-16-O1119.xml",
                                                 "ParlaMint-FR_2020-10-01-O1003.xml"]
    with sources([corpus], tmp_path / "out", "2019-01-01", "2019-12-31") as files:
        assert [f.name for f in files] == ["ParlaMint-FR_2019-01-16-O1119.xml"]
