"""Kokoro (ff_siwis) through the pipeline against raw Kokoro through onnxruntime, same sentences.

Usage: python bench/bench_kokoro.py [VOICES_DIR] [--sentences 20]

VOICES_DIR (default: the checkout's voices/) holds kokoro/ as `python -m pipeline.voices kokoro`
assembles it. The sentences are the Sénat seed's first spoken utterances (split and normalized
by the pipeline), read by the narrator's plain voice. Timed:

- raw: one process, one onnxruntime thread, the model as published (no durations output):
  phonemes (the engine's own function) → ids → session.run, sentence after sentence;
- pipeline, 1 worker: Synthesizer.run with word times (the durations output, resampling to
  OUTPUT_RATE, trimming, the cache's writes), the model loaded beforehand as raw's is;
- pipeline, 2 workers: the same in the worker pool (each worker loads the model: counted).

Each phase starts from an empty cache. Real-time factor = seconds spent / seconds of audio
(the model's 24 kHz audio, before trimming), in wall-clock time and in CPU time (this process
and its workers): on a shared machine the CPU figures are the comparable ones.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cache import Cache  # noqa: E402
from pipeline.model import Voice  # noqa: E402
from pipeline.parse import parse_file  # noqa: E402
from pipeline.segment import segment  # noqa: E402
from pipeline.synth import Synthesizer  # noqa: E402
from pipeline.synth.kokoro import MODEL, RATE, _rules, chunks, phonemes  # noqa: E402
from pipeline.voices import engine_models, kokoro_packs  # noqa: E402

SEED = ROOT / "seeds" / "senat_territoires-d-industrie.txt"
VOICE = Voice("kokoro", "ff_siwis", None, "female")


def raw(voices: Path, sentences: list[str]) -> tuple[float, float]:
    import onnxruntime
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    d = voices / "kokoro"
    session = onnxruntime.InferenceSession(str(d / MODEL), opts,
                                           providers=["CPUExecutionProvider"])
    pack = np.fromfile(d / "ff_siwis.bin", dtype="<f4").reshape(-1, 256)
    vocab = _rules()[0]
    samples, t0, c0 = 0, time.perf_counter(), _cpu()
    for s in sentences:
        for piece in chunks(phonemes(s)):
            ids = [vocab[c] for c in piece]
            (audio,) = session.run(["audio"], {"tokens": np.array([[0, *ids, 0]], np.int64),
                                               "style": pack[len(ids)][None, :],
                                               "speed": np.ones(1, np.float32)})
            samples += audio.size
    return time.perf_counter() - t0, _cpu() - c0, samples / RATE


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def pipeline(voices: Path, sentences: list[str], workers: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="hemicycle-bench-kokoro-") as tmp:
        synth = Synthesizer(engine_models(voices), Cache(Path(tmp)), workers)
        if workers == 1:
            synth._engines.kokoro._load(VOICE)         # loaded beforehand, as raw's session
        t0, c0 = time.perf_counter(), _cpu()
        synth.run([(s, VOICE) for s in sentences], progress=False, words=True)
        return time.perf_counter() - t0, _cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("voices", nargs="?", type=Path, default=ROOT / "voices")
    ap.add_argument("--sentences", type=int, default=20)
    args = ap.parse_args()
    if not kokoro_packs(args.voices):
        sys.exit(f"bench_kokoro: no Kokoro in {args.voices}: python -m pipeline.voices kokoro")
    sentences = [u.spoken for u in segment(parse_file(SEED))
                 if u.kind != "stage" and len(u.spoken) >= 40][:args.sentences]
    phonemes(sentences[0])                             # espeak-ng loaded before any timing
    seconds, cpu, audio = raw(args.voices, sentences)
    one, one_cpu = pipeline(args.voices, sentences, 1)
    two, two_cpu = pipeline(args.voices, sentences, 2)
    print(f"\nKokoro ff_siwis, {len(sentences)} seed sentences, {audio:.1f} s of audio "
          f"(wall s / CPU s, RTF wall / CPU)")
    print(f"raw Kokoro (onnxruntime), 1 thread {seconds:7.1f} / {cpu:6.1f}  "
          f"RTF {seconds / audio:.3f} / {cpu / audio:.3f}")
    print(f"pipeline synth, 1 worker          {one:7.1f} / {one_cpu:6.1f}  "
          f"RTF {one / audio:.3f} / {one_cpu / audio:.3f}  CPU ×{one_cpu / cpu:.2f} raw "
          f"(target ≤ 1.10)")
    print(f"pipeline synth, 2 workers         {two:7.1f} / {two_cpu:6.1f}  "
          f"RTF {two / audio:.3f} / {two_cpu / audio:.3f}  {one / two:.2f}× faster than 1 worker "
          f"(wall; model loads included)")


if __name__ == "__main__":
    main()
