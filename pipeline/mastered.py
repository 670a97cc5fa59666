"""Each utterance's mastered audio (assemble.master), kept in the cache against its raw audio:
made where the utterance is synthesized (a pool worker), so mastering runs in parallel with
synthesis, and read back by the build; a rebuild masters only what changed.

A mastered utterance is its raw audio times one loudness gain, but where the limiter acted:
stored as that gain and the difference (zero almost everywhere: 1.9 % of the raw entry's size,
measured), so the cache keeps the raw audio (mastering can change) and the mastered (mastering
costs ≈ 45 s per hour of audio) for little more than the raw alone.
"""
from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np

from pipeline.assemble import Assembly, level, limit
from pipeline.cache import Cache, pack_pcm, unpack_pcm
from pipeline.synth.engines import OUTPUT_RATE

_MASTERED = struct.Struct("<4sf")           # tag, loudness gain


def master_key(k: str, config: Assembly) -> str:
    return hashlib.sha256(f"{k}|master|{config.target_lufs}|{config.true_peak_dbtp}"
                          .encode()).hexdigest()


def master_path(cache: Cache, k: str, config: Assembly) -> Path:
    """Where raw key k's mastered audio is kept: beside the raw entries, under another suffix
    (a count of *.pcm is a count of utterances synthesized)."""
    m = master_key(k, config)
    return cache.root / m[:2] / f"{m}.mst"


def mastered(pcm: np.ndarray, config: Assembly) -> tuple[np.ndarray, np.float32]:
    """assemble.master() of one utterance (the same samples: tested), and its loudness gain."""
    x = level(pcm, OUTPUT_RATE, config.target_lufs)
    m = np.clip(np.round(limit(x, OUTPUT_RATE, config.true_peak_dbtp) * 32767.0),
                -32767, 32767).astype(np.int16)
    i = int(np.argmax(np.abs(pcm))) if pcm.size else 0
    gain = np.float32(float(x[i]) * 32768.0 / float(pcm[i])) if pcm.size and pcm[i] else np.float32(1)
    return m, gain


def _leveled(pcm: np.ndarray, gain: np.float32) -> np.ndarray:
    """The raw audio at `gain` as master() rounds it, without the limiter: master()'s float32
    operations in its order, in place (a rebuild does this for every utterance)."""
    x = pcm.astype(np.float32)
    x /= 32768.0
    x *= gain
    x *= 32767.0
    np.round(x, out=x)
    np.clip(x, -32767, 32767, out=x)
    return x.astype(np.int16)


def put_master(cache: Cache, k: str, config: Assembly, raw: np.ndarray) -> np.ndarray:
    m, gain = mastered(raw, config)
    diff = m - _leveled(raw, gain)                        # int16, wraps: exactly undone
    cache.write(master_path(cache, k, config),
                _MASTERED.pack(b"MST1", gain) + pack_pcm(diff, order=0))
    return m


def get_master(cache: Cache, k: str, config: Assembly) -> np.ndarray | None:
    """The mastered audio of raw key k from the cache: None when it or the raw audio it is
    stored against is missing or damaged (both are then made again)."""
    payload = cache.read(master_path(cache, k, config))
    if payload is None or len(payload) < _MASTERED.size:
        return None
    tag, gain = _MASTERED.unpack_from(payload)
    diff = unpack_pcm(payload[_MASTERED.size:]) if tag == b"MST1" else None
    raw = cache.get(k) if diff is not None else None
    if raw is None or raw.size != diff.size:
        return None
    return _leveled(raw, np.float32(gain)) + diff


def master_samples(cache: Cache, k: str, config: Assembly) -> int | None:
    """The length of raw key k's mastered audio from its entry's first bytes (unchecked; None
    when there is none): a rebuild lays the book out without reading unchanged audio."""
    return cache.peek_samples(master_path(cache, k, config), _MASTERED.size)
