"""The archive as a benchmark (issue 23): the 20 whole 16th-legislature open-data sittings built
as one folder with the offline engine, from an empty cache, as a user builds an archive.

    python bench/bench_archive.py [FOLDER] [--sittings N]

FOLDER: the sittings (default tests/fixtures/sources/an-syceron-16/); --sittings N: only the N
smallest files (a loaded machine). Reports the wall time, the hours of audio, the utterances and
the cache's size per hour of audio by kind: raw synthesized audio, mastered audio (stored
against the raw), word times, encoded AAC and MP3 blocks; beside each PCM kind, what the same
audio took as plain PCM (the cache's format 2, before compression).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "fixtures" / "sources" / "an-syceron-16"
SEAL = 16                       # pipeline.cache's header: magic, length, CRC


def cache_sizes(root: Path) -> dict[str, list[int]]:
    """Bytes stored and bytes as plain sealed PCM, by kind of entry."""
    kinds: dict[str, list[int]] = {k: [0, 0] for k in
                                   ("raw", "mastered", "words", "aac blocks", "mp3 blocks")}
    samples_of: dict[str, int] = {}
    mastered = []
    for p in root.glob("??/*"):
        if p.name.endswith(".words.json"):
            kinds["words"][0] += p.stat().st_size
            kinds["words"][1] += p.stat().st_size
        elif p.suffix == ".pcm" and not p.name.startswith("."):
            head = p.open("rb").read(SEAL + 8)
            tag = head[SEAL:SEAL + 4]
            if tag == b"MST1":
                mastered.append(p)
            else:
                n = struct.unpack_from("<I", head, SEAL + 4)[0]
                kinds["raw"][0] += p.stat().st_size
                kinds["raw"][1] += SEAL + 2 * n
                samples_of[p.stem] = n
    for p in mastered:
        data = p.read_bytes()
        n = struct.unpack_from("<I", data, SEAL + 8 + 4)[0]   # the difference's length
        kinds["mastered"][0] += len(data)
        kinds["mastered"][1] += SEAL + 2 * n
    for ext, kind in ((".aac", "aac blocks"), (".mp3", "mp3 blocks")):
        size = sum(p.stat().st_size for p in (root / "encoded").glob(f"??/*{ext}"))
        kinds[kind] = [size, size]
    return kinds


def main() -> None:
    args = sys.argv[1:]
    n = None
    if "--sittings" in args:
        i = args.index("--sittings")
        n = int(args[i + 1])
        del args[i:i + 2]
    folder = Path(args[0]) if args else FOLDER
    files = sorted(folder.glob("*.xml"), key=lambda p: (p.stat().st_size, p.name))
    if n:
        files = files[:n]
    with tempfile.TemporaryDirectory(prefix="hemicycle-bench-archive-") as tmp:
        work = Path(tmp)
        src = work / "sittings"
        src.mkdir()
        for f in files:
            shutil.copy(f, src / f.name)
        (work / "voices").mkdir()
        env = dict(os.environ, XDG_DATA_HOME=str(work / "data"))   # the user's cast untouched
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "pipeline", "build", str(src),
                            "--out", str(work / "out"), "--cache", str(work / "cache"),
                            "--engine", "mbrola", "--voices", str(work / "voices")],
                           cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"bench_archive: the build failed ({p.returncode}):\n{p.stderr[-3000:]}")
        seconds = utterances = 0
        for episode in (work / "out").glob("*/episode.json"):
            seconds += json.loads(episode.read_text("utf-8"))["duration"]
            vtt = episode.parent / f"{episode.parent.name}.vtt"
            utterances += vtt.read_text("utf-8").count(" --> ")
        hours = seconds / 3600
        sizes = cache_sizes(work / "cache")
    print(f"\narchive: {len(files)} open-data sittings from {folder.name}/, offline engine, "
          f"empty cache, {os.cpu_count()} cores")
    print(f"wall time {wall:.0f} s for {hours:.2f} h of audio ({wall / hours:.0f} s per hour), "
          f"{utterances} utterances")
    total = [sum(v[0] for v in sizes.values()), sum(v[1] for v in sizes.values())]
    print("cache per hour of audio      stored    as plain PCM (format 2)")
    for kind, (stored, plain) in [*sizes.items(), ("total", total)]:
        print(f"  {kind:<22} {stored / hours / 1e6:8.1f} MB {plain / hours / 1e6:10.1f} MB")


if __name__ == "__main__":
    main()
