"""The ffmpeg binary shipped by imageio-ffmpeg (no system ffmpeg needed): run, decode, read tags."""
from __future__ import annotations

import errno
import os
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.errors import ToolError, last_line


def ffmpeg_exe() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


@lru_cache(maxsize=1)
def ffmpeg_version() -> str:
    """What identifies the encoders (not the binary's path, which differs per checkout)."""
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_version()


def run_ffmpeg(args: list[str], stdin: bytes | None = None) -> bytes:
    """ffmpeg's stdout. A failure is a ToolError with ffmpeg's last stderr line; a full or
    read-only disk is the OSError it is (the build names the folder)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True)
    if proc.returncode != 0:
        said = last_line(proc.stderr)
        for code in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            if os.strerror(code) in said:
                raise OSError(code, os.strerror(code))
        if proc.returncode < 0:
            said = f"killed by signal {-proc.returncode}"
        raise ToolError(f"ffmpeg failed: {said}")
    return proc.stdout


def decode(path: Path, rate: int) -> np.ndarray:
    """Decode any audio file to mono int16 at `rate` (ffmpeg honours encoder delay/padding)."""
    raw = run_ffmpeg(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"])
    return np.frombuffer(raw, dtype="<i2")


def read_ffmetadata(path: Path) -> tuple[dict[str, str], list[dict]]:
    """Global tags and chapters ({"start", "end" in seconds, "title"}) as ffmpeg reads them."""
    text = run_ffmpeg(["-i", str(path), "-f", "ffmetadata", "pipe:1"]).decode("utf-8")
    tags: dict[str, str] = {}
    chapters: list[dict] = []
    current = tags
    for line in text.splitlines():
        if not line or line.startswith(";"):
            continue
        if line == "[CHAPTER]":
            current = {}
            chapters.append(current)
            continue
        if line.startswith("[") and line.endswith("]"):
            current = {}
            continue
        key, _, value = line.partition("=")
        current[key.lower()] = value.replace("\\=", "=")
    out = []
    for ch in chapters:
        num, den = (int(x) for x in ch.get("timebase", "1/1000").split("/"))
        out.append({"start": int(ch["start"]) * num / den, "end": int(ch["end"]) * num / den,
                    "title": ch.get("title", "")})
    return tags, out
