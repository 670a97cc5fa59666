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


VOICES_HELP = "voices folder (default: $HEMICYCLE_VOICES, else $XDG_DATA_HOME/hemicycle/voices)"
CAST_HELP = ("cast records (default: cast.toml in --voices DIR when given, else "
             "$XDG_DATA_HOME/hemicycle/cast.toml)")


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
    s.add_argument("--voices", type=Path, default=None, help=VOICES_HELP)
    s.add_argument("--cast", type=Path, default=None, help=CAST_HELP)
    s.add_argument("--engine", choices=["piper", "mbrola"], default=None)

    s = sub.add_parser("build", help="write DIR/<stem>/<stem>.epub, .m4b, .mp3")
    s.add_argument("files", type=Path, nargs="+")
    s.add_argument("--out", type=Path, default=Path("dist"))
    s.add_argument("--voices", type=Path, default=None, help=VOICES_HELP)
    s.add_argument("--cast", type=Path, default=None, help=CAST_HELP)
    s.add_argument("--engine", choices=["piper", "mbrola"], default=None)
    s.add_argument("--workers", type=int, default=None,
                   help="synthesis processes (default and most: one per core)")
    s.add_argument("--cache", type=Path, default=None, help="default: $XDG_CACHE_HOME/hemicycle")
    s.add_argument("--force", action="store_true", help="rebuild even if up to date")
    s.add_argument("--base-url", default=None, help="where DIR is served, for the podcast feed "
                   "(default: $HEMICYCLE_BASE_URL, else DIR as a file:// URL)")
    s.add_argument("--stage", choices=["read", "skip", "cue"], default=None,
                   help="stage directions: read by the narrator, skipped, or a short chime")
    s.add_argument("--granularity", choices=["sentence", "word"], default="sentence",
                   help="EPUB highlighting: by sentence, or by word (Piper and MBROLA voices)")
    s.add_argument("--since", default=None, metavar="DATE",
                   help="only the sittings held on or after DATE (YYYY-MM-DD)")
    s.add_argument("--until", default=None, metavar="DATE",
                   help="only the sittings held on or before DATE (YYYY-MM-DD)")
    s.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="synthesize on a Ray cluster: auto (a running local Ray) or "
                        "ray://host:10001 (extra hemicycle[cluster])")

    s = sub.add_parser("voices", help="voices fetch | list | ensure | measure")
    s.add_argument("action", choices=["fetch", "list", "ensure", "measure"])
    s.add_argument("--voices", type=Path, default=None, help=VOICES_HELP)
    return p


class _Terminated(BaseException):
    """SIGTERM, raised where the main thread is, so that every `with` cleans up as on Ctrl-C."""


def _terminate(signum, frame):
    raise _Terminated


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"hemicycle: warning: {message}", file=sys.stderr)


