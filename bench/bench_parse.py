"""Parser throughput: MB of transcript per second on one core.

    .venv/bin/python bench/bench_parse.py [--mb 4] [--repeat 3]

The input is every file of seeds/ concatenated and repeated up to the requested size (numbered
agenda items and chair changes included); the best of --repeat runs is reported. Target ≥ 2 MB/s.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.parse import parse_text  # noqa: E402
from pipeline.parse.apostrophes import lexicon  # noqa: E402

TARGET = 2.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=4.0, help="size of the input in MB (default 4)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    seeds = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    one = "\n".join(seeds)
    n = max(1, int(args.mb * 1e6 / len(one.encode("utf-8"))))
    text = "\n".join([one] * n)
    size = len(text.encode("utf-8")) / 1e6
    lexicon()                                   # loaded once per process, not per transcript
    best = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.repeat):
            t = time.perf_counter()
            d = parse_text(text, "<bench>")
            best = min(best, time.perf_counter() - t)
    turns = sum(1 for s in d.sections for i in s.items if i.kind == "speech")
    rate = size / best
    print(f"parse: {size:.2f} MB, {len(d.sections)} sections, {turns} speech items in {best:.3f} s "
          f"→ {rate:.2f} MB/s (target ≥ {TARGET} MB/s) {'OK' if rate >= TARGET else 'SLOW'}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
