"""Command line: `hemicycle` = `python -m pipeline` (parse | normalize | cast | build | voices).

Bad input is one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.model import InputError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hemicycle", description="Débats parlementaires → livres "
                                "audio (M4B, MP3) et EPUB 3 lu à voix haute.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("parse", help="parse a compte rendu; summary or --json")
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true")

    sub.add_parser("normalize", help="stdin lines → their spoken form, one line per line")

    s = sub.add_parser("cast", help="the voice of each speaker; table or --json")
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true")
    s.add_argument("--voices", type=Path, default=None)
    s.add_argument("--engine", choices=["piper", "mbrola"], default=None)

    s = sub.add_parser("build", help="write DIR/<stem>/<stem>.epub, .m4b, .mp3")
    s.add_argument("files", type=Path, nargs="+")
    s.add_argument("--out", type=Path, default=Path("dist"))
    s.add_argument("--voices", type=Path, default=None)
    s.add_argument("--engine", choices=["piper", "mbrola"], default=None)
    s.add_argument("--workers", type=int, default=None, help="synthesis processes (default: cores)")
    s.add_argument("--cache", type=Path, default=None, help="default: $XDG_CACHE_HOME/hemicycle")
    s.add_argument("--force", action="store_true", help="rebuild even if up to date")
    s.add_argument("--base-url", default=None, help="where DIR is served, for the podcast feed "
                   "(default: $HEMICYCLE_BASE_URL, else DIR as a file:// URL)")
    s.add_argument("--stage", choices=["read", "skip", "cue"], default=None,
                   help="stage directions: read by the narrator, skipped, or a short chime")
    s.add_argument("--granularity", choices=["sentence", "word"], default="sentence",
                   help="EPUB highlighting: by sentence, or by word (Piper voices)")

    s = sub.add_parser("voices", help="voices fetch | list | ensure | measure")
    s.add_argument("action", choices=["fetch", "list", "ensure", "measure"])
    s.add_argument("--voices", type=Path, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args) or 0
    except InputError as e:
        print(f"hemicycle: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hemicycle: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _voices_dir(args) -> Path:
    from pipeline.voices import PROJECT_VOICES
    return args.voices or Path(os.environ.get("HEMICYCLE_VOICES", PROJECT_VOICES))


def cmd_parse(args) -> int:
    from pipeline.parse import parse_file, summary
    debate = parse_file(args.file)
    if args.json:
        print(json.dumps(debate.to_json(), ensure_ascii=False, indent=2))
    else:
        print(summary(debate))
    return 0


def cmd_normalize(args) -> int:
    from pipeline.normalize import normalize
    for line in sys.stdin:
        print(normalize(line.rstrip("\n")), flush=False)
    sys.stdout.flush()
    return 0


def cmd_cast(args) -> int:
    from pipeline.build import pool_for
    from pipeline.cast import cast, cast_table
    from pipeline.parse import parse_file
    debate = parse_file(args.file)
    vdir = _voices_dir(args)
    voices = cast(debate, pool_for(vdir, args.engine), vdir / "cast.toml", vdir)
    if args.json:
        print(json.dumps({k: v.to_json() for k, v in voices.items()}, ensure_ascii=False, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table("intervenant", "genre", "voix", "variante")
        for row in cast_table(debate, voices):
            t.add_row(*row)
        Console().print(t)
    return 0


def cmd_build(args) -> int:
    from pipeline.build import build
    from pipeline.cache import Cache
    for f in args.files:
        r = build(f, args.out, _voices_dir(args), args.engine, Cache(args.cache), args.workers,
                  force=args.force, stage=args.stage, granularity=args.granularity)
        if r.stats is None:
            print(f"{f.stem}: up to date ({r.out_dir})")
        else:
            print(f"{f.stem}: {r.stats.summary()} → {r.out_dir}")
    from pipeline.write.feed import write_feed
    base = args.base_url or os.environ.get("HEMICYCLE_BASE_URL") or args.out.resolve().as_uri() + "/"
    print(f"podcast feed: {write_feed(args.out, base)}")
    return 0


def cmd_voices(args) -> int:
    from pipeline import voices as v
    vdir = _voices_dir(args)
    if args.action == "fetch":
        got = v.fetch(vdir)
        print(f"fetched {len(got)} voice(s) into {vdir}" if got else f"all voices already in {vdir}")
        if any(iv.gender == "unknown" for iv in v.installed(vdir, "piper")):
            args.action = "measure"      # unpublished genders (mls): measure them now
    if args.action == "list":
        rows = v.installed(vdir, "piper") + v.installed(vdir, "mbrola")
        if not rows:
            print("no voice installed: `make voices` (Piper) or the offline engine (espeak-ng + mbrola)")
        by_voice: dict[tuple[str, str], list] = {}
        for iv in rows:
            by_voice.setdefault((iv.engine, iv.voice), []).append(iv.gender)
        for (engine, name), genders in by_voice.items():
            counts = ", ".join(f"{genders.count(g)} {g}" for g in sorted(set(genders)))
            print(f"{engine:7} {name:26} {len(genders):>4} speaker{'s' if len(genders) > 1 else ' '}  {counts}")
    if args.action == "measure":
        from pipeline.gender import measure
        for voice, speakers in measure(vdir).items():
            for sid, (gender, f0) in speakers.items():
                print(f"{voice:24} {sid:>4} {gender:8} median F0 {f0:.0f} Hz")
    if args.action == "ensure":
        return v.ensure(vdir)
    return 0


COMMANDS = {"parse": cmd_parse, "normalize": cmd_normalize, "cast": cmd_cast, "build": cmd_build,
            "voices": cmd_voices}
