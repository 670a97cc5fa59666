"""Build debates at word level and check their word clips (what tests/test_offline_words.py
checks on a sample, here on whole seeds): every word clip non-empty, inside its sentence's
clip, in order; none longer than 2.5 s but the sentence's last (it holds the pause after).
Prints, per engine, the share of sentences with word times and the word lengths.

    .venv/bin/python tools/word_times.py seeds/*.txt [--cache DIR] [--out DIR] [--voices DIR]

Exit status 1 when a clip breaks a rule.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.build import build          # noqa: E402
from pipeline.cache import Cache          # noqa: E402

LONGEST_S = 2.5


def check(result) -> tuple[dict, list[str]]:
    """Per engine: sentences, sentences with word times, lengths (s) of words but the last;
    and every rule broken, as text."""
    tl, rate = result.timeline, result.timeline.rate
    words = defaultdict(list)
    for w in tl.words:
        words[w.utterance].append(w)
    engine_of = {u.id: result.voices[u.speaker].engine for u in result.utterances}
    stats: dict = defaultdict(lambda: {"sentences": 0, "timed": 0, "lengths": []})
    broken = []
    for clip in tl.clips:
        s = stats[engine_of[clip.utterance]]
        s["sentences"] += 1
        ws = words.get(clip.utterance)
        if not ws or len(ws) == 1:
            s["timed"] += bool(ws)
            continue
        s["timed"] += 1
        edges = [w.start for w in ws] + [ws[-1].end]
        if edges[0] != clip.start or edges[-1] != clip.end:
            broken.append(f"{clip.utterance}: words outside the clip")
        if any(a >= b for a, b in zip(edges, edges[1:])):
            broken.append(f"{clip.utterance}: an empty word or words out of order")
        inner = [(b - a) / rate for a, b in zip(edges, edges[1:-1])]
        broken += [f"{clip.utterance}: word {k} lasts {x:.2f} s"
                   for k, x in enumerate(inner) if x > LONGEST_S]
        s["lengths"] += inner
    return stats, broken


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path("/tmp/hemicycle-word-times"))
    ap.add_argument("--voices", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    failed = False
    for f in args.files:
        t0 = time.perf_counter()
        r = build(f, args.out, args.voices, cache=Cache(args.cache) if args.cache else None,
                  workers=args.workers, progress=False, granularity="word", force=True,
                  cast_file=args.out / "cast.toml")
        seconds = time.perf_counter() - t0
        stats, broken = check(r)
        print(f"{f.name}: built at word level in {seconds:.0f} s, {len(r.timeline.words)} "
              f"word clips")
        for engine, s in sorted(stats.items()):
            line = (f"  {engine}: {s['timed']}/{s['sentences']} sentences with word times "
                    f"({100 * s['timed'] / s['sentences']:.1f} %)")
            if s["lengths"]:
                x = np.array(s["lengths"])
                line += (f"; words but the last: median {np.median(x):.3f} s, 95th percentile "
                         f"{np.percentile(x, 95):.3f} s, longest {x.max():.3f} s")
            print(line)
        for line in broken[:20]:
            print("  BROKEN", line)
        failed |= bool(broken)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
