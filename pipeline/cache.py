"""Content-addressed cache of synthesized utterances, shared across debates and builds.

A key is the hash of everything that shapes the audio (engine, model file hash, speaker,
settings, spoken text); a value is mono int16 PCM at the output rate, stored losslessly
compressed (pack_pcm: about 61 % of its size; an archive of thousands of sittings keeps
hours of it). Writes are atomic
(temp file, synced, then renamed), so a build killed at any moment, even by a power loss, leaves
only complete entries; and each entry carries its length and checksum, checked on every read, so
a damaged one (a disk error, a hand edit) reads as missing and is made again.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from pipeline.atomic import write_bytes

FORMAT = 3                     # bump when the stored audio changes meaning (2: checked entries,
                               # 3: compressed PCM, mastered audio stored against the raw)
MAGIC = b"HMC1"
_HEAD = struct.Struct("<4sQI")  # magic, payload length, CRC-32 of the payload (≈ 1 GB/s)


def seal(payload: bytes) -> bytes:
    """An entry as stored: header (length, checksum), then the payload."""
    return _HEAD.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def unseal(data: bytes | bytearray) -> memoryview | None:
    """The payload of a stored entry (no copy), or None when truncated, padded or damaged."""
    if len(data) < _HEAD.size:
        return None
    magic, n, crc = _HEAD.unpack_from(data)
    payload = memoryview(data)[_HEAD.size:]
    if magic != MAGIC or len(payload) != n or zlib.crc32(payload) != crc:
        return None
    return payload


_PCM = struct.Struct("<4sI")   # codec tag, samples


def pack_pcm(pcm: np.ndarray, order: int = 2) -> bytes:
    """int16 audio losslessly compressed: each sample less its linear prediction from the
    `order` before it (FLAC's fixed predictors, order 2 for speech, 0 for what is mostly zeros;
    in wrapping 16-bit arithmetic, so exactly invertible), zigzagged, low bytes then high bytes
    (mostly zero), deflated with run-length matching only. Measured on 0.5 h of offline-engine
    speech: 61 % of the PCM, in 8 s per hour of audio on a loaded machine (Rice coding of the
    same residual: 64 %; plain zlib -1: 64 % in 15 s/h)."""
    r = np.ascontiguousarray(pcm, dtype="<i2")
    for _ in range(order):
        r = np.diff(r, prepend=np.int16(0))                  # wraps: a ring, exactly undone
    z = ((r << 1) ^ (r >> 15)).view("<u2")
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    planes = z.view(np.uint8).reshape(-1, 2).T.tobytes()
    return (_PCM.pack(b"PCM%d" % order, r.size) + deflate.compress(planes) + deflate.flush())


def unpack_pcm(payload: bytes | memoryview) -> np.ndarray | None:
    """The audio pack_pcm stored (writable int16), or None when the payload is not one."""
    if len(payload) < _PCM.size:
        return None
    tag, n = _PCM.unpack_from(payload)
    if tag not in (b"PCM0", b"PCM2"):
        return None
    inflate = zlib.decompressobj()
    try:
        planes = inflate.decompress(payload[_PCM.size:], 2 * n + 1)   # bounded: never a bomb
    except zlib.error:
        return None
    if len(planes) != 2 * n or not inflate.eof or inflate.unused_data:
        return None
    b = np.frombuffer(planes, np.uint8)
    z = b[:n].astype("<u2")
    z |= b[n:].astype("<u2") << 8
    r = ((z >> 1) ^ -(z & 1)).view("<i2")
    for _ in range(tag[3] - ord("0")):
        r = np.cumsum(r, dtype="<i2")
    return r


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
        self.damaged = 0               # entries found damaged (and dropped) since created

    def path(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.pcm"

    def read(self, path: Path) -> memoryview | None:
        """A checked entry's payload (writable); None if missing, or damaged (then removed and
        counted)."""
        try:
            with open(path, "rb") as f:
                data = bytearray(os.fstat(f.fileno()).st_size)
                n = f.readinto(data)
            if n != len(data):            # changed under us: no longer what its header says
                data = data[:n]
        except FileNotFoundError:
            return None
        payload = unseal(data)
        if payload is None:
            self.damaged += 1
            Path(path).unlink(missing_ok=True)
        return payload

    def write(self, path: Path, payload: bytes) -> None:
        write_bytes(path, seal(payload), durable=True)

    def get(self, k: str) -> np.ndarray | None:
        payload = self.read(self.path(k))
        return None if payload is None else unpack_pcm(payload)

    def peek_samples(self, path: Path, skip: int = 0) -> int | None:
        """How many samples the audio stored at `path` (pack_pcm's, after `skip` bytes of the
        payload) holds, from the entry's first bytes alone: enough to lay out a book. Not
        checked: the audio is where it is read, and a damaged entry is then made again, of the
        same length. None when there is no such entry."""
        at = _HEAD.size + skip
        try:
            with open(path, "rb") as f:
                head = f.read(at + _PCM.size)
        except FileNotFoundError:
            return None
        if len(head) < at + _PCM.size or head[:4] != MAGIC:
            return None
        tag, n = _PCM.unpack_from(head, at)
        return n if tag in (b"PCM0", b"PCM2") else None

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
            known = memo.read_text()
            if len(known) == 16 and all(c in "0123456789abcdef" for c in known):
                return known
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        d = digest(path)
        try:
            write_bytes(memo, d.encode())
        except OSError:                  # only a shortcut: the build says if the cache is read-only
            pass
        return d

    def put(self, k: str, pcm: np.ndarray) -> None:
        self.write(self.path(k), pack_pcm(pcm))

    # A sitting's sentences and their spoken forms, by paragraph (segment.segment's memo), kept
    # by the code and the lexicon that made them: a rebuild after an edit normalizes only the
    # edited paragraph (normalizing a 4-hour sitting is a tenth of its rebuild).
    def segments_path(self, name: str, code: str, lexicon: dict[str, str] | None) -> Path:
        h = hashlib.sha256(json.dumps([name, code, lexicon], sort_keys=True).encode())
        return self.root / "segments" / f"{h.hexdigest()}.json"

    def get_segments(self, path: Path) -> dict:
        payload = self.read(path)
        try:
            memo = json.loads(bytes(payload)) if payload is not None else {}
        except ValueError:
            return {}
        return memo if isinstance(memo, dict) else {}

    def put_segments(self, path: Path, memo: dict) -> None:
        try:
            write_bytes(path, seal(json.dumps(memo, ensure_ascii=False).encode()))
        except OSError:                  # only a shortcut: the build says if the cache is read-only
            pass

    # Word times beside the audio, under the same key: where each spoken word but the first
    # starts in the stored PCM. A sidecar, so a sentence-mode entry stays valid and word mode
    # only has to add it; `null` records an utterance synthesized timed that got none.
    def words_path(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.words.json"

    def _words(self, k: str) -> dict | None:
        payload = self.read(self.words_path(k))
        return None if payload is None else json.loads(bytes(payload))

    def has_words(self, k: str) -> bool:
        return self._words(k) is not None

    def get_words(self, k: str) -> list[int] | None:
        entry = self._words(k)
        return entry["starts"] if entry else None

    def put_words(self, k: str, starts: list[int] | None) -> None:
        self.write(self.words_path(k), json.dumps({"starts": starts}).encode())
