"""The out folder of a build: one build at a time (a lock), checked writable before any
synthesis, outputs published together, and a stamp that describes exactly the files on disk.

The stamp (`.build.json`) holds the digest of the build's inputs and the size and SHA-256 of
every output it published (by content, not modification time: the stamp too is the same bytes
for the same inputs; hashing costs ≈ 90 ms for a whole seed's outputs). It is removed before the first output is replaced and written after
the last: an interrupted build, a deleted or changed output, all read as "not up to date".
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import sys
import threading
import unicodedata
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from pipeline.atomic import Staging, clear_stale, file_seen, staged, write_text
from pipeline.model import InputError

STAMP = ".build.json"
LOCK = ".hemicycle.lock"

# What the out folder holds itself (the archive index and its search data, the feed and its
# image: pipeline/write/archive.py, feed.py): no sitting's folder may take these names.
OWN_NAMES = ("index.html", "archive-index.js", "feed.xml", "feed.png")
# Names Windows gives to devices, whatever the extension ("con.txt" is the console).
_DEVICES = {"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10))}
_UNSAFE = re.compile(r'[<>:"/\\|?*]')   # not allowed in a name on Windows / FAT / SMB shares
_MOST_BYTES = 180     # + ".chapters.json" and a temp file's ".part-<pid>-<n>" stay under 255

_HELD: dict[Path, list] = {}            # out folder → [open lock file, depth]: re-entrant
_GUARD = threading.Lock()


def _say(folder: Path, e: OSError) -> InputError:
    return InputError(f"{folder}: {e.strerror or e}")


@contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold `out`'s build lock (created if needed); another process holding it is an error.
    The kernel drops the lock with its holder, so a killed build leaves none behind."""
    out = Path(out)
    key = out.resolve()
    with _GUARD:
        held = _HELD.get(key)
        if held:
            held[1] += 1
    if not held:
        check_writable(out)
        try:
            f = open(out / LOCK, "a")
        except OSError as e:
            raise _say(out, e) from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise InputError(f"another build is writing {out}: wait for it to finish") from None
        with _GUARD:
            held = _HELD[key] = [f, 1]
    try:
        yield
    finally:
        with _GUARD:
            held[1] -= 1
            if held[1] == 0:
                _HELD.pop(key)
                held[0].close()


def sitting_stem(file: Path) -> str:
    """The name of a sitting's folder in `--out` and of its outputs, from its file's name: one
    plain name on every file system and in every locale. Bytes that are not UTF-8 read as
    Windows-1252 (as the file's text would be); controls and invisible format characters, and
    the characters Windows refuses, become "_"; no leading dot (".." or a hidden folder) nor
    trailing dot or space; not a Windows device name nor a name the out folder holds itself
    (OWN_NAMES); at most 180 bytes; what the file system's encoding cannot write becomes "_".
    A name left empty is "seance-" and a digest of the file's name."""
    raw = os.fsencode(Path(file).name)
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("cp1252", errors="replace")
    name = unicodedata.normalize("NFC", name)
    stem = name[: -len(Path(name).suffix) or None] if Path(name).suffix else name
    stem = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") else c
                   for c in stem)
    stem = _UNSAFE.sub("_", stem).lstrip(". ").rstrip(". ")
    encoding = sys.getfilesystemencoding()
    stem = "".join(c if _encodable(c, encoding) else "_" for c in stem)
    if not stem.strip("_"):
        return "seance-" + hashlib.sha256(raw).hexdigest()[:8]
    if stem.split(".")[0].casefold() in _DEVICES:
        stem = "_" + stem
    if stem.casefold() in OWN_NAMES:
        stem += "_"
    if len(stem.encode("utf-8")) > _MOST_BYTES:
        cut = stem.encode("utf-8")[:_MOST_BYTES - 9].decode("utf-8", errors="ignore")
        stem = cut.rstrip(". ") + "-" + hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
    return stem


def _encodable(c: str, encoding: str) -> bool:
    try:
        c.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def sitting_folder(out: Path, file: Path) -> Path:
    """`out`/<sitting_stem(file)>, proven inside `out` (a link there that leads elsewhere is
    refused: the outputs are written into the folder given, nowhere else)."""
    out = Path(out)
    folder = out / sitting_stem(file)
    if folder.parent != out or not folder.resolve().is_relative_to(out.resolve()) \
            or folder.resolve() == out.resolve():
        raise InputError(f"{folder}: leads out of {out}: its outputs would be written "
                         "elsewhere; remove it or build into another --out folder")
    return folder


def check_writable(*folders: Path) -> None:
    """Each folder exists (made if needed) and takes a file: else one line naming it."""
    for folder in map(Path, folders):
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder}: not a folder")
        probe = folder / f".hemicycle-probe-{os.getpid()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise _say(folder, e) from None


class Writing:
    """A build writing its out folder. `where`: the folder an OSError is reported against (the
    cache while synthesizing, the out folder while writing)."""

    def __init__(self, out_dir: Path, stage: Staging | None, where: Path):
        self.out_dir, self.stage, self.where = out_dir, stage, where


@contextmanager
def writing(out: Path, out_dir: Path, cache_root: Path, locked: bool = False
            ) -> Iterator[Writing]:
    """Lock `out` (unless the caller holds its lock: `locked`), check it and the cache writable,
    clear what killed builds left, stage the outputs; any OSError inside is one line naming the
    folder, and no output is replaced."""
    with nullcontext() if locked else lock(out):
        check_writable(out_dir, cache_root)
        clear_stale(out_dir)
        w = Writing(out_dir, None, cache_root)
        try:
            with staged(out_dir) as w.stage:
                yield w
        except OSError as e:
            raise _say(_folder(e, w.where, out_dir, cache_root), e) from None


def _folder(e: OSError, where: Path, *known: Path) -> Path:
    """The folder to name: the known one (out folder, cache) holding the file that failed, else
    the file's own folder, else the folder being written when it failed."""
    if not e.filename:
        return where
    failed = Path(os.fsdecode(e.filename)).absolute()
    for folder in known:
        if failed.is_relative_to(Path(folder).absolute()):
            return folder
    return failed.parent


def up_to_date(out_dir: Path, inputs: str) -> bool:
    """The stamp is for these inputs and every output it lists is on disk, unchanged."""
    try:
        stamp = json.loads((out_dir / STAMP).read_text("utf-8"))
        if stamp["inputs"] != inputs or not stamp["outputs"]:
            return False
        return all(file_seen(out_dir / name) == seen for name, seen in stamp["outputs"].items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def publish(w: Writing, inputs: str) -> None:
    """Every staged output into place, between removing the old stamp and writing the new."""
    (w.out_dir / STAMP).unlink(missing_ok=True)
    # Each output was hashed as soon as it was staged (Staging.hash), beside the other writers.
    seen = {t: w.stage.seen[t].result() for t in w.stage.pending}
    targets = list(w.stage.publish())
    outputs = {t.name: seen[t] for t in targets}
    write_text(w.out_dir / STAMP, json.dumps({"inputs": inputs, "outputs": outputs},
                                             sort_keys=True, indent=1))
    w.stage.publish()
