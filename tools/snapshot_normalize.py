"""Regenerate tests/normalize/snapshot_seeds.txt: the normalizer's own output on sentences of
seeds/, a snapshot (it catches changes; the hand-written gold is tests/normalize/gold_*.txt).

Usage: .venv/bin/python tools/snapshot_normalize.py [--check]
Keeps the file's sentences (their `written` side) and rewrites each `spoken` side with
normalize() (built-in lexicon only); review `git diff` before committing it. --check: exit 1
and list the entries that would change, without writing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.normalize import normalize  # noqa: E402

SNAPSHOT = ROOT / "tests" / "normalize" / "snapshot_seeds.txt"
HEADER = ("# written~spoken: a SNAPSHOT of the normalizer's output on sentences of seeds/ (Sénat and\n"
          "# Assemblée nationale), cut by split_sentences. Regenerate with\n"
          "#   .venv/bin/python tools/snapshot_normalize.py\n"
          "# and review the diff; hand-written expectations belong in gold_*.txt.\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    written = [line.partition("~")[0] for line in SNAPSHOT.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    lines = [f"{w}~{normalize(w)}" for w in written]
    text = HEADER + "\n".join(lines) + "\n"
    if args.check:
        old = set(SNAPSHOT.read_text(encoding="utf-8").splitlines())
        changed = [line for line in lines if line not in old]
        print("\n".join(changed) or f"{len(lines)} entries, unchanged")
        return 1 if changed else 0
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"{SNAPSHOT.relative_to(ROOT)}: {len(lines)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
