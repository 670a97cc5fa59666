"""Assembly: utterance audio + pauses → the book's PCM and its Timeline (exact, in samples).

`master` brings every utterance to one loudness (pyloudnorm, ITU-R BS.1770) so that speakers
and engines sound even, and a look-ahead limiter holds its true peak under the ceiling; it works
per utterance (the pauses between them are silent), so its result can be cached like the
synthesis. `assemble` then only lays mastered utterances and pauses end to end.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.model import Chapter, Clip, Debate, Timeline, Utterance, WordClip
from pipeline.write.splice import BLOCK, MARGIN

CONFIG = Path(__file__).parent / "data" / "assembly.toml"
MIN_MEASURE_S = 0.5            # BS.1770 gating needs 400 ms blocks: shorter clips are tiled


@dataclass(frozen=True)
class Assembly:
    pauses_ms: dict
    target_lufs: float
    true_peak_dbtp: float
    stage_mode: str = "read"   # "read" | "skip" | "cue"
    cue_ms: int = 450

    @staticmethod
    def load(path: Path = CONFIG) -> "Assembly":
        d = tomllib.loads(Path(path).read_text("utf-8"))
        stage = d.get("stage", {})
        return Assembly(d["pauses"], float(d["loudness"]["target_lufs"]),
                        float(d["loudness"]["true_peak_dbtp"]), stage.get("mode", "read"),
                        int(stage.get("cue_ms", 450)))


def cue(rate: int, ms: int) -> np.ndarray:
    """The chime that stands for a stage direction in "cue" mode: two soft descending partials
    with a smooth envelope (int16, deterministic)."""
    t = np.arange(rate * ms // 1000) / rate
    tone = 0.6 * np.sin(2 * np.pi * 660 * t) + 0.4 * np.sin(2 * np.pi * 990 * t)
    envelope = np.sin(np.pi * t / t[-1]) ** 2 * np.exp(-3 * t / t[-1])
    return np.round(tone * envelope * 0.3 * 32767).astype(np.int16)


def pause_after(u: Utterance, nxt: Utterance | None, pauses: dict) -> int:
    if nxt is None:
        return pauses["end"]
    if nxt.section != u.section:
        return pauses["section"]
    if nxt.turn != u.turn:
        return pauses["speaker"]
    if nxt.paragraph != u.paragraph:
        return pauses["paragraph"]
    return pauses["sentence"]


@lru_cache(maxsize=4)
def _meter(rate: int):
    import pyloudnorm
    return pyloudnorm.Meter(rate)


def loudness(x: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS; -inf for silence."""
    if x.size == 0 or not np.any(x):
        return float("-inf")
    n = int(MIN_MEASURE_S * rate)
    if x.size < n:
        x = np.tile(x, n // x.size + 1)[:n]
    return float(_meter(rate).integrated_loudness(x.astype(np.float64)))


def level(pcm: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    """Float copy of one utterance at the target loudness."""
    x = pcm.astype(np.float32) / 32768.0
    lufs = loudness(x, rate)
    if not np.isfinite(lufs):
        return x
    return x * np.float32(10 ** ((target_lufs - lufs) / 20))


def true_peak(x: np.ndarray, rate: int) -> float:
    """Peak of the 4× oversampled signal (BS.1770 annex 2), in dBTP."""
    import soxr
    up = soxr.resample(x.astype(np.float32), rate, rate * 4, quality="HQ")
    peak = float(np.max(np.abs(up))) if up.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def limit(x: np.ndarray, rate: int, ceiling_dbtp: float) -> np.ndarray:
    """Look-ahead limiter: gain ≤ ceiling/|peak| around every peak, smoothed over 5 ms windows
    so it never rises above what any peak in reach allows (min filter, then moving average)."""
    import soxr
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    ceiling = 10 ** (ceiling_dbtp / 20)
    up = np.abs(soxr.resample(x, rate, rate * 4, quality="HQ"))
    env = up[: 4 * x.size].reshape(-1, 4).max(axis=1) if up.size >= 4 * x.size else np.abs(x)
    env = np.maximum(env, np.abs(x))
    raw = np.minimum(1.0, ceiling / np.maximum(env, 1e-9)).astype(np.float32)
    if raw.min() >= 1.0:
        return x
    w = max(3, int(0.005 * rate)) | 1
    gain = uniform_filter1d(minimum_filter1d(raw, size=w), size=w)
    return x * np.minimum(gain, raw)


def master(pcm: np.ndarray, rate: int, config: Assembly) -> np.ndarray:
    """One utterance at the target loudness, its true peak under the ceiling (int16)."""
    x = limit(level(pcm, rate, config.target_lufs), rate, config.true_peak_dbtp)
    return np.clip(np.round(x * 32767.0), -32767, 32767).astype(np.int16)


def word_clips(clip: Clip, size: int, starts: list[int]) -> list[WordClip]:
    """An utterance's words tiling its clip: `starts` (each word's but the first, in samples of
    its `size`-sample audio) clamped into the audio and kept in order; the last word keeps the
    pause after it."""
    bounds = [0]
    for s in starts:
        bounds.append(min(max(int(s), bounds[-1]), size))
    ends = bounds[1:] + [clip.end - clip.start]
    return [WordClip(clip.utterance, n, clip.start + a, clip.start + b)
            for n, (a, b) in enumerate(zip(bounds, ends))]


def block_pauses(sizes: list[int], pauses: list[int], lead: int) -> list[int]:
    """One block's pauses (after each of its utterances, in samples), evened out so that the
    block (lead silence, audio, pauses) is whole BLOCKs: the rounding, at most half a block either
    way, is shared by all its pauses; the last keeps MARGIN of silence."""
    body = lead + sum(sizes) + sum(pauses)
    end = round(body / BLOCK) * BLOCK
    while True:
        share, rest = divmod(end - body, len(pauses))
        out = [p + share for p in pauses]
        out[-1] += rest
        if out[-1] >= MARGIN and min(out) > 0:
            return out
        end += BLOCK


def assemble(utterances: list[Utterance], mastered: list[np.ndarray], debate: Debate, rate: int,
             config: Assembly | None = None,
             words: list[list[int] | None] | None = None) -> tuple[np.ndarray, Timeline]:
    """The book (mono int16) from mastered utterances, and where every utterance and chapter
    sits in it. `words`: per utterance, where each displayed word but the first starts in its
    audio (None: no word times); mastering keeps lengths, so synthesis times still hold.

    Every paragraph (and so every turn) is a block of whole codec frames (write/splice.py) that
    opens with the "lead" silence and ends with the rest of the pause before the next one; its
    pauses are evened out to round it (block_pauses). A block's samples depend on its own
    utterances only, so an edit elsewhere leaves its encoding valid."""
    config = config or Assembly.load()
    lead = max(rate * config.pauses_ms["lead"] // 1000, MARGIN)
    nominal = [rate * pause_after(u, nxt, config.pauses_ms) // 1000
               for u, nxt in zip(utterances, [*utterances[1:], None])]
    # Blocks: runs of utterances of one paragraph; the pause before the next block opens it.
    firsts = [i for i, u in enumerate(utterances)
              if not i or (utterances[i - 1].section, utterances[i - 1].turn,
                           utterances[i - 1].paragraph) != (u.section, u.turn, u.paragraph)]
    pauses: list[int] = []
    for a, b in zip(firsts, [*firsts[1:], len(utterances)]):
        gaps = nominal[a:b]
        gaps[-1] -= lead if b < len(utterances) else 0
        pauses += block_pauses([m.size for m in mastered[a:b]], gaps, lead)

    parts: list[np.ndarray] = []
    clips: list[Clip] = []
    wclips: list[WordClip] = []
    blocks: list[int] = []
    pos = 0
    opening = set(firsts)
    for i, (u, x, gap) in enumerate(zip(utterances, mastered, pauses)):
        head = lead if i in opening else 0
        if head:
            blocks.append(pos)
        parts += [np.zeros(head, np.int16), x, np.zeros(gap, np.int16)]
        clips.append(Clip(u.id, pos, pos + head + x.size + gap))
        if words and words[i] is not None:
            wclips += word_clips(clips[-1], head + x.size, [head + s for s in words[i]])
        pos = clips[-1].end
    pcm = np.concatenate(parts) if parts else np.zeros(0, np.int16)

    starts: dict[int, int] = {}
    for u, c in zip(utterances, clips):
        starts.setdefault(u.section, c.start)
    sections = sorted(starts)
    chapters = tuple(
        Chapter(debate.sections[s].title, s, starts[s],
                starts[sections[j + 1]] if j + 1 < len(sections) else pos)
        for j, s in enumerate(sections))
    return pcm, Timeline(rate, tuple(clips), chapters, pos, tuple(wclips), tuple(blocks) or (0,))
