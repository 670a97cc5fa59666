"""Atomic file writes: a temp file beside the target, renamed over it only when complete, so
no reader (nor a build killed mid-write) ever sees a half-written output.

Inside `staged(dir)`, writes into `dir` go further: every temp file waits in the folder's own
scratch folder (TMP) and all are renamed into place together at the end, so the folder holds the
previous complete set of outputs or the new one, never a mix. A build killed before that leaves
only its scratch folder, which the next build removes (`clear_stale`).
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

TMP = ".hemicycle-tmp"

_STAGED: dict[Path, "Staging"] = {}     # folder → its open staging, while a build writes it
_GUARD = threading.Lock()               # the writers run in threads
_COUNT = itertools.count()


def file_seen(path: Path) -> list:
    """[size, SHA-256] of a file: what a build's stamp records of each output."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
        size = os.fstat(f.fileno()).st_size
    return [size, h.hexdigest()]


class Staging:
    def __init__(self, folder: Path):
        self.folder = folder
        self.scratch = folder / TMP
        self.pending: dict[Path, Path] = {}        # target → its complete temp file
        # target → its temp file's file_seen, hashed as soon as it is complete, beside the
        # writers still running (the books are hundreds of MB: hashing them all at the end
        # was a tenth of a rebuild). hashlib lets go of the GIL.
        self.seen: dict[Path, Future] = {}
        self._hashing: ThreadPoolExecutor | None = None

    def hash(self, target: Path, tmp: Path) -> None:
        if self._hashing is None:
            self._hashing = ThreadPoolExecutor(2)
        self.seen[target] = self._hashing.submit(file_seen, tmp)

    def close(self) -> None:
        if self._hashing is not None:
            self._hashing.shutdown(wait=True)

    def publish(self) -> list[Path]:
        """Rename every pending file into place; the targets, in name order."""
        for target in sorted(self.pending):
            os.replace(self.pending[target], target)
        done, self.pending = sorted(self.pending), {}
        return done


def clear_stale(folder: Path) -> None:
    """What killed builds left in `folder`: its scratch folder and stray part files. Only call
    it holding the folder's build lock."""
    shutil.rmtree(Path(folder) / TMP, ignore_errors=True)
    for p in Path(folder).glob(".*.part-*"):
        p.unlink(missing_ok=True)


STALE_AFTER = 3600        # seconds: no temp file of a running build is that old unmodified
# The folders tempfile makes for a build in the system's temp folder (the EPUB's, the engines'):
# a prefix, then tempfile's 8 random characters.
_TEMP_DIRS = re.compile(r"hemicycle-(?:epub-)?[a-z0-9_]{8}")


def sweep_stale(cache_root: Path | None = None, now: float | None = None) -> None:
    """What builds killed by a signal no handler sees (kill -9, a power loss) left behind
    and no later build would reuse: temp files of cache entries (`.<key>.part-*`) and the
    system temp folder's hemicycle folders, once older than STALE_AFTER and ours. A running
    build's own are younger: they live seconds."""
    now = time.time() if now is None else now
    old = lambda p: now - p.lstat().st_mtime > STALE_AFTER and p.lstat().st_uid == os.getuid()
    if cache_root is not None:
        for p in Path(cache_root).glob("*/.*.part-*"):
            with contextlib.suppress(OSError):
                if old(p):
                    p.unlink()
    for p in Path(tempfile.gettempdir()).glob("hemicycle-*"):
        with contextlib.suppress(OSError):
            if _TEMP_DIRS.fullmatch(p.name) and not p.is_symlink() and p.is_dir() and old(p):
                shutil.rmtree(p, ignore_errors=True)


@contextmanager
def staged(folder: Path) -> Iterator[Staging]:
    """Writes into `folder` wait until the caller calls `publish()`; on an error they are
    dropped and the folder is left as it was."""
    folder = Path(folder)
    stage = Staging(folder)
    stage.scratch.mkdir(parents=True, exist_ok=True)
    key = folder.resolve()
    with _GUARD:
        _STAGED[key] = stage
    try:
        yield stage
    finally:
        with _GUARD:
            _STAGED.pop(key, None)
        stage.close()
        shutil.rmtree(stage.scratch, ignore_errors=True)


def scratch() -> Path | None:
    """The open staging's scratch folder (temp files of a build live beside its outputs, and go
    with them), or None: the system's temp folder."""
    with _GUARD:
        stages = list(_STAGED.values())
    return stages[-1].scratch if stages else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path, durable: bool = False) -> Iterator[Path]:
    """Yields a temp path; on success it becomes `path` (with ordinary 0644-style permissions,
    not mkstemp's 0600), synced to disk first when `durable` (a power loss then leaves the old
    file or the whole new one: the cache's entries; outputs are checked by the build's stamp,
    and syncing them cost 4 % of a rebuild); on failure it is removed."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:             # named by the folder, as the user knows it
        raise OSError(e.errno, e.strerror, str(path.parent)) from None
    with _GUARD:
        stage = _STAGED.get(path.parent.resolve())
    # Same suffix as the target: tools like ffmpeg pick the format from it; but a durable
    # file's (a cache entry's) ends otherwise, so that no listing of entries (*.pcm) counts
    # one still being synced. Created 0666 less the umask, as any file the user makes
    # (mkstemp's 0600 would hide outputs from a server).
    suffix = f"{path.suffix}.tmp" if durable else path.suffix
    while True:
        tmp = (stage.scratch if stage else path.parent) / (
            f".{path.stem}.part-{os.getpid()}-{next(_COUNT)}{suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:          # left by a killed process that had our pid
            continue
        except OSError as e:
            raise OSError(e.errno, e.strerror, str(path.parent)) from None
    try:
        yield Path(tmp)
        if durable:
            _fsync(Path(tmp))
        if stage:
            with _GUARD:
                old = stage.pending.get(path)
                stage.pending[path] = Path(tmp)
                stage.hash(path, Path(tmp))
            if old:
                old.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        if e.filename is None or ".part-" in os.fsdecode(e.filename):
            raise OSError(e.errno, e.strerror, str(path.parent)) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes, durable: bool = False) -> None:
    with atomic_path(path, durable) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
