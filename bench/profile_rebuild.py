"""Where a build's time goes, stage by stage (issue 27): each stage of pipeline/build.py and each
writer timed in place (the writers run in threads, which cProfile alone would not see), plus
the driver's cProfile top functions. Run it on a rebuild after a one-paragraph edit:

    .venv/bin/python bench/profile_rebuild.py SITTING --out DIR --cache DIR [--voices DIR]
        [--engine mbrola] [--top 25]

Also prints the process's CPU time: on a shared machine the wall time is noisy, the CPU less so.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


TIMED = {
    "pipeline.build": ["plan", "assemble", "up_to_date", "publish", "_write"],
    "pipeline.synth": ["Synthesizer.run"],
    "pipeline.write.splice": ["encode_blocks"],
    "pipeline.write.audiobook": ["write_m4b", "write_mp3"],
    "pipeline.write.epub": ["write_epub"],
    "pipeline.write.web": ["write_page"],
    "pipeline.write.vtt": ["write_vtt"],
    "pipeline.write.feed": ["write_chapters_json", "write_episode"],
    "pipeline.write.cover": ["cover"],
}
SPENT: dict[str, list[float]] = {}
_LOCK = threading.Lock()


def _timed(name, f):
    @functools.wraps(f)
    def run(*a, **k):
        t0 = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            with _LOCK:
                SPENT.setdefault(name, []).append(time.perf_counter() - t0)
    return run


def instrument() -> None:
    import importlib
    for mod, names in TIMED.items():
        m = importlib.import_module(mod)
        for name in names:
            owner, attr = (getattr(m, name.split(".")[0]), name.split(".")[1]) \
                if "." in name else (m, name)
            if hasattr(owner, attr):
                setattr(owner, attr, _timed(name, getattr(owner, attr)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--voices", type=Path)
    ap.add_argument("--engine")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    instrument()
    from pipeline.build import build
    from pipeline.cache import Cache
    prof = cProfile.Profile()
    c0, t0 = os.times(), time.perf_counter()
    r = prof.runcall(build, args.file, args.out, args.voices, args.engine, Cache(args.cache),
                     progress=False)
    wall, c1 = time.perf_counter() - t0, os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    child = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    print(f"{args.file.name}: {wall:.2f} s wall, {cpu:.2f} s CPU (+ {child:.2f} s in "
          f"subprocesses: ffmpeg, engines); "
          f"{r.stats.synthesized if r.stats else 0} utterance(s) synthesized")
    for name, spent in sorted(SPENT.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:22s} {sum(spent):7.2f} s  {100 * sum(spent) / wall:5.1f} %"
              + (f"  ({len(spent)} calls)" if len(spent) > 1 else ""))
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
