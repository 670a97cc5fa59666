"""Bulk inputs for `build`: folders and zips of sittings, and --since/--until date filters.

A folder gives every file in it (and below) whose name ends in one of SUFFIXES, in path order;
which reader parses it is still decided by its content (pipeline.parse). A zip (the Assemblée's
open-data "Comptes rendus" zip as downloaded, or any other) is read member by member into a
temporary folder under the cache folder, removed when the build ends (or by the next build when
killed): nothing is unpacked into the source tree nor the published out folder, and the build's stamp (which hashes the parsed debate, not the file's path) skips
the sittings already built from an earlier copy of the same zip.
"""
from __future__ import annotations

import contextlib
import datetime
import lzma
import os
import re
import shutil
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Iterator

from pipeline.model import InputError

SUFFIXES = (".txt", ".xml", ".json", ".asp", ".html", ".htm")
# A zip is refused before anything is inflated when one member is larger than a sitting (the
# longest Syceron sittings are about 5 MB), when its sittings hold more than MAX_TOTAL bytes or
# number more than MAX_MEMBERS (a legislature is about 1 500 sittings of 1-5 MB): a zip bomb,
# not an archive. zipfile never inflates a member past the size its header declares.
MAX_MEMBER = 200 * 1024 * 1024
MAX_TOTAL = 8 * 1024 ** 3
MAX_MEMBERS = 20_000
UNZIPPED = "unzipped"            # under the cache folder: never in the published out folder


def parse_date(flag: str, value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} {value}: not a date (YYYY-MM-DD)") from None


# A ParlaMint corpus folder holds, beside its sittings, files that are not sittings: the corpus
# root (ParlaMint-FR.xml, .ana.xml), its lists of persons and organisations, its taxonomies.
_CORPUS_FILES = re.compile(r"ParlaMint(?:-[A-Za-z-]+)?(?:-list(?:Person|Org)|-taxonomy-[\w.-]+)?"
                           r"(?:\.ana)?\.xml", re.IGNORECASE)


def _wanted(name: str) -> bool:
    p = PurePosixPath(name)
    return (p.suffix.lower() in SUFFIXES and not _CORPUS_FILES.fullmatch(p.name)
            and not any(part.startswith((".", "__MACOSX")) for part in p.parts))


