"""Normalizer throughput on every transcript in seeds/ (one core).

Usage: python bench/bench_normalize.py [--repeat N]
Splits each paragraph into sentences (not timed), then times normalize() over
all sentences and prints MB of transcript text per second.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.normalize import normalize, split_sentences  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sentences = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences.extend(split_sentences(line))
    size = sum(len(s.encode("utf-8")) for s in sentences)
    normalize(sentences[0])  # load lexicons and compile regexes outside the timing
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        for s in sentences:
            normalize(s)
        best = min(best, time.perf_counter() - start)
    t0 = time.perf_counter()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            split_sentences(line)
    split_time = time.perf_counter() - t0
    print(f"{len(sentences)} sentences, {size / 1e6:.3f} MB; normalize best of {args.repeat}: "
          f"{best:.3f} s = {size / 1e6 / best:.2f} MB/s; split_sentences: {size / 1e6 / split_time:.2f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
