"""Synthesis stage: every (spoken text, Voice) to int16 audio at OUTPUT_RATE, through the cache,
in a pool of worker processes that each load their voices lazily."""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.cache import Cache, key as cache_key
from pipeline.model import Voice
from pipeline.synth.engines import OUTPUT_RATE, OfflineEngine, PiperEngine

SILENCE_DB = -50.0             # edges quieter than this are trimmed…
KEEP_MS = 30                   # …keeping this much, so pauses are ours, not the engine's


@dataclass
class Stats:
    synthesized: int = 0
    reused: int = 0
    samples: int = 0
    seconds: float = 0.0
    calls: list = field(default_factory=list)   # spoken texts synthesized, in order done

    def summary(self) -> str:
        return (f"synthesized {self.synthesized} utterances, reused {self.reused} from cache, "
                f"{self.samples / OUTPUT_RATE / 60:.1f} min of audio in {self.seconds:.1f} s")


def trim_bounds(audio: np.ndarray) -> tuple[int, int]:
    """Where trim() cuts: audio[a:b] is kept."""
    loud = np.flatnonzero(np.abs(audio) > 10 ** (SILENCE_DB / 20))
    if loud.size == 0:
        return 0, 0
    keep = OUTPUT_RATE * KEEP_MS // 1000
    return max(0, int(loud[0]) - keep), min(audio.size, int(loud[-1]) + 1 + keep)


def trim(audio: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence (engines pad unevenly), keeping KEEP_MS."""
    a, b = trim_bounds(audio)
    return audio[a:b]


def to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32767.0), -32767, 32767).astype(np.int16)


class Engines:
    """The engines of one process, by Voice.engine."""

    def __init__(self, models: dict[str, Path], threads: int = 0):
        self.piper = PiperEngine(models, threads)
        self.offline = OfflineEngine()

    def of(self, voice: Voice):
        return self.piper if voice.engine == "piper" else self.offline

    def render(self, text: str, voice: Voice) -> np.ndarray:
        return to_int16(trim(self.of(voice).synthesize(text, voice)))

    def render_timed(self, text: str, voice: Voice) -> tuple[np.ndarray, list[int] | None]:
        """render(), and where each spoken word but the first starts in it (Piper only: the
        offline engine has no alignments, None). Starts follow the trimming: shifted by the
        cut, clamped into the kept audio."""
        if voice.engine != "piper":
            return self.render(text, voice), None
        audio, starts = self.piper.synthesize_timed(text, voice)
        a, b = trim_bounds(audio)
        if starts is not None:
            starts = [min(max(s - a, 0), b - a) for s in starts]
        return to_int16(audio[a:b]), starts


def _store(engines: Engines, cache: Cache, k: str, text: str, voice: Voice, timed: bool) -> int:
    """Synthesize one utterance into the cache (its word times too when `timed`)."""
    if timed:
        pcm, starts = engines.render_timed(text, voice)
        cache.put_words(k, starts)
    else:
        pcm = engines.render(text, voice)
    cache.put(k, pcm)
    return len(pcm)


_WORKER: dict = {}


def _init_worker(models: dict[str, Path], threads: int, cache_root: Path) -> None:
    _WORKER["engines"] = Engines(models, threads)
    _WORKER["cache"] = Cache(cache_root)


def _work(job: tuple[str, str, Voice, bool]) -> tuple[str, int]:
    """Synthesize one utterance and store it: the cache is the only channel back, so a killed
    build keeps every finished utterance."""
    return job[0], _store(_WORKER["engines"], _WORKER["cache"], *job)


class Synthesizer:
    def __init__(self, models: dict[str, Path], cache: Cache, workers: int | None = None):
        self.models = models
        self.cache = cache
        self.workers = max(1, workers or os.cpu_count() or 1)
        # One worker = one core: one onnxruntime thread per session, in-process or in the pool
        # (two single-thread processes beat one two-thread process on these machines).
        self._engines = Engines(models, threads=1)

    def key(self, spoken: str, voice: Voice) -> str:
        fingerprint = self._engines.of(voice).fingerprint(voice, self.cache.digest)
        return cache_key(f"{fingerprint}-trim{SILENCE_DB}/{KEEP_MS}",
                         voice.rendering, OUTPUT_RATE, spoken)

    def run(self, requests: list[tuple[str, Voice]], progress: bool = True,
            keys: list[str] | None = None, words: bool = False) -> tuple[list[np.ndarray], Stats]:
        """Audio for each (spoken, voice) request, in order; synthesizes only cache misses.
        `keys`: the requests' cache keys when the caller already has them. `words`: Piper
        utterances also get their word times (word_starts); one cached without them is
        synthesized again (same audio) to get them."""
        t0 = time.perf_counter()
        stats = Stats()
        keys = keys or [self.key(spoken, voice) for spoken, voice in requests]
        todo: dict[str, tuple[str, str, Voice, bool]] = {}
        for k, (spoken, voice) in zip(keys, requests):
            timed = words and voice.engine == "piper"
            if k not in todo and (k not in self.cache or (timed and not self.cache.has_words(k))):
                todo[k] = (k, spoken, voice, timed)
        stats.reused = len(set(keys)) - len(todo)
        # Longest first: the pool's tail is then short sentences.
        jobs = sorted(todo.values(), key=lambda j: (-len(j[1]), j[0]))
        if jobs:
            self._run_jobs(jobs, stats, progress)
        audio = [self.cache.get(k) for k in keys]
        stats.samples = sum(len(a) for a in audio)
        stats.seconds = time.perf_counter() - t0
        return audio, stats

    def _run_jobs(self, jobs, stats: Stats, progress: bool) -> None:
        bar = _Progress(len(jobs), enabled=progress)
        try:
            if self.workers == 1 or len(jobs) == 1:
                engines = self._engines
                for job in jobs:
                    n = _store(engines, self.cache, *job)
                    stats.calls.append(job[1])
                    bar.advance(n)
            else:
                ctx = mp.get_context("spawn")    # no fork of loaded onnx sessions
                with ctx.Pool(self.workers, _init_worker,
                              (self.models, 1, self.cache.root)) as pool:
                    texts = {j[0]: j[1] for j in jobs}
                    for k, n in pool.imap_unordered(_work, jobs, chunksize=1):
                        stats.calls.append(texts[k])
                        bar.advance(n)
        finally:
            bar.close()
        stats.synthesized = len(jobs)

    def word_starts(self, keys: list[str]) -> list[list[int] | None]:
        """The cached word times of each key (see Engines.render_timed); None where none."""
        return [self.cache.get_words(k) for k in keys]


class _Progress:
    """Utterances done, minutes of audio produced, ETA: on stderr, only on a terminal."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.samples = total, 0, 0
        self.live = None
        if enabled and sys.stderr.isatty():
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)
            self.live = Progress(TextColumn("synthesis"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("utterances · {task.fields[minutes]:.1f} min audio"),
                                 TextColumn("ETA"), TimeRemainingColumn(), transient=True)
            self.task = self.live.add_task("synth", total=total, minutes=0.0)
            self.live.start()

    def advance(self, samples: int) -> None:
        self.done += 1
        self.samples += samples
        if self.live:
            self.live.update(self.task, advance=1, minutes=self.samples / OUTPUT_RATE / 60)

    def close(self) -> None:
        if self.live:
            self.live.stop()