def _unzip(archive: Path, dest: Path) -> list[Path]:
    """The zip's sittings copied to dest, flat (the stem names the out folder, as for a file):
    members of one name in different folders are named by their folders too
    (2019/seance.txt → 2019-seance.txt), never one dropped for the other."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{archive}: not a readable zip ({e})") from None
    out: list[Path] = []
    with zf:
        members = sorted((i for i in zf.infolist() if not i.is_dir() and _wanted(i.filename)),
                         key=lambda i: i.filename)
        _check_sizes(archive, members)
        names = _flat_names(archive, [i.filename for i in members])
        folder = dest / archive.stem
        folder.mkdir(parents=True, exist_ok=True)
        for info, name in zip(members, names):
            target = folder / name               # one component: no "../" can escape dest
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
                    RuntimeError, ValueError, zlib.error, lzma.LZMAError, OSError) as e:
                if isinstance(e, OSError) and e.filename == str(target):
                    raise                        # the disk's own failure, said as such
                raise InputError(f"{archive}: {info.filename}: cannot inflate "
                                 f"({_why(info, e)})") from None
            out.append(target)
    return out


def _why(info: zipfile.ZipInfo, e: Exception) -> str:
    if info.flag_bits & 0x1:
        return "encrypted: unpack it with its password first"
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__


def _check_sizes(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise InputError(f"{archive}: {len(members)} sittings, more than a zip of sittings holds "
                         f"({MAX_MEMBERS}): refused")
    total = 0
    for info in members:
        if info.file_size > MAX_MEMBER:
            raise InputError(f"{archive}: {info.filename}: {info.file_size} bytes once "
                             f"inflated, more than a sitting ({MAX_MEMBER})")
        total += info.file_size
    if total > MAX_TOTAL:
        raise InputError(f"{archive}: {total} bytes once inflated, more than a zip of sittings "
                         f"holds ({MAX_TOTAL}): refused")


def _flat_names(archive: Path, names: list[str]) -> list[str]:
    """One file name per member: its own, or with its folders when another member shares it;
    control characters removed (they would reach titles and terminals). Two members of one
    path are refused: which is the sitting cannot be known."""
    from pipeline.parse import clean
    paths = [PurePosixPath(n) for n in names]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{archive}: {twice[0]}: two members of this name (which one is the "
                         "sitting is unknown): refused")
    base = [clean(p.name) for p in paths]
    flat = [clean("-".join(p.parts)) if base.count(b) > 1 else b for p, b in zip(paths, base)]
    if len(set(flat)) != len(flat):
        clash = sorted(n for n in flat if flat.count(n) > 1)[0]
        raise InputError(f"{archive}: two members would both be read as {clash}: rename one")
    return flat


def _skipped(warned: list[str], path: Path, why: str) -> None:
    warned.append(f"{path}: skipped ({why})")


def _folder(d: Path, out: Path) -> tuple[list[Path], list[str]]:
    """The sittings under `d`, and a warning per file skipped. Links are followed only to
    files inside `d` (a folder from the web may link to /etc/passwd or a private file), never
    into folders; an out folder (--out, or any holding a build lock) gives none of its outputs:
    its archive files and its sittings' folders are skipped, so `--out` may be inside `d`."""
    from pipeline.outdir import LOCK, STAMP
    from pipeline.write.archive import DATA, EPISODE, INDEX
    from pipeline.write.feed import FEED
    root, out = d.resolve(), Path(out).resolve()
    found: list[Path] = []
    warned: list[str] = []
    for here, dirs, names in os.walk(d):          # never descends into a linked folder
        here = Path(here)
        is_out = here.resolve() == out or LOCK in names
        kept = []
        for n in sorted(dirs):
            sub = here / n
            if sub.is_symlink():
                if not sub.resolve().is_relative_to(root):
                    _skipped(warned, sub, "a link to a folder outside the one given")
            elif not (is_out and ({EPISODE, STAMP} & set(os.listdir(sub)))):
                kept.append(n)
        dirs[:] = kept
        for n in sorted(names):
            p = here / n
            if not _wanted(p.relative_to(d).as_posix()) or (is_out and n in (INDEX, DATA, FEED)):
                continue
            if p.is_symlink() and not p.resolve().is_relative_to(root):
                _skipped(warned, p, "a link to a file outside the folder given")
            elif p.is_file():
                found.append(p)
    return sorted(found), warned


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


def sweep_unzipped(scratch: Path) -> None:
    """Remove what killed builds left unpacked: folders named after a process that is gone."""
    for d in Path(scratch).glob("*-*"):
        pid = d.name.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # another user's process
        return True
    return True


@contextlib.contextmanager
def sources(paths: list[Path], out: Path, since: str | None = None,
            until: str | None = None, scratch: Path | None = None) -> Iterator[list[Path]]:
    """The files to build: each path a file, a folder or a zip; filtered on the sittings'
    dates when since/until ("YYYY-MM-DD", inclusive) are given. Zips are unpacked under
    `scratch` (the cache's "unzipped" folder; default: the system's temp folder) for the
    duration of the `with`; what a killed build left there is removed first."""
    lo, hi = parse_date("--since", since), parse_date("--until", until)
    if lo and hi and lo > hi:
        raise InputError(f"--since {since} is after --until {until}: no sitting can match")
    with contextlib.ExitStack() as stack:
        files: list[Path] = []
        for p in map(Path, paths):
            if p.is_dir():
                found, skipped = _folder(p, out)
                for line in skipped:
                    warnings.warn(line)
                if not found:
                    raise InputError(f"{p}: no sitting in this folder (files ending in "
                                     f"{', '.join(SUFFIXES)})")
                files += found
            elif p.is_file() and zipfile.is_zipfile(p):
                if scratch is not None:
                    try:
                        Path(scratch).mkdir(parents=True, exist_ok=True)
                    except OSError as e:
                        raise OSError(e.errno, e.strerror, str(scratch)) from None
                    sweep_unzipped(scratch)
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(
                    prefix=f"{os.getpid()}-", dir=scratch)))
                found = _unzip(p, tmp)
                if not found:
                    raise InputError(f"{p}: no sitting in this zip (members ending in "
                                     f"{', '.join(SUFFIXES)})")
                files += found
            else:
                files.append(p)          # a file, or a missing path the build reports
        if lo or hi:
            every = files
            files = [f for f in files if _in_range(f, lo, hi)]
            if every and not files:
                span = " ".join(x for x in (since and f"from {since}", until and f"until {until}") if x)
                raise InputError(f"no sitting dated {span} among the {len(every)} given: "
                                 "nothing to build")
        yield files
