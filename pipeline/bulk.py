"""Bulk inputs for `build`: folders and zips of sittings, and --since/--until date filters.

A folder gives every file in it (and below) whose name ends in one of SUFFIXES, in path order;
which reader parses it is still decided by its content (pipeline.parse). A zip (the Assemblée's
open-data "Comptes rendus" zip as downloaded, or any other) is read member by member into a
temporary folder under the out folder, removed when the build ends: nothing is unpacked into the
source tree, and the build's stamp (which hashes the parsed debate, not the file's path) skips
the sittings already built from an earlier copy of the same zip.
"""
from __future__ import annotations

import contextlib
import datetime
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from pipeline.model import InputError

SUFFIXES = (".txt", ".xml", ".json", ".asp", ".html", ".htm")
# A member larger than this once inflated is refused (a zip bomb, not a sitting: the longest
# Syceron sittings are about 5 MB).
MAX_MEMBER = 200 * 1024 * 1024


def parse_date(flag: str, value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} {value}: not a date (YYYY-MM-DD)") from None


def _wanted(name: str) -> bool:
    p = PurePosixPath(name)
    return (p.suffix.lower() in SUFFIXES and not any(part.startswith((".", "__MACOSX"))
                                                     for part in p.parts))


def _unzip(archive: Path, dest: Path) -> list[Path]:
    """The zip's sittings copied to dest, flat (the stem names the out folder, as for a file)."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{archive}: not a readable zip ({e})") from None
    out: list[Path] = []
    with zf:
        folder = dest / archive.stem
        folder.mkdir(parents=True, exist_ok=True)
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not _wanted(info.filename):
                continue
            if info.file_size > MAX_MEMBER:
                raise InputError(f"{archive}: {info.filename}: {info.file_size} bytes once "
                                 f"inflated, more than a sitting ({MAX_MEMBER})")
            target = folder / PurePosixPath(info.filename).name    # no "../" can escape dest
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
                raise InputError(f"{archive}: {info.filename}: cannot inflate ({e})") from None
            out.append(target)
    return out


def _folder(d: Path) -> list[Path]:
    return [p for p in sorted(d.rglob("*"))
            if p.is_file() and _wanted(p.relative_to(d).as_posix())]


def _in_range(f: Path, since: datetime.date | None, until: datetime.date | None) -> bool:
    """A sitting of unknown date is outside any range; one that does not parse is kept, so
    that the build reports it as it reports any bad file."""
    from pipeline.parse import parse_file
    try:
        date = parse_file(f).date
    except InputError:
        return True
    if date is None:
        return False
    d = datetime.date.fromisoformat(date)
    return (since is None or d >= since) and (until is None or d <= until)


@contextlib.contextmanager
def sources(paths: list[Path], out: Path, since: str | None = None,
            until: str | None = None) -> Iterator[list[Path]]:
    """The files to build: each path a file, a folder or a zip; filtered on the sittings'
    dates when since/until ("YYYY-MM-DD", inclusive) are given. Zips are unpacked under `out`
    for the duration of the `with`."""
    lo, hi = parse_date("--since", since), parse_date("--until", until)
    if lo and hi and lo > hi:
        raise InputError(f"--since {since} is after --until {until}: no sitting can match")
    with contextlib.ExitStack() as stack:
        files: list[Path] = []
        for p in map(Path, paths):
            if p.is_dir():
                found = _folder(p)
                if not found:
                    raise InputError(f"{p}: no sitting in this folder (files ending in "
                                     f"{', '.join(SUFFIXES)})")
                files += found
            elif p.is_file() and zipfile.is_zipfile(p):
                Path(out).mkdir(parents=True, exist_ok=True)
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(
                    prefix=".unzipped-", dir=out)))
                found = _unzip(p, tmp)
                if not found:
                    raise InputError(f"{p}: no sitting in this zip (members ending in "
                                     f"{', '.join(SUFFIXES)})")
                files += found
            else:
                files.append(p)          # a file, or a missing path the build reports
        if lo or hi:
            files = [f for f in files if _in_range(f, lo, hi)]
        yield files
