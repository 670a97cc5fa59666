"""Issue 14, hostile but fair input: real builds of short real excerpts (offline engine), run as a
user runs them. Nothing stale, nothing lost, never a traceback."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.cache import Cache

from conftest import ROOT, SENAT, excerpt, unshare

OLD = "Je veux rapidement rappeler"


def cli(*args, env=None, **kw):
    env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, **kw)


def one_line(p, code: int) -> str:
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    return lines[0]


def files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


@pytest.fixture()
def src(tmp_path) -> Path:
    s = excerpt(SENAT, tmp_path / "extrait.txt", 12)
    assert OLD in s.read_text("utf-8")
    return s


def _build(src, out, mbrola_dir, cache, **kw):
    return build(src, out, mbrola_dir, cache=cache, workers=2, progress=False,
                 cast_file=out.parent / "cast.toml", **kw)


# 1 — an interrupted rebuild leaves the previous complete set, and its stamp tells the truth.
def test_interrupted_rebuild_leaves_the_previous_set_and_a_true_stamp(src, tmp_path, mbrola_dir,
                                                                        monkeypatch):
    out, cache = tmp_path / "dist", Cache(tmp_path / "cache")
    _build(src, out, mbrola_dir, cache)
    before = files(out / src.stem)
    original = src.read_text("utf-8")
    src.write_text(original.replace(OLD, "Je veux très rapidement rappeler"), "utf-8")
    import pipeline.write.epub as epub

    def interrupted(*a, **kw):
        time.sleep(1)                  # the page, subtitles and MP3 are written meanwhile
        raise KeyboardInterrupt
    monkeypatch.setattr(epub, "write_epub", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _build(src, out, mbrola_dir, cache)
    monkeypatch.undo()
    assert files(out / src.stem) == before            # not one output replaced
    assert not (out / src.stem / ".hemicycle-tmp").exists()
    src.write_text(original, "utf-8")                   # the edit undone: truly up to date
    assert _build(src, out, mbrola_dir, cache).stats is None
    assert files(out / src.stem) == before


def test_a_second_build_of_one_out_dir_is_refused(src, tmp_path, mbrola_dir):
    from pipeline.outdir import lock
    out = tmp_path / "dist"
    with lock(out):
        p = cli("build", src, "--out", out, "--voices", mbrola_dir,
                env={"HEMICYCLE_CACHE": str(tmp_path / "cache")})
    assert one_line(p, 2) == f"hemicycle: error: another build is writing {out}: wait for it to finish"
    assert not (out / src.stem).exists()


# 15 — "up to date" checks every output it promises.
@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_a_deleted_or_changed_output_is_rebuilt(src, tmp_path, mbrola_dir, damage):
    out, cache = tmp_path / "dist", Cache(tmp_path / "cache")
    _build(src, out, mbrola_dir, cache)
    before = files(out / src.stem)
    assert "cover.png" in before
    for name in ("cover.png", f"{src.stem}.mp3"):
        path = out / src.stem / name
        path.unlink() if damage == "delete" else path.write_bytes(path.read_bytes()[:1000])
        r = _build(src, out, mbrola_dir, cache)
        assert r.stats is not None and r.stats.synthesized == 0
        assert files(out / src.stem) == before


# 2, 3 — decoding.
def test_one_invalid_byte_names_its_line_instead_of_garbling(tmp_path):
    f = tmp_path / "debat.txt"
    data = SENAT.read_bytes()
    at = data.index("président".encode())
    f.write_bytes(data[:at] + b"\xff" + data[at:])
    line = data[:at].count(b"\n") + 1
    msg = one_line(cli("parse", f), 2)
    assert msg.startswith(f"hemicycle: error: {f}:{line}: invalid UTF-8 byte 0xFF"), msg


def test_a_whole_windows_1252_file_is_read_as_such(tmp_path):
    f = tmp_path / "debat.txt"
    f.write_bytes(excerpt(SENAT, tmp_path / "x.txt", 30).read_text("utf-8")
                  .replace("’", "'").encode("cp1252"))
    p = cli("parse", f, "--json")
    assert p.returncode == 0, p.stderr
    assert "Loïc Hervé" in p.stdout and "Ã" not in p.stdout


def test_control_characters_are_removed_and_said_and_the_build_completes(src, tmp_path,
                                                                         mbrola_dir):
    import json
    import zipfile
    text = src.read_text("utf-8").replace(OLD, "Je veux \x01rapidement\x1b[31m rappeler")
    src.write_text(text, "utf-8")
    p = cli("build", src, "--out", tmp_path / "dist", "--voices", mbrola_dir,
            env={"HEMICYCLE_CACHE": str(tmp_path / "cache")})
    assert p.returncode == 0, p.stderr
    assert "2 control character(s) removed" in one_line(p, 0)
    d = tmp_path / "dist" / src.stem
    with zipfile.ZipFile(d / f"{src.stem}.epub") as z:
        book = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
    for got in (book, (d / f"{src.stem}.vtt").read_text(), (d / "index.html").read_text()):
        assert "Je veux rapidement[31m rappeler" in got and "\x01" not in got and "\x1b" not in got
    # Far into a long file too (the binary check samples the first 64 KB only).
    long = tmp_path / "long.txt"
    long.write_text(SENAT.read_text("utf-8") * 3 + "\nM. le président. Fin\x07 de séance.\n")
    assert len(long.read_bytes()) > 65536
    p = cli("parse", long, "--json")
    assert p.returncode == 0 and "\\u0007" not in p.stdout and "Fin de séance" in p.stdout
    assert json.loads(p.stdout)["sections"]


# 4 — out dir and cache checked before synthesis; OS errors are one line; nothing half-written.
def _in_namespace(script: str) -> subprocess.CompletedProcess:
    """`script` in a private mount namespace (tmpfs and read-only mounts, no root needed)."""
    return subprocess.run([*unshare(), "sh", "-ec", script],
                          capture_output=True, text=True, cwd=ROOT)


def _build_cmd(src, out, voices, cache) -> str:
    return (f"HEMICYCLE_CACHE={cache} {sys.executable} -m pipeline build {src} --out {out} "
            f"--voices {voices}")


@pytest.mark.parametrize("which", ["out", "cache"])
def test_read_only_out_or_cache_is_one_line_before_any_synthesis(src, tmp_path, mbrola_dir,
                                                                  which):
    ro = tmp_path / "ro"
    ro.mkdir()
    out, cache = (ro, tmp_path / "cache") if which == "out" else (tmp_path / "dist", ro)
    p = _in_namespace(f"mount --bind {ro} {ro}; mount -o remount,bind,ro {ro}; "
                      f"{_build_cmd(src, out, mbrola_dir, cache)} || echo rc=$?")
    lines = p.stderr.strip().splitlines()
    assert p.stdout.strip().endswith("rc=2"), (p.stdout, p.stderr)
    assert lines == [f"hemicycle: error: {ro}: Read-only file system"], p.stderr
    assert not list((tmp_path / "cache").rglob("*.pcm"))


def test_out_dir_that_is_a_file_is_one_line(src, tmp_path, mbrola_dir):
    (tmp_path / "dist").write_text("not a folder")
    p = cli("build", src, "--out", tmp_path / "dist", "--voices", mbrola_dir,
            env={"HEMICYCLE_CACHE": str(tmp_path / "cache")})
    assert one_line(p, 2) == f"hemicycle: error: {tmp_path / 'dist'}: not a folder"


def test_full_disk_is_one_line_and_keeps_the_previous_set(src, tmp_path, mbrola_dir):
    out, cache = tmp_path / "dist", tmp_path / "cache"
    first = cli("build", src, "--out", out, "--voices", mbrola_dir,
                env={"HEMICYCLE_CACHE": str(cache)})
    assert first.returncode == 0, first.stderr
    before = files(out / src.stem)
    size = sum(map(len, before.values()))
    src.write_text(src.read_text("utf-8").replace(OLD, "Je veux enfin rappeler"), "utf-8")
    full = tmp_path / "full"
    full.mkdir()
    # Room for the previous set and half of a new one.
    p = _in_namespace(f"mount -t tmpfs -o size={size * 3 // 2} tmpfs {full}; "
                      f"cp -r {out}/. {full}/; {_build_cmd(src, full, mbrola_dir, cache)} "
                      f"|| echo rc=$?; cd {full}/{src.stem}; for f in * .[!.]*; do "
                      "echo \"$f $(sha256sum < $f)\"; done")
    assert "rc=2" in p.stdout, (p.stdout, p.stderr)
    assert p.stderr.strip().splitlines() == [
        f"hemicycle: error: {full / src.stem}: No space left on device"], p.stderr
    import hashlib
    listed = dict(line.split(" ", 1) for line in p.stdout.splitlines()[1:])
    assert listed == {name: f"{hashlib.sha256(data).hexdigest()}  -"
                      for name, data in before.items()}


# 7 — damaged cache entries are found, synthesized again and counted.
def test_damaged_cache_entries_are_synthesized_again_and_counted(src, tmp_path, mbrola_dir):
    """Every entry damaged, in turn zero-byte, truncated, noise of the same length: each is
    found (the mastered ones first, then the raw audio they need), made again and counted, and
    the outputs are the same bytes."""
    import numpy as np
    out, cache = tmp_path / "dist", Cache(tmp_path / "cache")
    r = _build(src, out, mbrola_dir, cache)
    entries = sorted(cache.root.glob("??/*.pcm"))
    noise = np.random.default_rng(0)
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes([b"", data[: len(data) // 2],
                           data[:100] + noise.integers(0, 256, len(data) - 100, np.uint8)
                           .tobytes()][i % 3])
    again = _build(src, tmp_path / "again", mbrola_dir, cache)
    assert again.stats.damaged == len(entries)
    assert again.stats.synthesized == r.stats.synthesized and again.stats.reused == 0
    assert f", {len(entries)} damaged cache entries made again," in again.stats.summary()
    assert again.timeline.total == r.timeline.total
    assert files(tmp_path / "again" / src.stem) == files(out / src.stem)


def test_cache_entries_are_synced_before_they_are_renamed(tmp_path, monkeypatch):
    import numpy as np
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}"))
                        or real(fd))
    c = Cache(tmp_path)
    c.put("ab" * 32, np.ones(100, np.int16))
    assert len(synced) == 1 and ".part-" in synced[0]
    assert np.array_equal(c.get("ab" * 32), np.ones(100, np.int16))


# 8, 17 — several files.
def test_two_files_with_one_name_are_refused(src, tmp_path, mbrola_dir):
    (tmp_path / "an").mkdir()
    twin = excerpt(SENAT, tmp_path / "an" / src.name, 8)
    p = cli("build", src, twin, "--out", tmp_path / "dist", "--voices", mbrola_dir)
    assert one_line(p, 2) == (f"hemicycle: error: {src} and {twin} would both be written to "
                              f"{tmp_path / 'dist' / src.stem}: rename one, or build them into "
                              "different --out folders")
    assert not (tmp_path / "dist").exists()


def test_one_bad_file_does_not_stop_the_others_nor_the_feed(src, tmp_path, mbrola_dir):
    bad = tmp_path / "binaire.txt"
    bad.write_bytes(b"\x00\x01\x02\xff" * 100)
    p = cli("build", bad, src, "--out", tmp_path / "dist", "--voices", mbrola_dir,
            env={"HEMICYCLE_CACHE": str(tmp_path / "cache")})
    assert one_line(p, 2) == f"hemicycle: error: {bad}: binary file, not a text transcript"
    assert (tmp_path / "dist" / src.stem / f"{src.stem}.m4b").exists()
    assert src.stem in (tmp_path / "dist" / "feed.xml").read_text()


# 9, 10 — Ctrl-C and SIGTERM during synthesis: one line; nothing left behind.
@pytest.mark.parametrize("sig,code,said", [(signal.SIGINT, 130, "interrupted"),
                                           (signal.SIGTERM, 143, "terminated")])
def test_a_signal_during_synthesis_is_one_line_and_leaves_nothing(src, tmp_path, mbrola_dir,
                                                                  sig, code, said):
    longer = excerpt(SENAT, src, 40)
    tmp, cache, out = tmp_path / "tmp", tmp_path / "cache", tmp_path / "dist"
    tmp.mkdir()
    env = {**os.environ, "HEMICYCLE_CACHE": str(cache), "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "build", longer, "--out", out,
                             "--voices", mbrola_dir, "--workers", "2"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(cache.rglob("??/*.pcm"))) < 3:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    # Ctrl-C reaches the whole foreground group (workers too); `kill` only the build.
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (code, f"hemicycle: {said}\n")
    assert list(tmp.iterdir()) == []
    assert [p.name for p in (out / longer.stem).iterdir()] == []


def test_stale_parts_of_a_killed_build_are_removed(src, tmp_path, mbrola_dir):
    out = tmp_path / "dist"
    d = out / src.stem
    (d / ".hemicycle-tmp" / "hemicycle-blocks-x").mkdir(parents=True)
    (d / ".hemicycle-tmp" / "hemicycle-blocks-x" / "0.raw").write_bytes(b"\0" * 100_000)
    (d / f".{src.stem}.part-k2a8.m4b").write_bytes(b"\0" * 100_000)      # the old layout's
    _build(src, out, mbrola_dir, Cache(tmp_path / "cache"))
    assert sorted(p.name for p in d.iterdir() if p.name.startswith(".")) == [".build.json"]


# 12 — workers.
def test_workers_are_capped_and_zero_is_refused(src, tmp_path, mbrola_dir):
    from pipeline.synth import Synthesizer, cores
    assert Synthesizer({}, Cache(tmp_path), 1000).workers == cores()
    p = cli("build", src, "--out", tmp_path / "dist", "--voices", mbrola_dir, "--workers", "0")
    assert one_line(p, 2) == "hemicycle: error: --workers 0: needs at least 1"
    p = cli("build", src, "--out", tmp_path / "dist", "--voices", mbrola_dir, "--workers", "1000",
            env={"HEMICYCLE_CACHE": str(tmp_path / "cache")})
    assert one_line(p, 0) == (f"hemicycle: --workers 1000: using {cores()}, one per core (and "
                              "never more than the sentences to synthesize)")


# Issue 12 — a tool that fails is one line with its last word, never a traceback.
def test_an_ffmpeg_failure_is_one_line_with_its_last_stderr_line(src, tmp_path, mbrola_dir):
    import imageio_ffmpeg
    fake = tmp_path / "ffmpeg"
    fake.write_text(f"#!/bin/sh\ncase \"$*\" in *-version*) exec {imageio_ffmpeg.get_ffmpeg_exe()}"
                    " \"$@\";; esac\necho 'Input #0, s16le' >&2\n"
                    "echo \"Unknown encoder 'libmp3lame'\" >&2\nexit 1\n")
    fake.chmod(0o755)
    p = cli("build", src, "--out", tmp_path / "dist", "--voices", mbrola_dir,
            env={"HEMICYCLE_CACHE": str(tmp_path / "cache"), "IMAGEIO_FFMPEG_EXE": str(fake)})
    assert one_line(p, 2) == "hemicycle: error: ffmpeg failed: Unknown encoder 'libmp3lame'"
    assert [p.name for p in (tmp_path / "dist" / src.stem).iterdir()] == []


# Issue 26 item 20 — a build killed by SIGKILL takes its synthesis workers with it, silently.
def test_killed_build_leaves_no_worker_and_prints_nothing(tmp_path, mbrola_dir):
    src = excerpt(SENAT, tmp_path / "extrait.txt", 40)
    err = tmp_path / "stderr.txt"
    with open(err, "w") as e:
        p = subprocess.Popen([sys.executable, "-m", "pipeline", "build", src, "--out",
                              tmp_path / "dist", "--cache", tmp_path / "cache", "--voices",
                              mbrola_dir, "--workers", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=e)
        deadline = time.monotonic() + 300
        while len(list((tmp_path / "cache").glob("??/*.pcm"))) < 3 and p.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)], capture_output=True,
                            text=True).stdout.split()
        workers = [int(x) for x in ps]
        assert p.poll() is None and len(workers) >= 2, (p.poll(), workers)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        time.sleep(5)
    def alive(pid):
        try:
            return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
        except FileNotFoundError:
            return False
    assert [w for w in workers if alive(w)] == []
    assert err.read_text() == ""
