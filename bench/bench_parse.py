"""Parser throughput: MB of transcript per second on one core.

    .venv/bin/python bench/bench_parse.py [--mb 4] [--repeat 3]

The input is every file of seeds/ concatenated and repeated up to the requested size (numbered
agenda items and chair changes included); the best of --repeat runs is reported. Target ≥ 2 MB/s.
Then each reader of official sources on its real sample (tests/fixtures/sources/; the AN XML
extract's <contenu> repeated to about 2 MB), from bytes as `parse_file` reads them, best of
--repeat in CPU time: target ≥ 5 MB/s for HTML, XML and JSON.
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
READER_TARGET = 5.0
SOURCES = ROOT / "tests" / "fixtures" / "sources"


def _grown_xml(path: Path, mb: float) -> bytes:
    """The AN open-data sample with its <contenu> repeated up to about ``mb`` MB."""
    raw = path.read_bytes()
    a, b = raw.index(b"<contenu>") + len(b"<contenu>"), raw.index(b"</contenu>")
    return raw[:a] + raw[a:b] * max(1, int(mb * 1e6 / (b - a))) + raw[b:]


def bench_readers(repeat: int) -> bool:
    """CPU time of this process (process_time): the machine may be shared, a wall clock would
    measure the neighbours."""
    from pipeline.parse import decode, parse_text
    from pipeline.parse.xml import parse_xml
    ok = True
    html_path = SOURCES / "20130134.asp"
    json_path = SOURCES / "senat_2010-05-19_2130_seance-707.json"
    xml = _grown_xml(SOURCES / "CRSANR5L15S2021E1N009_extrait.xml", 2.0)
    cases = (("AN HTML", html_path.read_bytes(), lambda b: parse_text(decode(b, "x.asp"), "x.asp")),
             ("AN open-data XML", xml, lambda b: parse_xml(b, "x.xml")),
             ("NosSénateurs JSON", json_path.read_bytes(), lambda b: parse_text(decode(b, "x.json"), "x.json")))
    for name, data, parse in cases:
        size = len(data) / 1e6
        n = max(1, int(2.0 / size))                 # about 2 MB read per run
        best = float("inf")
        for _ in range(repeat):
            t = time.process_time()
            for _ in range(n):
                parse(data)
            best = min(best, (time.process_time() - t) / n)
        rate = size / best
        ok &= rate >= READER_TARGET
        print(f"parse {name}: {size:.3f} MB in {best * 1000:.1f} ms CPU → {rate:.2f} MB/s "
              f"(target ≥ {READER_TARGET} MB/s) {'OK' if rate >= READER_TARGET else 'SLOW'}")
    return ok


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
    readers_ok = bench_readers(args.repeat)
    return 0 if rate >= TARGET and readers_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
