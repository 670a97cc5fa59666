"""The book's AAC and MP3, encoded block by block and spliced in the compressed domain, so that a
rebuild re-encodes only the blocks whose audio changed.

A block is one paragraph of the book (assemble.py lays them out): a whole number of frames of both
codecs (BLOCK samples: 9 AAC frames of 1024, 16 MP3 frames of 576 or 8 of 1152) with at least
MARGIN silent samples at each end. Each block is encoded on its own; its priming frames (the
encoder delay) are dropped and exactly its own frames kept. At a junction both sides are digital
silence, so the frames there carry zero coefficients and the decoder's overlap from the previous
block adds nothing: the spliced stream decodes to the concatenation of the blocks' own decodes,
bit for bit, and to exactly the book's length (tested). No edit list or gapless header is needed.

MP3 is encoded without bit reservoir (`-reservoir 0`): then no frame borrows bytes from the one
before it, and dropping a block's leading frames leaves the others whole.
"""
from __future__ import annotations

import hashlib
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from pipeline.atomic import write_bytes
from pipeline.write.ffmpeg import ffmpeg_version, run_ffmpeg

BLOCK = 9216                 # lcm(1024, 576, 1152): whole frames of AAC and MP3 at any rate
MARGIN = 4096                # silence a block keeps at each end (≥ an AAC window, the MP3 delay)
BATCH = 48                   # blocks per ffmpeg process (one encoder each; saves process starts)
FORMAT = 1                   # bump when what is stored per block changes meaning


def adts_frames(data: bytes) -> list[bytes]:
    """An ADTS stream cut into its frames (each with its 7- or 9-byte header)."""
    frames, i = [], 0
    while i < len(data):
        if data[i] != 0xFF or data[i + 1] & 0xF6 != 0xF0:
            raise RuntimeError(f"ADTS stream out of sync at byte {i}")
        size = ((data[i + 3] & 3) << 11) | (data[i + 4] << 3) | (data[i + 5] >> 5)
        frames.append(data[i:i + size])
        i += size
    return frames


_MP3_KBPS = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),    # MPEG-1
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}        # MPEG-2, 2.5
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frames(data: bytes) -> list[bytes]:
    """A Layer III stream (no tags) cut into its frames."""
    frames, i = [], 0
    while i < len(data):
        version = (data[i + 1] >> 3) & 3
        if data[i] != 0xFF or data[i + 1] & 0xE6 != 0xE2 or version == 1:
            raise RuntimeError(f"MP3 stream out of sync at byte {i}")
        kbps = _MP3_KBPS[3 if version == 3 else 2][data[i + 2] >> 4]
        rate = _MP3_RATES[version][(data[i + 2] >> 2) & 3]
        size = (144 if version == 3 else 72) * kbps * 1000 // rate + ((data[i + 2] >> 1) & 1)
        frames.append(data[i:i + size])
        i += size
    return frames


