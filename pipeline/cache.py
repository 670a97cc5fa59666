"""Content-addressed cache of synthesized utterances, shared across debates and builds.

A key is the hash of everything that shapes the audio (engine, model file hash, speaker,
settings, spoken text); a value is mono int16 PCM at the output rate. Writes are atomic
(temp file + rename), so a build killed at any moment leaves only complete entries.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from pipeline.atomic import write_bytes, write_text

FORMAT = 1                     # bump when the stored audio changes meaning


def default_dir() -> Path:
    base = os.environ.get("HEMICYCLE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hemicycle")
    return Path(base)


def key(fingerprint: str, rendering: tuple, rate: int, spoken: str) -> str:
    blob = json.dumps([FORMAT, fingerprint, list(rendering), rate, spoken], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_dir()

    def path(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.pcm"

    def get(self, k: str) -> np.ndarray | None:
        try:
            return np.fromfile(self.path(k), dtype="<i2")
        except FileNotFoundError:
            return None

    def __contains__(self, k: str) -> bool:
        return self.path(k).exists()

    def digest(self, path: Path) -> str:
        """A model file's content hash, remembered by path, size and mtime (hashing six 63 MB
        voices on every build would cost more than a one-paragraph rebuild)."""
        from pipeline.synth.engines import digest
        st = Path(path).stat()
        memo = self.root / "digests" / hashlib.sha256(
            f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
        try:
            return memo.read_text()
        except FileNotFoundError:
            d = digest(path)
            write_bytes(memo, d.encode())
            return d

    def put(self, k: str, pcm: np.ndarray) -> None:
        write_bytes(self.path(k), np.ascontiguousarray(pcm, dtype="<i2").tobytes())

    # Word times beside the audio, under the same key: where each spoken word but the first
    # starts in the stored PCM. A sidecar, so a sentence-mode entry stays valid and word mode
    # only has to add it; `null` records an utterance synthesized timed that got none.
    def words_path(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.words.json"

    def has_words(self, k: str) -> bool:
        return self.words_path(k).exists()

    def get_words(self, k: str) -> list[int] | None:
        try:
            return json.loads(self.words_path(k).read_text("utf-8"))["starts"]
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def put_words(self, k: str, starts: list[int] | None) -> None:
        write_text(self.words_path(k), json.dumps({"starts": starts}))
