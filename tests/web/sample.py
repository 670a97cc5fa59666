"""The test input of tests/test_web.py and tests/test_feed.py: a real excerpt of the Sénat seed,
built for real with the offline engine, then passed through this issue's writers."""
from __future__ import annotations

from pathlib import Path

from conftest import SENAT, excerpt
from pipeline.build import build
from pipeline.cache import Cache
from pipeline.write.cover import cover
from pipeline.write.feed import write_chapters_json, write_episode
from pipeline.write.vtt import write_vtt
from pipeline.write.web import write_page

LINES = 25      # four speakers, two sections, stage directions: enough to exercise everything


def build_sample(tmp_path_factory, voices_dir: Path):
    """The build Result, its files written as the lead's _write will. The synthesis cache is
    shared by the test modules, so only the first one synthesizes."""
    tmp = tmp_path_factory.mktemp("web-sample")
    src = excerpt(SENAT, tmp / f"{SENAT.stem}.txt", LINES)
    cache = Cache(tmp_path_factory.getbasetemp() / "web-sample-cache")
    r = build(src, tmp / "dist", voices_dir, cache=cache, cast_file=tmp / "cast.toml",
              progress=False)
    assert r.timeline is not None
    stem = src.stem
    write_page(r.out_dir / "index.html", r.debate, r.utterances, r.timeline, r.voices,
               f"{stem}.mp3", [("MP3", f"{stem}.mp3"), ("EPUB", f"{stem}.epub")])
    write_vtt(r.out_dir / f"{stem}.vtt", r.debate, r.utterances, r.timeline)
    write_chapters_json(r.out_dir / f"{stem}.chapters.json", r.debate, r.timeline)
    write_episode(r.out_dir, stem, r.debate, r.timeline, cover(r.debate))
    return r, stem