@dataclass(frozen=True)
class Codec:
    name: str
    args: tuple[str, ...]              # ffmpeg output options, raw elementary stream
    split: Callable[[bytes], list[bytes]]
    delay: int                         # samples the encoder+decoder put before the first input sample

    def frame(self, rate: int) -> int:
        if self.name == "aac":
            return 1024
        return 1152 if rate >= 32000 else 576

    def lead(self, rate: int) -> tuple[int, int]:
        """(zeros fed before a block, frames dropped): the delay and the zeros make whole frames."""
        f = self.frame(rate)
        drop = -(-self.delay // f)
        return drop * f - self.delay, drop


# No perceptual noise substitution: its noise comes from the decoder's running random state, so
# with it a block would not decode the same spliced and alone (and the tests could not tell).
AAC = Codec("aac", ("-c:a", "aac", "-aac_coder", "fast", "-aac_pns", "0", "-b:a", "64k",
                    "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "adts"),
            adts_frames, 1024)
# LAME quality 7: twice as fast as its default, transparent enough for speech at 64k. Delay:
# LAME's 576 samples plus the decoder's 529 (measured on an impulse, see tests/test_splice.py).
MP3 = Codec("mp3", ("-c:a", "libmp3lame", "-b:a", "64k", "-compression_level", "7",
                    "-reservoir", "0", "-write_xing", "0", "-id3v2_version", "0",
                    "-fflags", "+bitexact", "-f", "mp3"), mp3_frames, 1105)


def spans(timeline) -> list[tuple[int, int]]:
    """The timeline's blocks as (start, end) samples."""
    starts = list(timeline.blocks)
    return list(zip(starts, starts[1:] + [timeline.total]))


def _key(codec: Codec, rate: int, content: str) -> str:
    """Where a block's encoding is kept: its audio's digest, the codec and the encoder."""
    return hashlib.sha256(repr((FORMAT, codec.name, codec.args, codec.delay, rate,
                                ffmpeg_version(), content)).encode()).hexdigest()


def _encode_batch(blocks: list[np.ndarray], codec: Codec, rate: int) -> list[bytes]:
    """Each block encoded by its own encoder, all in one ffmpeg process, trimmed to its frames."""
    zeros, drop = codec.lead(rate)
    frame = codec.frame(rate)
    with tempfile.TemporaryDirectory(prefix="hemicycle-blocks-") as tmp:
        inputs, outputs = [], []
        for i, pcm in enumerate(blocks):
            raw = Path(tmp) / f"{i}.raw"
            fed = np.concatenate([np.zeros(zeros, "<i2"), np.asarray(pcm, "<i2")])
            raw.write_bytes(fed.tobytes())
            inputs += ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(raw)]
            outputs += ["-map", f"{i}:a", *codec.args, str(Path(tmp) / f"{i}.{codec.name}")]
        run_ffmpeg(["-y", *inputs, *outputs])
        out = []
        for i, pcm in enumerate(blocks):
            frames = codec.split((Path(tmp) / f"{i}.{codec.name}").read_bytes())
            n = len(pcm) // frame
            if len(frames) < drop + n:
                raise RuntimeError(f"{codec.name} encoder gave {len(frames)} frames for "
                                   f"{len(pcm)} samples")
            out.append(b"".join(frames[drop:drop + n]))
    return out


def encode_blocks(pcm: np.ndarray, timeline, codecs: Sequence[Codec],
                  store: Path | None = None) -> list[list[bytes]]:
    """Each block of the book encoded by each codec to exactly its own frames (a list per codec).
    With `store`, kept there by content: a block whose audio did not change is never encoded
    again."""
    import os
    rate = timeline.rate
    blocks = [pcm[a:b] for a, b in spans(timeline)]
    for (a, b), blk in zip(spans(timeline), blocks):
        if (b - a) % BLOCK or blk.size != b - a:
            raise ValueError(f"block {a}–{b} is not a whole number of {BLOCK}-sample frames")
    # One digest per block, whatever the codecs.
    contents = [hashlib.sha256(memoryview(np.ascontiguousarray(b, dtype="<i2")).cast("B"))
                .hexdigest() for b in blocks]
    out: list[list[bytes | None]] = []
    kept: list[list[Path | None]] = []
    batches = []
    for c, codec in enumerate(codecs):
        kept.append([Path(store) / k[:2] / f"{k}.{codec.name}" if store else None
                     for k in (_key(codec, rate, d) for d in contents)])
        out.append([p.read_bytes() if p and p.exists() else None for p in kept[c]])
        todo = [i for i, o in enumerate(out[c]) if o is None]
        batches += [(c, todo[j:j + BATCH]) for j in range(0, len(todo), BATCH)]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        done = pool.map(lambda job: _encode_batch([blocks[i] for i in job[1]], codecs[job[0]],
                                                  rate), batches)
        for (c, idx), encoded in zip(batches, done):
            for i, data in zip(idx, encoded):
                out[c][i] = data
                if kept[c][i]:
                    write_bytes(kept[c][i], data)
    return out  # type: ignore[return-value]


def remux(frames: bytes, path: Path, args: Sequence[str] = (),
          extra_inputs: Sequence[str] = ()) -> None:
    """Spliced ADTS frames into a container at `path` (a temp path: callers make it atomic),
    stream-copied: no re-encoding."""
    with tempfile.TemporaryDirectory(prefix="hemicycle-mux-") as tmp:
        src = Path(tmp) / "book.aac"
        src.write_bytes(frames)
        run_ffmpeg(["-y", "-f", "aac", "-i", str(src), *extra_inputs, *args, str(path)])