def _say(line: str = "") -> None:
    """A result line on stdout. A reader that went away (`| head -1`) does not stop the build:
    the rest of its output is dropped, the outputs and the feed are still written."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())     # also for the interpreter's flush at exit
        os.close(devnull)


def _terminal_safe() -> None:
    """Any terminal prints every line: what its encoding lacks ("→" on Latin-1, a name's
    undecodable bytes) becomes a replacement character, never an UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def main(argv: list[str] | None = None) -> int:
    """Every failure the user can act on is one line on stderr: bad input, a full or read-only
    disk (exit 2), a tool that failed (exit 1), Ctrl-C (130), SIGTERM (143)."""
    import signal
    import warnings
    from pipeline.errors import ToolError
    _terminal_safe()
    args = _parser().parse_args(argv)
    old_term = signal.signal(signal.SIGTERM, _terminate)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            return COMMANDS[args.command](args) or 0
    except InputError as e:
        print(f"hemicycle: error: {e}", file=sys.stderr)
        return 2
    except ToolError as e:
        print(f"hemicycle: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hemicycle: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("hemicycle: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"hemicycle: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, old_term)


def _voices_dir(args) -> Path:
    from pipeline.config import voices_dir
    return voices_dir(args.voices)


def _cast_file(args) -> Path:
    from pipeline.config import records_path
    return records_path(args.voices, getattr(args, "cast", None))


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(f"hemicycle: warning: {line}", file=sys.stderr)


def cmd_parse(args) -> int:
    from pipeline.parse import parse_file, summary
    from pipeline.terminal import shown     # what the file holds, never a terminal's command
    debate = parse_file(args.file)
    if args.json:
        print(shown(json.dumps(debate.to_json(), ensure_ascii=False, indent=2)))
    else:
        print(shown(summary(debate)))
    return 0


def cmd_normalize(args) -> int:
    from pipeline.config import lexicon_path, load_lexicon
    from pipeline.normalize import normalize
    lexicon = load_lexicon(lexicon_path())
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise InputError(f"<stdin>:{line}: not UTF-8 text") from None
    # One line out per line in: split on "\n" only (str.splitlines would also cut at \x0c…).
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    sys.stdout.write("".join(normalize(line.rstrip("\r"), lexicon) + "\n" for line in lines))
    sys.stdout.flush()
    return 0


def cmd_cast(args) -> int:
    """Read-only: what a build would use; nothing is recorded."""
    from pipeline.cast import cast, cast_json, cast_notes, cast_table
    from pipeline.config import load_cast, load_catalog
    from pipeline.parse import parse_file
    from pipeline.voices import pool_for
    debate = parse_file(args.file)
    vdir = _voices_dir(args)
    pool, recorded = pool_for(vdir, args.engine), load_cast(_cast_file(args))
    voices, _ = cast(debate, pool, load_catalog(vdir), recorded)
    _warn(cast_notes(debate, pool, recorded))
    from pipeline.terminal import shown     # what the file holds, never a terminal's command
    if args.json:
        print(shown(json.dumps(cast_json(debate, voices), ensure_ascii=False, indent=2)))
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text           # not rich markup: "[link=…]" in a name is text
        t = Table("intervenant", "sexe (source)", "voix", "variante")
        for row in cast_table(debate, voices):
            t.add_row(*(Text(shown(cell)) for cell in row))
        Console().print(t)
    return 0


def _distinct_stems(files: list[Path], out: Path) -> list[Path]:
    """The files, each once; two files with one name (senat/seance.txt an/seance.txt) would
    write one out folder: refused, before anything is built."""
    from pipeline.outdir import sitting_stem
    seen: dict[str, Path] = {}
    kept = []
    for f in files:
        other = seen.setdefault(sitting_stem(f).casefold(), f)
        if other is f:
            kept.append(f)
        elif other.resolve() != f.resolve():
            raise InputError(f"{other} and {f} would both be written to {out / sitting_stem(f)}: "
                             "rename one, or build them into different --out folders")
    return kept


def cmd_build(args) -> int:
    """FILE… may be folders and zips of sittings (pipeline/bulk.py)."""
    from pipeline.atomic import sweep_stale
    from pipeline.bulk import UNZIPPED, sources
    from pipeline.cache import Cache
    # After a kill -9, multiprocessing's resource tracker (a child, inheriting this) would warn
    # of the pool's semaphores the kernel frees anyway: two lines for nothing.
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (
        os.environ.get("PYTHONWARNINGS"),
        "ignore::UserWarning:multiprocessing.resource_tracker")))
    cache_root = Cache(args.cache).root
    sweep_stale(cache_root)          # what builds killed by kill -9 left
    with sources(args.files, args.out, args.since, args.until,
                 scratch=cache_root / UNZIPPED) as files:
        return _build_files(args, files)


