"""Assembly: utterance audio + pauses → the book's PCM and its Timeline (exact, in samples).

`master` brings every utterance to one loudness (ITU-R BS.1770) so that speakers
and engines sound even, and a look-ahead limiter holds its true peak under the ceiling; it works
per utterance (the pauses between them are silent), so its result can be cached like the
synthesis. `assemble` then only lays mastered utterances and pauses end to end.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.model import AgendaItem, Chapter, Clip, Debate, Timeline, Utterance, WordClip

CONFIG = Path(__file__).parent / "data" / "assembly.toml"
MIN_MEASURE_S = 0.5            # BS.1770 gating needs 400 ms blocks: shorter clips are tiled
NO_GRID = (1, 0)               # (block, margin) in samples: no codec frames to round to


@dataclass(frozen=True)
class Assembly:
    pauses_ms: dict
    target_lufs: float
    true_peak_dbtp: float
    stage_mode: str = "read"   # "read" | "skip" | "cue"
    cue_ms: int = 450
    heard_ms: dict | None = None   # kind → (lowest, highest) heard pause; None: no bounds
    chapter_min_s: float = 30.0    # shorter agenda parts are merged into a neighbour
    chapters_max: int = 255        # the M4B's Nero `chpl` atom holds at most 255
    procedural: tuple[str, ...] = ()   # regexes: headings that name no subject (suspension…)
    procedural_max_s: float = 180.0    # longest chapter a procedural heading may title

    @staticmethod
    def load(path: Path = CONFIG) -> "Assembly":
        from pipeline.config import load_assembly    # the validating edge
        return load_assembly(path)


def cue(rate: int, ms: int) -> np.ndarray:
    """The chime that stands for a stage direction in "cue" mode: two soft descending partials
    with a smooth envelope (int16, deterministic)."""
    t = np.arange(rate * ms // 1000) / rate
    tone = 0.6 * np.sin(2 * np.pi * 660 * t) + 0.4 * np.sin(2 * np.pi * 990 * t)
    envelope = np.sin(np.pi * t / t[-1]) ** 2 * np.exp(-3 * t / t[-1])
    return np.round(tone * envelope * 0.3 * 32767).astype(np.int16)


def pause_kind(u: Utterance, nxt: Utterance | None) -> str:
    if nxt is None:
        return "end"
    if nxt.section != u.section:
        return "section"
    if nxt.turn != u.turn:
        return "speaker"
    if nxt.paragraph != u.paragraph:
        return "paragraph"
    return "sentence"


# BS.1770 K-weighting: a high shelf (+4 dB above 1.5 kHz) then a 38 Hz high pass, the biquads
# pyloudnorm designs (RBJ cookbook), applied in the frequency domain: numpy only, where
# scipy.signal's import alone cost a one-utterance rebuild 2.4 s. Zero padding longer than the
# filters' ring (poles at r ≈ 0.989: < 1e-12 after 4 096 samples) makes the FFT's circular
# convolution the linear one, within 1e-9 of pyloudnorm's lfilter (tested).
_K_STAGES = ((4.0, 1 / np.sqrt(2), 1500.0, "shelf"), (0.0, 0.5, 38.0, "pass"))
_K_PAD = 8192
GATE_S, GATE_STEP = 0.400, 0.25            # 400 ms blocks, 75 % overlap (BS.1770-4)


def _biquad(g: float, q: float, fc: float, rate: int, kind: str) -> tuple[tuple, tuple]:
    a_ = 10 ** (g / 40.0)
    w0 = 2.0 * np.pi * (fc / rate)
    alpha, cos = np.sin(w0) / (2.0 * q), np.cos(w0)
    if kind == "shelf":
        r = 2 * np.sqrt(a_) * alpha
        return ((a_ * ((a_ + 1) + (a_ - 1) * cos + r), -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
                 a_ * ((a_ + 1) + (a_ - 1) * cos - r)),
                ((a_ + 1) - (a_ - 1) * cos + r, 2 * ((a_ - 1) - (a_ + 1) * cos),
                 (a_ + 1) - (a_ - 1) * cos - r))
    return ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha)


@lru_cache(maxsize=64)
def _k_response(n: int, rate: int) -> np.ndarray:
    """The K-weighting filters' response on the n-point real FFT's bins."""
    z = np.exp(-1j * np.pi * np.arange(n // 2 + 1) / (n // 2))        # e^{-jω}
    h = np.ones(z.shape, complex)
    for stage in _K_STAGES:
        b, a = _biquad(*stage[:3], rate, stage[3])
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return h


def _fft_size(n: int) -> int:
    """The least 2^k·{8, 9, 10, 12, 15} ≥ n: sizes pocketfft transforms fast (2, 3, 5 only),
    at most 20 % over n, and few of them, so each one's filter response is computed once."""
    k = max(n - 1, 1).bit_length() - 4
    return min(c << k for c in (8, 9, 10, 12, 15, 16) if c << k >= n) if k > 0 else 16


