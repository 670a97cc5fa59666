"""Encoding through the ffmpeg binary shipped by imageio-ffmpeg (no system ffmpeg needed)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from pipeline.atomic import atomic_path, write_bytes


def ffmpeg_exe() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], stdin: bytes | None = None) -> bytes:
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def encode(pcm: np.ndarray, rate: int, path: Path, codec_args: list[str],
           extra_inputs: list[str] = (), extra_args: list[str] = ()) -> None:
    """Encode mono int16 `pcm` to `path` atomically (temp file in the same folder, then rename).
    `extra_inputs` are further ffmpeg inputs (metadata file, cover image) placed after stdin."""
    with atomic_path(path) as tmp:
        run_ffmpeg(["-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                    *extra_inputs, *codec_args, *extra_args, str(tmp)],
                   stdin=memoryview(np.ascontiguousarray(pcm, dtype="<i2")).cast("B"))


def encode_bytes(pcm: np.ndarray, rate: int, codec_args: list[str], suffix: str,
                 store: Path | None = None) -> bytes:
    """The encoded file's bytes; with `store`, kept there by content (pcm, rate, codec, ffmpeg),
    so unchanged audio is never encoded twice."""
    import hashlib
    import tempfile
    h = hashlib.sha256(repr((rate, codec_args, ffmpeg_exe())).encode())
    h.update(memoryview(np.ascontiguousarray(pcm, dtype="<i2")).cast("B"))
    key = h.hexdigest()
    kept = Path(store) / key[:2] / f"{key}{suffix}" if store else None
    if kept and kept.exists():
        return kept.read_bytes()
    with tempfile.TemporaryDirectory(prefix="hemicycle-enc-") as tmp:
        out = Path(tmp) / f"audio{suffix}"
        encode(pcm, rate, out, codec_args)
        encoded = out.read_bytes()
    if kept:
        write_bytes(kept, encoded)
    return encoded


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
