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

The encoder delays are measured, once per ffmpeg version (a click's position after encoding and
decoding), kept with the encoded blocks and part of each block's key: blocks encoded under one
delay are never spliced with blocks of another, and a delay the splice cannot absorb is refused.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from pipeline.atomic import scratch, write_bytes
from pipeline.cache import seal, unseal
from pipeline.errors import ToolError
from pipeline.write.ffmpeg import ffmpeg_version, run_ffmpeg

BLOCK = 9216                 # lcm(1024, 576, 1152): whole frames of AAC and MP3 at any rate
MARGIN = 4096                # silence a block keeps at each end (≥ an AAC window, the MP3 delay)
BATCH = 48                   # blocks per ffmpeg process (one encoder each; saves process starts)
FORMAT = 2                   # bump when what is stored per block changes meaning (2: checked)


def adts_walk(data: bytes) -> tuple[list[int], list[int]]:
    """Where each frame of an ADTS stream starts and its size (its 7- or 9-byte header
    included). A stream out of sync, a frame shorter than its header or cut short is a
    ToolError, never a hang."""
    starts, sizes, i = [], [], 0
    while i < len(data):
        if len(data) - i < 7:
            raise ToolError(f"ADTS stream: truncated frame header at byte {i}")
        if data[i] != 0xFF or data[i + 1] & 0xF6 != 0xF0:
            raise ToolError(f"ADTS stream out of sync at byte {i}")
        size = ((data[i + 3] & 3) << 11) | (data[i + 4] << 3) | (data[i + 5] >> 5)
        header = 7 if data[i + 1] & 1 else 9          # protection_absent, else a CRC follows
        if size < header or i + size > len(data):
            raise ToolError(f"ADTS stream: frame of {size} bytes at byte {i} "
                            f"({'shorter than its header' if size < header else 'cut short'})")
        starts.append(i)
        sizes.append(size)
        i += size
    return starts, sizes


def adts_frames(data: bytes) -> list[bytes]:
    """An ADTS stream cut into its frames (each with its header; see adts_walk)."""
    return [data[a:a + n] for a, n in zip(*adts_walk(data))]


_MP3_KBPS = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),    # MPEG-1
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}        # MPEG-2, 2.5
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frames(data: bytes) -> list[bytes]:
    """A Layer III stream (no tags) cut into its frames. A stream out of sync, a free-format or
    reserved header (no size) or a frame cut short is a ToolError, never a hang."""
    frames, i = [], 0
    while i < len(data):
        if len(data) - i < 4:
            raise ToolError(f"MP3 stream: truncated frame header at byte {i}")
        version = (data[i + 1] >> 3) & 3
        if data[i] != 0xFF or data[i + 1] & 0xE6 != 0xE2 or version == 1:
            raise ToolError(f"MP3 stream out of sync at byte {i}")
        bitrate, rate_index = data[i + 2] >> 4, (data[i + 2] >> 2) & 3
        if bitrate in (0, 15) or rate_index == 3:
            raise ToolError(f"MP3 stream: frame header at byte {i} gives no frame size "
                            f"(bitrate index {bitrate}, sample rate index {rate_index})")
        kbps = _MP3_KBPS[3 if version == 3 else 2][bitrate]
        rate = _MP3_RATES[version][rate_index]
        size = (144 if version == 3 else 72) * kbps * 1000 // rate + ((data[i + 2] >> 1) & 1)
        if i + size > len(data):
            raise ToolError(f"MP3 stream: frame of {size} bytes at byte {i} cut short")
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
    """Where a block's encoding is kept: its audio's digest, the codec, its measured delay and
    the encoder."""
    return hashlib.sha256(repr((FORMAT, codec.name, codec.args, codec.delay, rate,
                                ffmpeg_version(), content)).encode()).hexdigest()


def measure_delay(codec: Codec, rate: int) -> int:
    """Samples this ffmpeg's encoder and decoder put before the first input sample: where a
    click comes out of a plain encode and decode."""
    pcm = np.zeros(2 * BLOCK, "<i2")
    pcm[MARGIN] = 20000
    with tempfile.TemporaryDirectory(prefix="hemicycle-delay-", dir=scratch()) as tmp:
        raw, out = Path(tmp) / "click.raw", Path(tmp) / f"click.{codec.name}"
        raw.write_bytes(pcm.tobytes())
        run_ffmpeg(["-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(raw),
                    *codec.args, str(out)])
        fmt = "aac" if codec.name == "aac" else "mp3"
        back = np.frombuffer(run_ffmpeg(["-f", fmt, "-i", str(out), "-f", "s16le", "-ac", "1",
                                         "-ar", str(rate), "pipe:1"]), "<i2")
    if back.size <= MARGIN or np.abs(back).max() < 5000:
        raise ToolError(f"ffmpeg {ffmpeg_version()}: no click came back from the "
                        f"{codec.name} encoder: cannot measure its delay")
    return int(np.argmax(np.abs(back))) - MARGIN


