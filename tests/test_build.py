"""End to end on the real seeds: transcript → dist/<stem>/ .m4b .mp3 .epub."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from mutagen.id3 import ID3

from pipeline.assemble import loudness, true_peak
from pipeline.build import build
from pipeline.cache import Cache
from pipeline.write.ffmpeg import decode, read_ffmetadata

from conftest import ROOT, SENAT, excerpt


@pytest.fixture(scope="module")
def senat(tmp_path_factory, mbrola_dir):
    """The Sénat seed, whole, with the offline engine (what `make audio` does here)."""
    tmp = tmp_path_factory.mktemp("senat")
    cache = Cache(tmp / "cache")
    r = build(SENAT, tmp / "dist", mbrola_dir, cache=cache, workers=2, progress=False,
              cast_file=tmp / "cast.toml")
    return r, tmp, cache


def test_outputs_exist_and_last_as_long_as_reading_aloud(senat):
    r, tmp, _ = senat
    stem = SENAT.stem
    for ext in (".m4b", ".mp3", ".epub"):
        assert (r.out_dir / f"{stem}{ext}").stat().st_size > 10_000
    words = len(SENAT.read_text("utf-8").split())
    minutes = r.stats.samples / 22050 / 60
    assert 20 < minutes < 60, minutes       # a person reads ≈ 150 words a minute
    assert words / 220 < minutes < words / 100


def test_m4b_chapters_audio_and_loudness(senat):
    r, tmp, _ = senat
    m4b = r.out_dir / f"{SENAT.stem}.m4b"
    tags, chapters = read_ffmetadata(m4b)
    # the agenda's items, the seed's "Débat interactif" a chapter of its own (issue 17)
    titles = [c.title for c in r.timeline.chapters]
    assert [c["title"] for c in chapters] == titles
    assert titles[-2:] == ["Programme Territoires d’industrie", "Débat interactif"]
    assert tags["genre"] == "Speech" and tags["title"] == r.debate.title
    pcm = decode(m4b, 22050)
    assert len(pcm) == r.timeline.total                 # spliced blocks: exactly the book
    assert abs(chapters[-1]["end"] - r.timeline.total / 22050) < 1e-6
    x = pcm.astype(np.float64) / 32768
    assert abs(loudness(x, 22050) + 18) <= 1.0
    assert true_peak(x, 22050) <= -1.5


def test_mp3_id3_chapters(senat):
    r, tmp, _ = senat
    mp3 = r.out_dir / f"{SENAT.stem}.mp3"
    tags = ID3(mp3)
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == [c.title for c in r.timeline.chapters]
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert tags["TCON"].text == ["Speech"] and tags.getall("APIC")
    _, m4b_chapters = read_ffmetadata(r.out_dir / f"{SENAT.stem}.m4b")
    for c, m in zip(chaps, m4b_chapters):
        assert abs(c.start_time / 1000 - m["start"]) < 0.002
    pcm = decode(mp3, 22050)
    assert len(pcm) == r.timeline.total
    assert abs(len(pcm) / 22050 - chaps[-1].end_time / 1000) < 0.001


def test_up_to_date_build_synthesizes_nothing(senat, mbrola_dir):
    r, tmp, cache = senat
    again = build(SENAT, tmp / "dist", mbrola_dir, cache=cache, workers=2, progress=False,
                  cast_file=tmp / "cast.toml")
    assert again.stats is None


def test_one_paragraph_edit_resynthesizes_and_reencodes_only_it(senat, mbrola_dir, tmp_path):
    r, tmp, cache = senat
    encoded = set((cache.root / "encoded").rglob("*.*"))
    assert 0 < len(encoded) <= 2 * len(r.timeline.blocks)   # per paragraph: an AAC and an MP3 block
    text = SENAT.read_text("utf-8")
    old = "Il s’agit en somme de simplifier les choses"
    assert old in text
    edited = tmp_path / SENAT.name
    edited.write_text(text.replace(old, "Il s’agit en somme de simplifier vraiment les choses"))
    r2 = build(edited, tmp_path / "dist", mbrola_dir, cache=cache, workers=2, progress=False,
               cast_file=tmp / "cast.toml")
    assert r2.stats.synthesized == 1 and r2.stats.reused == len(
        {(u.spoken, r.voices[u.speaker].rendering) for u in r.utterances}) - 1
    new = set((cache.root / "encoded").rglob("*.*")) - encoded
    assert sorted(p.suffix for p in new) == [".aac", ".mp3"]      # the edited paragraph only
    assert len(decode(r2.out_dir / f"{edited.stem}.m4b", 22050)) == r2.timeline.total


def test_same_cache_same_bytes(senat, mbrola_dir, tmp_path):
    r, tmp, cache = senat
    r2 = build(SENAT, tmp_path / "dist", mbrola_dir, cache=cache, workers=1, progress=False,
               cast_file=tmp / "cast.toml")
    assert r2.stats.synthesized == 0
    for ext in (".m4b", ".mp3", ".epub"):
        name = f"{SENAT.stem}{ext}"
        assert (r.out_dir / name).read_bytes() == (r2.out_dir / name).read_bytes(), ext


def _cli(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, **kw)


def test_killed_build_resumes_to_identical_outputs(piper_dir, tmp_path):
    src = excerpt(SENAT, tmp_path / "extrait.txt", 30)
    env = {**os.environ, "HEMICYCLE_CACHE": str(tmp_path / "cache")}
    args = ["build", src, "--voices", piper_dir, "--workers", "1"]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args),
                             "--out", tmp_path / "killed"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = tmp_path / "cache"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(cache.rglob("*.pcm"))) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(list(cache.rglob("*.pcm")))
    assert partial >= 5
    assert not (tmp_path / "killed" / src.stem / f"{src.stem}.m4b").exists()
    resumed = _cli(*args, "--out", tmp_path / "killed", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"reused {partial} from cache" in resumed.stdout, resumed.stdout
    fresh = {**env, "HEMICYCLE_CACHE": str(tmp_path / "fresh-cache")}
    whole = _cli(*args, "--out", tmp_path / "whole", env=fresh)    # never interrupted
    assert whole.returncode == 0 and "reused 0 from cache" in whole.stdout, whole.stdout
    for ext in (".m4b", ".mp3", ".epub"):
        a = (tmp_path / "killed" / src.stem / f"{src.stem}{ext}").read_bytes()
        b = (tmp_path / "whole" / src.stem / f"{src.stem}{ext}").read_bytes()
        assert a == b, ext


@pytest.mark.parametrize("content", [None, b"", b"\x00\x01\x02\xff" * 100, b"   \n\n  \n"])
def test_bad_input_one_line_exit_2_no_output(tmp_path, content, mbrola_dir):
    f = tmp_path / "debat.txt"
    if content is not None:
        f.write_bytes(content)
    for cmd in (["parse", f], ["build", f, "--out", tmp_path / "out", "--voices", mbrola_dir]):
        p = _cli(*cmd)
        assert p.returncode == 2, (cmd, p.stdout, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and "debat.txt" in lines[0] and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("mode", ["read", "skip", "cue"])
def test_stage_directions_read_skipped_or_cued(mode, mbrola_dir, tmp_path):
    from pipeline.assemble import Assembly
    src = excerpt(SENAT, tmp_path / "extrait.txt", 20)
    r = build(src, tmp_path / "dist", mbrola_dir, cache=Cache(tmp_path / "c"), progress=False,
              cast_file=tmp_path / "cast.toml", stage=mode)
    stages = [u for u in r.utterances if u.kind == "stage"]
    clips = {c.utterance: c for c in r.timeline.clips}
    assert r.timeline.total == clips[r.utterances[-1].id].end
    if mode == "skip":
        assert not stages and all(u.kind != "stage" for u in r.utterances)
        assert "Applaudissements" not in " ".join(r.stats.calls)
        return
    assert stages
    seconds = [(clips[u.id].end - clips[u.id].start) / 22050 for u in stages]
    if mode == "read":
        assert any(u.spoken in r.stats.calls for u in stages)
        assert all(s > 1.0 for s in seconds)
    else:
        assert not any(u.spoken in r.stats.calls for u in stages)
        config = Assembly.load()
        # a cue is a paragraph of its own: the chime, then a change of speaker's pause, which
        # rounding the block to whole frames keeps inside its heard bounds
        lo, hi = config.heard_ms["speaker"]
        assert all((config.cue_ms + lo) / 1000 - 0.001 <= s <= (config.cue_ms + hi) / 1000 + 0.001
                   for s in seconds), seconds


def test_cli_build_writes_every_output_and_the_feed(mbrola_dir, tmp_path):
    from lxml import etree
    src = excerpt(SENAT, tmp_path / "extrait.txt", 12)
    env = {**os.environ, "HEMICYCLE_CACHE": str(tmp_path / "cache")}
    p = _cli("build", src, "--voices", mbrola_dir, "--out", tmp_path / "dist",
             "--base-url", "https://example.org/debats/", env=env)
    assert p.returncode == 0, p.stderr
    d = tmp_path / "dist" / src.stem
    for name in (f"{src.stem}.m4b", f"{src.stem}.mp3", f"{src.stem}.epub", f"{src.stem}.vtt",
                 f"{src.stem}.chapters.json", "index.html", "episode.json"):
        assert (d / name).stat().st_size > 0, name
        assert (d / name).stat().st_mode & 0o044, f"{name} readable by others"
    rss = etree.parse(str(tmp_path / "dist" / "feed.xml"))
    enclosure = rss.find(".//item/enclosure")
    assert enclosure.get("url") == f"https://example.org/debats/{src.stem}/{src.stem}.mp3"
    assert int(enclosure.get("length")) == (d / f"{src.stem}.mp3").stat().st_size
    again = _cli("build", src, "--voices", mbrola_dir, "--out", tmp_path / "dist", env=env)
    assert "up to date" in again.stdout