def _build_files(args, files: list[Path]) -> int:
    """Every file is built, whatever happens to the others: each failure is one line, the feed
    is written for those built, and the exit status is 2 when any failed."""
    from pipeline.config import lexicon_path, load_lexicon
    from pipeline.synth import cores
    files = _distinct_stems(files, args.out)
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: needs at least 1")
    if args.workers and args.workers > cores():
        print(f"hemicycle: --workers {args.workers}: using {cores()}, one per core (and never "
              "more than the sentences to synthesize)", file=sys.stderr)
    lexicon = load_lexicon(lexicon_path())       # the user's pronunciations, read once
    if args.cluster:
        from pipeline.cluster import run
        outcomes = run(args, files, lexicon)
    else:
        outcomes = ((f, _build_one(args, f, lexicon)) for f in files)
    built = failed = 0
    for f, r in outcomes:
        if isinstance(r, str):
            print(f"hemicycle: error: {r}", file=sys.stderr)
            failed += 1
            continue
        built += 1
        _warn(r.warnings)
        if r.stats is None:
            _say(f"{f.stem}: up to date ({r.out_dir})")
        else:
            _say(f"{f.stem}: {r.stats.summary()} → {r.out_dir}; {_engines(r.voices)}")
    if built:
        from pipeline.outdir import lock
        from pipeline.write.feed import write_feed
        base = (args.base_url or os.environ.get("HEMICYCLE_BASE_URL")
                or args.out.resolve().as_uri() + "/")
        with lock(args.out):
            try:
                feed = write_feed(args.out, base)
                from pipeline.write.archive import write_archive
                index = write_archive(args.out)
            except OSError as e:
                raise InputError(f"{args.out}: {e.strerror or e}") from None
        _say(f"podcast feed: {feed}")
        _say(f"archive index: {index}")
    return 2 if failed else 0


def _engines(voices: dict) -> str:
    """Which engine speaks whom, in a few words: 'narrator on kokoro, speakers: 9 kokoro, 14
    mbrola'."""
    from collections import Counter
    from pipeline.model import NARRATOR
    counts = Counter(v.engine for k, v in voices.items() if k != NARRATOR)
    said = ", ".join(f"{n} {e}" for e, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    narrator = voices.get(NARRATOR)
    return (f"narrator on {narrator.engine}, " if narrator else "") + f"speakers: {said or 'none'}"


def _build_one(args, f: Path, lexicon):
    """build() of one file, or the one line that says why it failed."""
    from pipeline.build import build
    from pipeline.cache import Cache
    from pipeline.errors import ToolError
    try:
        return build(f, args.out, _voices_dir(args), args.engine, Cache(args.cache),
                     args.workers, cast_file=_cast_file(args), force=args.force,
                     stage=args.stage, granularity=args.granularity, lexicon=lexicon)
    except (InputError, ToolError) as e:
        return str(e)
    except (KeyboardInterrupt, OSError):
        raise                  # the run's own failures (a full disk, Ctrl-C): main() says them
    except Exception as e:     # a file no rule foresaw: one line, the others are still built
        return unexpected(f, e)


def unexpected(f: Path, e: BaseException) -> str:
    """The one line for an error no rule foresaw in one file's build (a bug to report)."""
    return f"{f}: unexpected {type(e).__name__}: {str(e)[:300]} (please report it)"


def cmd_voices(args) -> int:
    import socket

    from pipeline import voices as v
    vdir = _voices_dir(args)
    socket.setdefaulttimeout(20)     # a stalled download fails instead of hanging `make audio`
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
        from pipeline.voice_pitch import measure
        for voice, speakers in measure(vdir).items():
            for sid, (gender, f0) in speakers.items():
                print(f"{voice:24} {sid:>4} {gender:8} median F0 {f0:.0f} Hz")
    if args.action == "ensure":
        v.ensure(vdir, say=lambda line: print(f"hemicycle: {line}", file=sys.stderr))
    return 0


COMMANDS = {"parse": cmd_parse, "normalize": cmd_normalize, "cast": cmd_cast, "build": cmd_build,
            "voices": cmd_voices}
