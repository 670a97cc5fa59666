"""Issue 26: inputs from the web never stall, crash or leak. Real sources (the NosSénateurs
export, the Syceron excerpt, excerpts of the plain-text seeds) made hostile the way a download
can be: escapes that decode to controls, names no file system agrees on, zips that lie, links
out of the folder. Each is one line (or one warning), never a traceback; the other files and the
feed are still built."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import AN, ROOT, SENAT, excerpt

SOURCES = ROOT / "tests" / "fixtures" / "sources"
NOSSENATEURS = SOURCES / "senat_2010-05-19_2130_seance-707.json"
SYCERON = SOURCES / "CRSANR5L15S2021E1N009_extrait.xml"


def cli(*args, env=None, **kw):
    env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=900, **kw)


def one_line(p, code: int) -> str:
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    return lines[0]


def build(tmp_path, *inputs, out=None, **kw):
    return cli("build", *inputs, "--out", out or tmp_path / "dist", "--voices",
               tmp_path / "voices", "--cache", tmp_path / "cache", "--cast",
               tmp_path / "cast.toml", **kw)


@pytest.fixture()
def voices(tmp_path):
    (tmp_path / "voices").mkdir()            # empty: the offline engine
    return tmp_path / "voices"


def records(n: int = 6) -> list:
    """The first records of the real NosSénateurs export (a title, then turns)."""
    return json.loads(NOSSENATEURS.read_text("utf-8"))[:n]


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=True), "utf-8")    # escapes as the web's
    return path


# 2 — strings that exist only after decoding are cleaned as decoded text is, with one warning.
def test_json_escapes_of_controls_and_lone_surrogates_are_cleaned_with_one_warning(tmp_path):
    recs = records()
    said = recs[2]["intervention"]
    said["contenu"] = said["contenu"].replace("<p>", "<p>\u0001\u001b[31m\u0000", 1) + \
        "<p>Fin\uffff\ud800.</p>"
    recs[3]["intervention"]["intervenant_nom"] += "\ud800"
    p = cli("parse", write_json(tmp_path / "seance.json", recs), "--json")
    line = one_line(p, 0)
    assert line.startswith(f"hemicycle: warning: {tmp_path / 'seance.json'}: at "
                           "[2].intervention.contenu: control characters"), line
    out = p.stdout
    for bad in ("\\u0001", "\\u001b", "\\u0000", "\\uffff", "\\ud800", "\x1b"):
        assert bad not in out
    assert "[31m" in out and "Fin." in out          # the text around them is kept


def test_a_file_name_with_control_and_latin1_bytes_never_stops_the_batch(tmp_path, voices):
    """A name as a Windows zip or a Latin-1 machine writes it: the parse reads it as
    Windows-1252 without its controls (one warning); whatever the outputs' names make of it
    (issue 26 item 4), the other file and the feed are built, and nothing is a traceback."""
    src = tmp_path / os.fsdecode(b"s\xe9ance\x01.txt")
    excerpt(SENAT, src, 4)
    good = excerpt(AN, tmp_path / "bonne.txt", 4)
    p = build(tmp_path, src, good)
    assert p.returncode in (0, 2) and "Traceback" not in p.stderr, p.stderr
    warned = [l for l in p.stderr.splitlines() if "warning" in l]
    assert len(warned) == 1 and "séance.txt: the file's name holds control characters" in \
        warned[0], p.stderr
    assert len(p.stderr.splitlines()) <= 2, p.stderr
    assert "bonne: synthesized" in p.stdout and "podcast feed:" in p.stdout, p.stdout


def test_an_unforeseen_error_in_one_file_is_one_line_and_the_others_and_the_feed_are_built(
        tmp_path, voices):
    """A section title of 60 001 characters without a space (item 10) broke a writer with a
    traceback that stopped the batch: now one line naming the file, exit 2, the other file and
    the feed built."""
    recs = records(4)
    recs[0]["intervention"]["section"] = "A" * 60001
    recs[0]["intervention"]["contenu"] = "<p>" + "A" * 60001 + "</p>"
    bad = write_json(tmp_path / "titre.json", recs)
    good = write_json(tmp_path / "bonne.json", records(4))
    p = build(tmp_path, bad, good)
    assert p.returncode in (0, 2) and "Traceback" not in p.stderr, p.stderr
    errors = [l for l in p.stderr.splitlines() if "error" in l]
    assert len(errors) <= 1 and all(str(bad) in l for l in errors), p.stderr
    assert "bonne: synthesized" in p.stdout and "podcast feed:" in p.stdout, p.stdout
    assert (tmp_path / "dist" / "feed.xml").exists()


# 10, 17 — JSON that no reader can take: one line, exit 2.
@pytest.mark.parametrize("case, expected", [
    ("nested", "JSON (nested deeper than any transcript) of a layout no reader knows"),
    ("number", "JSON (holding a number of 5000 digits) of a layout no reader knows"),
    ("timestamp", "[2].intervention.timestamp '11111111111111111111…' (5000 characters): "
                  "not a number of seconds"),
    ("superscript", "[2].intervention.timestamp '¹²' (2 characters): not a number of seconds"),
])
def test_json_too_deep_too_big_or_with_a_false_timestamp_is_one_line(tmp_path, case, expected):
    f = tmp_path / f"{case}.json"
    if case == "nested":
        f.write_text("[" * 100_000 + "]" * 100_000)
    elif case == "number":
        f.write_text("[" + "7" * 5000 + "]")
    else:
        recs = records()
        recs[2]["intervention"]["timestamp"] = "1" * 5000 if case == "timestamp" else "¹²"
        write_json(f, recs)
    assert one_line(cli("parse", f), 2).startswith(f"hemicycle: error: {f}: {expected}")


# 10 — XML nested deeper than any sitting: one line, exit 2.
@pytest.mark.parametrize("levels", [500, 2000])
def test_xml_nested_deeper_than_any_sitting_is_one_line(tmp_path, levels):
    text = SYCERON.read_text("utf-8")
    at = text.index("<texte>La parole est à M. Patrick Hetzel.</texte>")
    f = tmp_path / "profond.xml"
    f.write_text(text[:at] + "<texte>" * levels + "x" + "</texte>" * levels + text[at:], "utf-8")
    line = one_line(cli("parse", f), 2)
    assert line.startswith(f"hemicycle: error: {f}: XML (elements nested more than 100 deep)")


# 10 — zips that zipfile cannot read as they are: one line, exit 2, before any synthesis.
def _zip_of(path: Path, name: str, data: bytes, patch=None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    raw = bytearray(path.read_bytes())
    if patch:
        patch(raw)
    path.write_bytes(bytes(raw))
    return path


def _headers(raw: bytearray):
    """Offsets of the local header and of the central directory entry (one member)."""
    return raw.index(b"PK\x03\x04"), raw.index(b"PK\x01\x02")


def _flag(bit: int):
    def patch(raw):
        local, central = _headers(raw)
        for at in (local + 6, central + 8):
            raw[at] |= bit
    return patch


def _method(raw):
    local, central = _headers(raw)
    raw[local + 8] = raw[central + 10] = 99          # no such compression method


@pytest.mark.parametrize("case, expected", [
    ("encrypted", "extrait.txt: cannot inflate (encrypted: unpack it with its password first)"),
    ("method", "extrait.txt: cannot inflate (That compression method is not supported)"),
    ("name", "not a readable zip ("),
])
def test_zips_that_cannot_be_read_are_one_line(tmp_path, voices, case, expected):
    data = excerpt(SENAT, tmp_path / "extrait.txt", 4).read_bytes()
    z = tmp_path / "seances.zip"
    if case == "name":
        # Flagged UTF-8 (bit 11), but the name is Latin-1 bytes: "séance.txt".
        _zip_of(z, "sXance.txt", data)
        raw = bytearray(z.read_bytes().replace(b"sXance", b"s\xe9ance"))
        local, central = _headers(raw)
        raw[local + 7] |= 0x08
        raw[central + 9] |= 0x08
        z.write_bytes(bytes(raw))
    else:
        _zip_of(z, "extrait.txt", data, _flag(0x1) if case == "encrypted" else _method)
    line = one_line(build(tmp_path, z), 2)
    assert line.startswith(f"hemicycle: error: {z}: ") and expected in line, line
    assert not list((tmp_path / "dist").glob("*/*.m4b"))


# 6 — a zip bomb by count or total size is refused before anything is written.
def test_a_zip_of_too_many_members_is_one_line(tmp_path, voices):
    z = tmp_path / "bombe.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(20_001):
            zf.writestr(f"s{n:05d}.txt", "M. le président. La séance est ouverte.\n")
    assert one_line(build(tmp_path, z), 2) == (
        f"hemicycle: error: {z}: 20001 sittings, more than a zip of sittings holds (20000): "
        "refused")
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_a_zip_larger_than_the_total_cap_is_refused_before_inflating(tmp_path, monkeypatch):
    from pipeline import bulk
    from pipeline.model import InputError
    z = tmp_path / "seances.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("a.txt", "b.txt"):
            zf.write(excerpt(SENAT, tmp_path / name, 4), name)
    size = sum(i.file_size for i in zipfile.ZipFile(z).infolist())
    monkeypatch.setattr(bulk, "MAX_TOTAL", size - 1)
    with pytest.raises(InputError, match=rf"{size} bytes once inflated, more than a zip of "
                                         rf"sittings holds \({size - 1}\): refused"):
        with bulk.sources([z], tmp_path / "dist", scratch=tmp_path / "unzipped"):
            pass
    assert not list((tmp_path / "unzipped").rglob("*.txt"))


def test_zips_unpack_outside_the_out_folder_and_a_killed_builds_leftovers_are_swept(tmp_path):
    from pipeline import bulk
    z = tmp_path / "seances.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(excerpt(SENAT, tmp_path / "a.txt", 4), "a.txt")
    scratch = tmp_path / "cache" / bulk.UNZIPPED
    left = scratch / "999999999-killed" / "seances"        # no such process (above pid_max)
    left.mkdir(parents=True)
    (left / "a.txt").write_text("restes")
    with bulk.sources([z], tmp_path / "dist", scratch=scratch) as files:
        assert [f.name for f in files] == ["a.txt"]
        assert files[0].is_relative_to(scratch) and not (tmp_path / "dist").exists()
        assert not left.exists()
    assert list(scratch.iterdir()) == []


# 7 — two members of one name in different folders are both sittings; one path twice is refused.
def test_zip_members_of_one_name_in_two_folders_are_both_kept(tmp_path):
    from pipeline import bulk
    z = tmp_path / "seances.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(excerpt(SENAT, tmp_path / "s.txt", 4), "2019/seance.txt")
        zf.write(excerpt(AN, tmp_path / "a.txt", 4), "2020/seance.txt")
        zf.write(excerpt(AN, tmp_path / "a.txt", 4), "2020/autre\x07\x1b.txt")   # item 2
    with bulk.sources([z], tmp_path / "dist", scratch=tmp_path / "tmp") as files:
        assert sorted(f.name for f in files) == ["2019-seance.txt", "2020-seance.txt",
                                                   "autre.txt"]
        assert files[0].read_bytes() != files[1].read_bytes()


def test_a_zip_holding_one_path_twice_is_one_line(tmp_path, voices):
    z = tmp_path / "seances.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(excerpt(SENAT, tmp_path / "s.txt", 4), "seance.txt")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.write(excerpt(AN, tmp_path / "a.txt", 4), "seance.txt")
    assert one_line(build(tmp_path, z), 2) == (
        f"hemicycle: error: {z}: seance.txt: two members of this name (which one is the "
        "sitting is unknown): refused")


# 5 — links out of the folder given are never read.
def test_links_leaving_the_folder_are_skipped_with_a_warning(tmp_path):
    from pipeline import bulk
    d = tmp_path / "telechargement"
    (d / "sous").mkdir(parents=True)
    excerpt(SENAT, d / "seance.txt", 4)
    private = excerpt(AN, tmp_path / "prive.txt", 4)
    private.chmod(0o600)
    (d / "prive.txt").symlink_to(private)
    (d / "passwd.txt").symlink_to("/etc/passwd")
    (d / "dehors").symlink_to(tmp_path)                 # a folder outside
    (d / "sous" / "ici.txt").symlink_to(d / "seance.txt")   # inside: kept
    with pytest.warns(UserWarning) as said:
        with bulk.sources([d], tmp_path / "dist") as files:
            assert files == [d / "seance.txt", d / "sous" / "ici.txt"]
    assert sorted(str(w.message) for w in said) == [
        f"{d / 'dehors'}: skipped (a link to a folder outside the one given)",
        f"{d / 'passwd.txt'}: skipped (a link to a file outside the folder given)",
        f"{d / 'prive.txt'}: skipped (a link to a file outside the folder given)"]


# 9 — an out folder inside (or equal to) an input folder: its outputs are not inputs.
@pytest.mark.parametrize("where", ["inside", "equal"])
def test_out_folder_inside_or_equal_to_the_input_folder_rebuilds(tmp_path, voices, where):
    d = tmp_path / "seances"
    d.mkdir()
    excerpt(SENAT, d / "senat.txt", 4)
    out = d / "dist" if where == "inside" else d
    first = build(tmp_path, d, out=out)
    assert first.returncode == 0, first.stderr
    assert (out / "senat" / "senat.m4b").exists() and (out / "feed.xml").exists()
    second = build(tmp_path, d, out=out)
    assert second.returncode == 0 and not second.stderr, second.stderr
    # One sitting, the source (up to date unless the code changed meanwhile).
    assert [l.split(":")[0] for l in second.stdout.splitlines()] == [
        "senat", "podcast feed", "archive index"], second.stdout


# 13, 14 — a closed stdout or a Latin-1 terminal never stops nor misreports the build.
def test_a_closed_stdout_does_not_stop_the_build(tmp_path, voices):
    a, b = excerpt(SENAT, tmp_path / "a.txt", 4), excerpt(AN, tmp_path / "b.txt", 4)
    for inputs in ([a, b], [a]):
        out = tmp_path / f"dist{len(inputs)}"
        p = subprocess.Popen([sys.executable, "-m", "pipeline", "build", *inputs, "--out", out,
                              "--voices", voices, "--cache", tmp_path / "cache", "--cast",
                              tmp_path / "cast.toml", "--force"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        p.stdout.readline()                         # `| head -1`
        p.stdout.close()
        err = p.stderr.read()
        assert p.wait(timeout=900) == 0, err
        assert "Broken pipe" not in err and "Traceback" not in err, err
        assert (out / "feed.xml").exists() and (out / "index.html").exists()
        assert all((out / f.stem / f"{f.stem}.m4b").exists() for f in inputs)


def test_a_latin1_terminal_gets_every_line(tmp_path, voices):
    src = excerpt(SENAT, tmp_path / "extrait.txt", 4)
    p = build(tmp_path, src, env={"PYTHONIOENCODING": "latin-1"})
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert f"? {tmp_path / 'dist' / 'extrait'}" in p.stdout and "podcast feed:" in p.stdout


# 18 — no utterance longer than one breath, whatever the sentence.
def test_an_unpunctuated_100kb_sentence_is_said_in_bounded_breaths(tmp_path):
    """Real words of the Sénat seed without their punctuation, 100 KB in one sentence: cut
    into utterances of at most MAX_UTTERANCE characters, at spaces, no word lost; the EPUB's
    splitter (the same function) gives the same pieces."""
    import re

    from pipeline.parse import parse_file
    from pipeline.segment import MAX_UTTERANCE, segment, split_sentences
    words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", SENAT.read_text("utf-8"))
    body = " ".join(words * (100_000 // len(" ".join(words)) + 1))[:100_000].rsplit(" ", 1)[0]
    f = tmp_path / "phrase.txt"
    f.write_text(f"M. le président. {body}\n", "utf-8")
    debate = parse_file(f)
    said = [u for u in segment(debate) if u.kind == "speech"]
    assert len(said) > 100_000 // MAX_UTTERANCE
    assert max(len(u.text) for u in said) <= MAX_UTTERANCE
    assert " ".join(u.text for u in said) == body
    assert split_sentences(debate.sections[0].items[0].paragraphs[0]) == [u.text for u in said]


def test_long_sentences_break_at_a_pause_first():
    from pipeline.segment import MAX_UTTERANCE, split_sentences
    line = [l for l in SENAT.read_text("utf-8").splitlines() if l.count(",") > 3][0]
    clause = line.split(".")[0]
    sentence = ", ".join([clause] * (2 * MAX_UTTERANCE // len(clause) + 2)) + "."
    pieces = split_sentences(sentence)
    assert len(pieces) > 1 and " ".join(pieces) == sentence
    assert all(p.endswith(",") for p in pieces[:-1]) and pieces[-1].endswith(".")


# 20 — what kill -9 leaves (cache part files, EPUB temp folders) is swept once stale.
def test_a_build_sweeps_stale_part_files_and_epub_folders(tmp_path, voices):
    import tempfile
    import time
    cache = tmp_path / "cache"
    (cache / "ab").mkdir(parents=True)
    stale, fresh = cache / "ab" / ".abcd.part-123-0.pcm", cache / "ab" / ".abce.part-124-0.pcm"
    entry = cache / "ab" / "abcd.pcm"
    epub = Path(tempfile.mkdtemp(prefix="hemicycle-epub-"))
    young = Path(tempfile.mkdtemp(prefix="hemicycle-epub-"))
    other = Path(tempfile.mkdtemp(prefix="hemicycle-epub-notours-"))
    for p in (stale, fresh, entry, epub / "mimetype", young / "mimetype", other / "x"):
        p.write_bytes(b"x")
    hour_ago = time.time() - 3700
    for p in (stale, entry, epub, other):
        os.utime(p, (hour_ago, hour_ago))
    try:
        p = build(tmp_path, excerpt(SENAT, tmp_path / "extrait.txt", 4))
        assert p.returncode == 0, p.stderr
        assert not stale.exists() and not epub.exists()
        assert fresh.exists() and entry.exists() and young.exists() and other.exists()
    finally:
        import shutil
        for d in (epub, young, other):
            shutil.rmtree(d, ignore_errors=True)