def k_weighted(x: np.ndarray, rate: int) -> np.ndarray:
    n = _fft_size(x.size + _K_PAD)
    return np.fft.irfft(np.fft.rfft(x.astype(np.float64), n) * _k_response(n, rate), n)[:x.size]


def loudness(x: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4: K-weighting, 400 ms blocks, absolute then
    relative gate; pyloudnorm's block bounds); -inf for silence."""
    if x.size == 0 or not np.any(x):
        return float("-inf")
    n = int(MIN_MEASURE_S * rate)
    if x.size < n:
        x = np.tile(x, n // x.size + 1)[:n]
    y = k_weighted(x, rate)
    energy = np.concatenate([[0.0], np.cumsum(y * y)])
    blocks = int(np.round((x.size / rate - GATE_S) / (GATE_S * GATE_STEP))) + 1
    j = np.arange(blocks)
    lo = (GATE_S * (j * GATE_STEP) * rate).astype(np.int64)
    hi = np.minimum((GATE_S * (j * GATE_STEP + 1) * rate).astype(np.int64), x.size)
    z = (energy[hi] - energy[lo]) / (GATE_S * rate)
    with np.errstate(divide="ignore"):
        lj = -0.691 + 10.0 * np.log10(z)
        gated = z[lj >= -70.0]
        if not gated.size:
            return float("-inf")
        relative = -0.691 + 10.0 * np.log10(gated.mean()) - 10.0
        kept = z[(lj > relative) & (lj > -70.0)]
        return float(-0.691 + 10.0 * np.log10(kept.mean())) if kept.size else float("-inf")


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
    ceiling = 10 ** (ceiling_dbtp / 20)
    up = np.abs(soxr.resample(x, rate, rate * 4, quality="HQ"))
    ax = np.abs(x)
    # Each sample's envelope: the largest of its 4 oversampled points and itself.
    env = np.maximum.reduce([up[i: 4 * x.size: 4] for i in range(4)] + [ax]) \
        if up.size >= 4 * x.size else ax
    # Most utterances never reach the ceiling: then the gain below would be 1 everywhere.
    if np.float32(ceiling / max(float(env.max(initial=0)), 1e-9)) >= 1:
        return x
    raw = np.minimum(1.0, ceiling / np.maximum(env, 1e-9)).astype(np.float32)
    w = max(3, int(0.005 * rate)) | 1
    gain = moving_mean(moving_min(raw, w), w)
    return x * np.minimum(gain, raw)


def _reflected(x: np.ndarray, w: int) -> np.ndarray:
    """x with w//2 samples mirrored at each end (scipy.ndimage's default 'reflect' edges)."""
    return np.pad(x, w // 2, mode="symmetric")


def moving_min(x: np.ndarray, w: int) -> np.ndarray:
    """Minimum over the odd window w centred on each sample, in O(n) (van Herk / Gil-Werman:
    running minima from each end of w-sample chunks); scipy's minimum_filter1d, exactly."""
    h = w // 2
    p = _reflected(x, w)
    m = -(-p.size // w) * w
    chunks = np.pad(p, (0, m - p.size), constant_values=np.inf).reshape(-1, w)
    ahead = np.minimum.accumulate(chunks, axis=1).ravel()              # chunk start → i
    behind = np.minimum.accumulate(chunks[:, ::-1], axis=1)[:, ::-1].ravel()   # i → chunk end
    i = np.arange(x.size)
    return np.minimum(behind[i], ahead[i + 2 * h]).astype(x.dtype)


def moving_mean(x: np.ndarray, w: int) -> np.ndarray:
    """Mean over the odd window w centred on each sample (scipy's uniform_filter1d, in float64
    sums)."""
    c = np.concatenate([[0.0], np.cumsum(_reflected(x, w), dtype=np.float64)])
    return ((c[w:] - c[:-w]) / w).astype(x.dtype)


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


def block_pauses(sizes: list[int], pauses: list[int], lead: int, grid: tuple[int, int] = NO_GRID,
                 limits: list[tuple[int, int]] | None = None) -> list[int]:
    """One block's pauses (after each of its utterances, in samples) moved so that the block
    (lead silence, audio, pauses) is whole grid blocks; the last keeps the grid's margin of
    silence. The rounding (up or down, whichever fits) is shared by the pauses in proportion to
    how far each may move within its `limits` (lowest, highest), so the longer pauses take the
    most and a pause never leaves its bounds: the heard order sentence < paragraph < speaker <
    section holds. Without limits (or when they cannot hold it) it is shared evenly."""
    block, margin = grid
    body = lead + sum(sizes) + sum(pauses)
    up = (-body) % block
    if limits:
        lo = [max(a, 1) for a, _ in limits]
        lo[-1] = max(lo[-1], margin)
        room_up = [max(h - p, 0) for p, (_, h) in zip(pauses, limits)]
        room_down = [max(p - a, 0) for p, a in zip(pauses, lo)]
        for r in sorted((up, up - block, up + block), key=abs):
            room = room_up if r >= 0 else room_down
            if abs(r) <= sum(room):
                return _share(pauses, r, room)
    end = round(body / block) * block
    while True:
        share, rest = divmod(end - body, len(pauses))
        out = [p + share for p in pauses]
        out[-1] += rest
        if out[-1] >= margin and min(out) > 0:
            return out
        end += block


def _share(pauses: list[int], r: int, room: list[int]) -> list[int]:
    """Move the pauses by r in all, each by its part of the room (integers, deterministic)."""
    total = sum(room)
    if r == 0 or total == 0:
        return list(pauses)
    sign = 1 if r > 0 else -1
    moves = [abs(r) * x // total for x in room]
    left = abs(r) - sum(moves)
    for i in sorted(range(len(pauses)), key=lambda i: -room[i]):   # the roomiest first
        if not left:
            break
        extra = min(left, room[i] - moves[i])
        moves[i] += extra
        left -= extra
    return [p + sign * m for p, m in zip(pauses, moves)]


def assemble(utterances: list[Utterance], mastered: list[np.ndarray], debate: Debate, rate: int,
             config: Assembly | None = None,
             words: list[list[int] | None] | None = None,
             grid: tuple[int, int] = NO_GRID) -> tuple[np.ndarray, Timeline]:
    """The book (mono int16) from mastered utterances, and its Timeline (see layout)."""
    config = config or Assembly.load()
    sizes = [m.size for m in mastered]
    timeline = layout(utterances, sizes, debate, rate, config, words, grid)
    return render(parts(timeline, sizes, lead_of(rate, config, grid)), mastered), timeline


def lead_of(rate: int, config: Assembly, grid: tuple[int, int] = NO_GRID) -> int:
    """The silence that opens every block (at least the codecs' margin)."""
    return max(rate * config.pauses_ms["lead"] // 1000, grid[1])


def parts(timeline: Timeline, sizes: list[int], lead: int) -> list[tuple[int, int, int]]:
    """Each clip as (silence before, audio, silence after), in samples."""
    opening = set(timeline.blocks)
    out = []
    for c, n in zip(timeline.clips, sizes):
        head = lead if c.start in opening else 0
        out.append((head, n, c.end - c.start - head - n))
    return out


def render(pieces: list[tuple[int, int, int]], audio: list[np.ndarray]) -> np.ndarray:
    """Clips laid end to end: silence, audio, silence (one block of the book, or all of it)."""
    out = np.zeros(sum(h + n + g for h, n, g in pieces), np.int16)
    pos = 0
    for (head, n, gap), x in zip(pieces, audio):
        out[pos + head: pos + head + n] = x
        pos += head + n + gap
    return out


def block_clips(timeline: Timeline) -> list[range]:
    """The clips (indices) of each block of the timeline."""
    starts = [c.start for c in timeline.clips]
    bounds = [bisect.bisect_left(starts, b) for b in timeline.blocks] + [len(starts)]
    return [range(i, j) for i, j in zip(bounds, bounds[1:])]


def layout(utterances: list[Utterance], sizes: list[int], debate: Debate, rate: int,
           config: Assembly | None = None,
           words: list[list[int] | None] | None = None,
           grid: tuple[int, int] = NO_GRID) -> Timeline:
    """Where every utterance (of `sizes` samples, mastered) and chapter sits in the book.
    `words`: per utterance, where each displayed word but the first starts in its audio (None:
    no word times); mastering keeps lengths, so synthesis times still hold. `grid`: (block,
    margin) of the codecs the book is encoded in block by block (the build passes
    write/splice's); NO_GRID for no rounding. Lengths only: a rebuild lays out a book without
    reading the audio that did not change.

    Every paragraph (and so every turn) is a block of whole codec frames that opens with the
    "lead" silence and ends with the rest of the pause before the next one; its pauses are moved
    to round it (block_pauses). A block's samples depend on its own utterances only, so an edit
    elsewhere leaves its encoding valid."""
    config = config or Assembly.load()
    lead = lead_of(rate, config, grid)
    kinds = [pause_kind(u, nxt) for u, nxt in zip(utterances, [*utterances[1:], None])]
    nominal = [rate * config.pauses_ms[k] // 1000 for k in kinds]
    heard = config.heard_ms
    # Blocks: runs of utterances of one paragraph; the pause before the next block opens it.
    firsts = [i for i, u in enumerate(utterances)
              if not i or (utterances[i - 1].section, utterances[i - 1].turn,
                           utterances[i - 1].paragraph) != (u.section, u.turn, u.paragraph)]
    pauses: list[int] = []
    for a, b in zip(firsts, [*firsts[1:], len(utterances)]):
        gaps = nominal[a:b]
        opens_next = lead if b < len(utterances) else 0     # heard = this gap + the next lead
        gaps[-1] -= opens_next
        limits = None
        if heard:
            limits = [(rate * heard[k][0] // 1000, rate * heard[k][1] // 1000) for k in kinds[a:b]]
            limits[-1] = (limits[-1][0] - opens_next, limits[-1][1] - opens_next)
        pauses += block_pauses(sizes[a:b], gaps, lead, grid, limits)

    clips: list[Clip] = []
    wclips: list[WordClip] = []
    blocks: list[int] = []
    pos = 0
    opening = set(firsts)
    for i, (u, n, gap) in enumerate(zip(utterances, sizes, pauses)):
        head = lead if i in opening else 0
        if head:
            blocks.append(pos)
        clips.append(Clip(u.id, pos, pos + head + n + gap))
        if words and words[i] is not None:
            wclips += word_clips(clips[-1], head + n, [head + s for s in words[i]])
        pos = clips[-1].end

    starts: dict[int, int] = {}
    for u, c in zip(utterances, clips):
        starts.setdefault(u.section, c.start)
    sections = sorted(starts)
    spans = tuple(
        Chapter(debate.sections[s].title, s, starts[s],
                starts[sections[j + 1]] if j + 1 < len(sections) else pos)
        for j, s in enumerate(sections))
    chapters = agenda_chapters(utterances, clips, debate, rate, config)
    return Timeline(rate, tuple(clips), chapters, pos, tuple(wclips), tuple(blocks) or (0,),
                    spans)


# --- chapters ------------------------------------------------------------------------------

def chapter_title(path: tuple[int, ...], nodes: dict[tuple[int, ...], AgendaItem]) -> str:
    """As a listener expects it: a section or an item by its own title ("Article 32"), an item
    inside an item after its parent's ("Article 32 — amendement n° 1565")."""
    node = nodes[path]
    if len(path) < 4:
        return node.title
    return f"{nodes[path[:-1]].title} — {_in_line(node.title)}"


def _in_line(title: str) -> str:
    """A title going after a dash: its capital dropped unless the word is all capitals."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def is_procedural(title: str, patterns: tuple[str, ...]) -> bool:
    """Whether an agenda heading is a procedural one (assembly.toml [chapters] procedural:
    suspension, rappel au règlement, ordre du jour…): matched at the title's start, any case,
    typographic apostrophes read as plain ones."""
    return _procedural(patterns).match(title.replace("\u2019", "'").strip()) is not None


@lru_cache(maxsize=8)
def _procedural(patterns: tuple[str, ...]):
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)", re.IGNORECASE)


def agenda_chapters(utterances: list[Utterance], clips: list[Clip], debate: Debate, rate: int,
                    config: Assembly) -> tuple[Chapter, ...]:
    """Chapters at the finest agenda level: every agenda item heard is a part; a part shorter
    than chapter_min_s joins its neighbour in its section (the one before it, or after it when
    it comes first), each section staying at least one chapter; when that makes more than
    chapters_max, the parts are cut one level up. Each chapter is then titled by what fills it
    (_title_item), and neighbours titled by the same item are one chapter."""
    if not utterances:
        return ()
    nodes = debate.agenda_items()
    paths = [u.agenda or (u.section,) for u in utterances]
    end = clips[-1].end
    least = int(config.chapter_min_s * rate)
    for depth in range(max(len(p) for p in paths), 0, -1):
        parts: list[list] = []                   # [path, start, end, {path: samples}]
        for p, c in zip(paths, clips):
            key = p[:depth]
            if not parts or parts[-1][0] != key:
                parts.append([key, c.start, c.end, {}])
            parts[-1][2] = c.end
            parts[-1][3][key] = parts[-1][3].get(key, 0) + c.end - c.start
        parts = _merge_short(parts, least)
        for part in parts:
            part[0] = _title_item(part, nodes, rate, config)
        parts = _merge_short(parts, 0)           # neighbours now titled alike: one chapter
        if len(parts) <= config.chapters_max or depth == 1:
            break
    chapters = []
    for i, (k, a, b, _) in enumerate(parts):
        title = chapter_title(k, nodes)
        # A section's first chapter titled by an item inside it keeps the section's name too
        # (the bill): without it no chapter would say what the debate is about.
        section = nodes[k[:1]].title
        if (len(k) > 1 and (i == 0 or parts[i - 1][0][0] != k[0])
                and not is_procedural(section, config.procedural)):
            title = f"{section} — {_in_line(title)}"
        chapters.append(Chapter(title, k[0], a, b if i + 1 < len(parts) else end, len(k), k))
    return tuple(chapters)


def _title_item(part: list, nodes: dict[tuple[int, ...], AgendaItem], rate: int,
                config: Assembly) -> tuple[int, ...]:
    """The agenda item a chapter is named after: the deepest one covering more than half of
    its time (a short opening merged into an item takes the item's title), but never a
    procedural heading (suspension, rappel au règlement…) when the chapter is longer than
    procedural_max_s: then the nearest item above it that is not procedural."""
    _, start, end, time = part
    total = sum(time.values())
    cover: dict[tuple[int, ...], int] = {}
    for path, n in time.items():
        for k in range(1, len(path) + 1):
            cover[path[:k]] = cover.get(path[:k], 0) + n
    chain = [min(cover, key=len)]                # the section: all of the chapter
    while True:
        kids = [k for k in cover if len(k) == len(chain[-1]) + 1 and k[:-1] == chain[-1]]
        best = max(kids, key=lambda k: (cover[k], -k[-1]), default=None)
        if best is None or 2 * cover[best] <= total:
            break
        chain.append(best)
    if end - start > config.procedural_max_s * rate:
        named = [k for k in chain if not is_procedural(nodes[k].title, config.procedural)]
        return named[-1] if named else chain[-1]
    return chain[-1]


def _merge_short(parts: list[list], least: int) -> list[list]:
    """Parts shorter than `least` samples merged into a neighbour of the same section, their
    time per agenda item added up (it chooses the title); with least 0, only neighbours of
    the same item."""
    out: list[list] = []
    for part in parts:
        if out and out[-1][0][0] == part[0][0] and (part[2] - part[1] < least
                                                    or out[-1][2] - out[-1][1] < least
                                                    or out[-1][0] == part[0]):
            out[-1][2] = part[2]
            for k, n in part[3].items():
                out[-1][3][k] = out[-1][3].get(k, 0) + n
        else:
            out.append(part)
    return out