@lru_cache(maxsize=None)
def _measured(codec: Codec, rate: int, store: Path | None) -> Codec:
    """`codec` with the delay of this ffmpeg, measured once per ffmpeg version and kept in
    `store` beside the blocks. A delay the blocks' silent margins cannot absorb is refused."""
    name = hashlib.sha256(repr((codec.name, codec.args, rate, ffmpeg_version())).encode())
    memo = Path(store) / "delays" / name.hexdigest()[:32] if store else None
    delay = None
    if memo and memo.exists():
        payload = unseal(memo.read_bytes())
        delay = json.loads(bytes(payload))["delay"] if payload is not None else None
    if delay is None:
        delay = measure_delay(codec, rate)
        if memo:
            write_bytes(memo, seal(json.dumps({"ffmpeg": ffmpeg_version(), "codec": codec.name,
                                               "rate": rate, "delay": delay}).encode()))
    if not 0 <= delay <= MARGIN:
        raise ToolError(f"ffmpeg {ffmpeg_version()}: the {codec.name} encoder delay is now "
                        f"{delay} samples (was {codec.delay}), more than the {MARGIN} silent "
                        "samples a block keeps: refusing to splice")
    return replace(codec, delay=delay)


def _encode_batch(blocks: list[np.ndarray], codec: Codec, rate: int) -> list[bytes]:
    """Each block encoded by its own encoder, all in one ffmpeg process, trimmed to its frames."""
    zeros, drop = codec.lead(rate)
    frame = codec.frame(rate)
    with tempfile.TemporaryDirectory(prefix="hemicycle-blocks-", dir=scratch()) as tmp:
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
                raise ToolError(f"{codec.name} encoder gave {len(frames)} frames for "
                                f"{len(pcm)} samples")
            out.append(b"".join(frames[drop:drop + n]))
    return out


def encode_blocks(pcm, timeline, codecs: Sequence[Codec], store: Path | None = None,
                  contents: list[str] | None = None) -> list[list[bytes]]:
    """Each block of the book encoded by each codec to exactly its own frames (a list per codec).
    With `store`, kept there by content: a block whose audio did not change is never encoded
    again. `pcm`: the book's audio; or, with `contents` (per block, a string that names its
    audio exactly), a function giving block j's audio, called only for blocks not yet encoded:
    a rebuild then reads no unchanged audio."""
    import os
    rate = timeline.rate
    bounds = spans(timeline)
    get = pcm
    if contents is None:                 # the whole book: blocks named by their audio's digest
        get = lambda j: pcm[bounds[j][0]:bounds[j][1]]              # noqa: E731

    @lru_cache(maxsize=None)
    def block(j: int) -> np.ndarray:
        a, b = bounds[j]
        blk = get(j)
        if blk.size != b - a:                     # whole frames: checked for every block below
            raise ValueError(f"block {a}–{b} is not a whole number of {BLOCK}-sample frames")
        return blk

    for a, b in bounds:
        if (b - a) % BLOCK:
            raise ValueError(f"block {a}–{b} is not a whole number of {BLOCK}-sample frames")
    if contents is None:
        contents = [hashlib.sha256(memoryview(np.ascontiguousarray(block(j), dtype="<i2"))
                                   .cast("B")).hexdigest() for j in range(len(bounds))]
    codecs = [_measured(codec, rate, Path(store) if store else None) for codec in codecs]
    out: list[list[bytes | None]] = []
    kept: list[list[Path | None]] = []
    batches = []
    for c, codec in enumerate(codecs):
        kept.append([Path(store) / k[:2] / f"{k}.{codec.name}" if store else None
                     for k in (_key(codec, rate, d) for d in contents)])
        out.append([_read_block(p) for p in kept[c]])
        todo = [i for i, o in enumerate(out[c]) if o is None]
        batches += [(c, todo[j:j + BATCH]) for j in range(0, len(todo), BATCH)]
    for _, idx in batches:               # the audio each batch needs, read once, here
        for i in idx:
            block(i)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        done = pool.map(lambda job: _encode_batch([block(i) for i in job[1]], codecs[job[0]],
                                                  rate), batches)
        for (c, idx), encoded in zip(batches, done):
            for i, data in zip(idx, encoded):
                out[c][i] = data
                if kept[c][i]:
                    write_bytes(kept[c][i], seal(data), durable=True)
    return out  # type: ignore[return-value]


def _read_block(path: Path | None) -> bytes | None:
    """A stored block, checked (length, checksum): a damaged one is encoded again."""
    try:
        payload = unseal(path.read_bytes()) if path else None
    except FileNotFoundError:
        return None
    return bytes(payload) if payload is not None else None


def remux(frames: bytes, path: Path, args: Sequence[str] = (),
          extra_inputs: Sequence[str] = ()) -> None:
    """Spliced ADTS frames into a container at `path` (a temp path: callers make it atomic),
    stream-copied: no re-encoding."""
    with tempfile.TemporaryDirectory(prefix="hemicycle-mux-", dir=scratch()) as tmp:
        src = Path(tmp) / "book.aac"
        src.write_bytes(frames)
        run_ffmpeg(["-y", "-f", "aac", "-i", str(src), *extra_inputs, *args, str(path)])
