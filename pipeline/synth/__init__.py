"""Synthesis stage: every (spoken text, Voice) to int16 audio at OUTPUT_RATE, through the cache,
in a pool of worker processes that each load their voices lazily."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.cache import Cache, key as cache_key
from pipeline.errors import ToolError, last_line
from pipeline.model import InputError, Voice
from pipeline.synth.engines import OUTPUT_RATE, OfflineEngine, PiperEngine
from pipeline.synth.kokoro import KokoroEngine

SILENCE_DB = -50.0             # edges quieter than this are trimmed…
KEEP_MS = 30                   # …keeping this much, so pauses are ours, not the engine's
TIMED_ENGINES = ("piper", "kokoro", "mbrola")   # engines that tell where words start (not pico)


@dataclass
class Stats:
    synthesized: int = 0
    reused: int = 0
    damaged: int = 0           # cache entries found damaged, synthesized again
    samples: int = 0
    seconds: float = 0.0
    calls: list = field(default_factory=list)   # spoken texts synthesized, in order done

    def summary(self) -> str:
        repaired = f", {self.damaged} damaged cache entries made again" if self.damaged else ""
        return (f"synthesized {self.synthesized} utterances, reused {self.reused} from cache"
                f"{repaired}, {self.samples / OUTPUT_RATE / 60:.1f} min of audio in "
                f"{self.seconds:.1f} s")


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
        self.kokoro = KokoroEngine(models, threads)
        self.offline = OfflineEngine()

    def of(self, voice: Voice):
        return {"piper": self.piper, "kokoro": self.kokoro}.get(voice.engine, self.offline)

    def render(self, text: str, voice: Voice) -> np.ndarray:
        return to_int16(trim(self.of(voice).synthesize(text, voice)))

    def render_timed(self, text: str, voice: Voice) -> tuple[np.ndarray, list[int] | None]:
        """render(), and where each spoken word but the first starts in it (None with pico,
        which tells no times). Starts follow the trimming: shifted by the cut, clamped into
        the kept audio."""
        audio, starts = self.of(voice).synthesize_timed(text, voice)
        a, b = trim_bounds(audio)
        if starts is not None:
            starts = [min(max(s - a, 0), b - a) for s in starts]
        return to_int16(audio[a:b]), starts


def render(engines: Engines, text: str, voice: Voice, timed: bool) -> tuple[np.ndarray, list | None]:
    """One utterance's audio (and its word times when `timed`). An engine's failure is a
    ToolError naming the voice, the sentence and the engine's last word."""
    try:
        if timed:
            return engines.render_timed(text, voice)
        return engines.render(text, voice), None
    except (ToolError, OSError, KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:
        shown = text if len(text) <= 60 else text[:57] + "…"
        raise ToolError(f"{voice.engine} voice {voice.voice} failed on “{shown}”: "
                        f"{last_line(str(e) or type(e).__name__)}") from None


def _store(engines: Engines, cache: Cache, k: str, text: str, voice: Voice, timed: bool,
           master=None) -> int:
    """Synthesize one utterance into the cache (its word times too when `timed`; its mastered
    audio too with `master`, an assemble.Assembly: mastering then runs in the workers)."""
    pcm, starts = render(engines, text, voice, timed)
    if timed:
        cache.put_words(k, starts)
    cache.put(k, pcm)
    if master is not None:
        from pipeline.mastered import put_master
        put_master(cache, k, master, pcm)
    return len(pcm)


_WORKER: dict = {}


def _init_worker(models: dict[str, Path], threads: int, cache_root: Path,
                 scratch: Path | None, master=None) -> None:
    # Ctrl-C is the parent's to handle (it stops the pool): a worker ignores it (it was born
    # ignoring it, see _children_ignore_sigint). SIGTERM (pool.terminate()) ends it at once:
    # its temp files are in the build's scratch folder, which the next build removes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if scratch:
        tempfile.tempdir = str(scratch)
    _WORKER["engines"] = Engines(models, threads)
    _WORKER["cache"] = Cache(cache_root)
    _WORKER["master"] = master


def _die_with_parent() -> None:
    """A worker whose build was killed (kill -9: no pool.terminate()) ends with it, at once
    (Linux PR_SET_PDEATHSIG), instead of finishing its sentence and printing tracebacks to a
    pipe nobody reads."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):         # not Linux: the pipe's EPIPE ends it later
        return
    if os.getppid() == 1:                     # the build died before the call
        os._exit(0)


def _work(job: tuple[str, str, Voice, bool]) -> tuple[str, int]:
    """Synthesize one utterance and store it: the cache is the only channel back, so a killed
    build keeps every finished utterance."""
    return job[0], _store(_WORKER["engines"], _WORKER["cache"], *job, _WORKER["master"])


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                     # not Linux
        return os.cpu_count() or 1


@contextmanager
def _children_ignore_sigint():
    """Processes started in here ignore SIGINT from birth (a disposition kept across exec, and
    Python then installs no KeyboardInterrupt handler): a Ctrl-C while they import gives no
    traceback. The parent's own handler is back on leaving."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class Synthesizer:
    def __init__(self, models: dict[str, Path], cache: Cache, workers: int | None = None,
                 scratch: Path | None = None):
        """`workers`: processes, at most one per core and one per utterance to synthesize (more
        would only compete). `scratch`: where the engines' temp files go (default: $TMPDIR)."""
        if workers is not None and workers < 1:
            raise InputError(f"--workers {workers}: needs at least 1 worker")
        self.models = models
        self.cache = cache
        self.scratch = scratch
        self.workers = min(workers or cores(), cores())
        # One worker = one core: one onnxruntime thread per session, in-process or in the pool
        # (two single-thread processes beat one two-thread process on these machines).
        self._engines = Engines(models, threads=1)
        self._fingerprints: dict[Voice, str] = {}

    def key(self, spoken: str, voice: Voice) -> str:
        # One look at each voice's files per synthesizer (a build): a stat and a memo read per
        # sentence were half of planning a sitting.
        fingerprint = self._fingerprints.get(voice)
        if fingerprint is None:
            fingerprint = self._fingerprints[voice] = \
                self._engines.of(voice).fingerprint(voice, self.cache.digest)
        return cache_key(f"{fingerprint}-trim{SILENCE_DB}/{KEEP_MS}",
                         voice.rendering, OUTPUT_RATE, spoken)

    def run(self, requests: list[tuple[str, Voice]], progress: bool = True,
            keys: list[str] | None = None, words: bool = False,
            master=None, audio: bool = True) -> tuple[list, Stats]:
        """Audio for each (spoken, voice) request, in order; synthesizes only cache misses.
        `keys`: the requests' cache keys when the caller already has them. `words`: Piper and
        espeak-ng + MBROLA utterances also get their word times (word_starts); one cached
        without them is synthesized again (same audio) to get them. `master` (an
        assemble.Assembly): the audio is mastered (pipeline/mastered.py), where it is
        synthesized, and kept mastered in the cache. `audio=False` (with `master`): only each
        one's length in samples, its mastered audio left in the cache for the caller to read
        where it needs it (pipeline/mastered.get_master): a rebuild reads no unchanged audio."""
        from pipeline.mastered import get_master, master_samples, put_master
        lengths = master and not audio
        t0 = time.perf_counter()
        stats = Stats()
        keys = keys or [self.key(spoken, voice) for spoken, voice in requests]
        damaged = self.cache.damaged
        found: dict[str, np.ndarray | None] = {}
        todo: dict[str, tuple[str, str, Voice, bool]] = {}
        for k, (spoken, voice) in zip(keys, requests):
            if k in found:
                continue
            timed = words and voice.engine in TIMED_ENGINES
            if timed and not self.cache.has_words(k):
                todo[k] = (k, spoken, voice, timed)
                continue
            if lengths and k in self.cache:
                found[k] = master_samples(self.cache, k, master)
                if found[k] is not None:
                    continue
            # Checked: a damaged entry reads as missing.
            found[k] = get_master(self.cache, k, master) if master else None
            if found[k] is None:
                found[k] = self.cache.get(k)
                if found[k] is None:
                    todo[k] = (k, spoken, voice, timed)
                elif master:                 # synthesized by a build with another mastering
                    found[k] = put_master(self.cache, k, master, found[k])
            if lengths and found[k] is not None:
                found[k] = found[k].size
        stats.damaged = self.cache.damaged - damaged
        stats.reused = len(set(keys)) - len(todo)
        # Longest first: the pool's tail is then short sentences.
        jobs = sorted(todo.values(), key=lambda j: (-len(j[1]), j[0]))
        if jobs:
            self._run_jobs(jobs, stats, progress, master)
            for k in todo:
                found[k] = master_samples(self.cache, k, master) if lengths else \
                    get_master(self.cache, k, master) if master else self.cache.get(k)
                if found[k] is None:
                    raise ToolError(f"{self.cache.root}: an utterance just synthesized cannot "
                                    "be read back from the cache")
        out = [found[k] for k in keys]
        stats.samples = sum(a if lengths else len(a) for a in out)
        stats.seconds = time.perf_counter() - t0
        return out, stats

    def _run_jobs(self, jobs, stats: Stats, progress: bool, master=None) -> None:
        bar = _Progress(len(jobs), enabled=progress)
        try:
            # A pool costs each worker its start (imports, its voices: about a second): as many
            # utterances as workers or fewer (a rebuild after an edit) are said here instead.
            workers = 1 if len(jobs) <= self.workers else self.workers
            if workers == 1:
                engines = self._engines
                for job in jobs:
                    n = _store(engines, self.cache, *job, master)
                    stats.calls.append(job[1])
                    bar.advance(n)
            else:
                ctx = mp.get_context("spawn")    # no fork of loaded onnx sessions
                with _children_ignore_sigint():
                    pool = ctx.Pool(workers, _init_worker,
                                    (self.models, 1, self.cache.root, self.scratch, master))
                with pool:
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
