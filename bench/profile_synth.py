"""Where the pipeline's time goes per utterance, against raw Piper (issue 27): cProfile of the
bench's "raw" and "pipelineN" phases on the first utterances of the Sénat seed, one medium test
voice (tools/make_test_voice.py, as bench/run.py makes them) for every speaker.

    .venv/bin/python bench/profile_synth.py [--utterances 80] [--workers 1]

Prints each phase's wall time, then the pipeline's time by stage (engine, cache write with its
checksum and fsync, cache read back, mastering, assembly, pool wait) as a share of its wall
time, and the top functions by cumulative time. With several workers the driver's profile shows
what it does serially after the pool (reading back, mastering, assembling).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run import SEED, VOICES, make_voices  # noqa: E402

# Stages by the function that does them (file fragment, function name): cumulative time.
STAGES = [
    ("engine: onnxruntime run", ("onnxruntime", "run")),
    ("engine: phonemize (espeak)", ("phonemize", "phonemize")),
    ("cache write: pack_pcm (deflate)", ("cache.py", "pack_pcm")),
    ("cache write: fsync", ("atomic.py", "_fsync")),
    ("cache write: whole put()", ("cache.py", "put")),
    ("cache read: get() (read, CRC, inflate)", ("cache.py", "get")),
    ("trim + int16", ("synth/__init__.py", "trim")),
    ("mastering", ("assemble.py", "master")),
    ("assembly", ("assemble.py", "assemble")),
    ("pool: waiting for workers", ("pool.py", "next")),
]


def requests(n: int):
    from pipeline.model import Voice
    from pipeline.parse import parse_file
    from pipeline.segment import segment
    debate = parse_file(SEED)
    utterances = segment(debate)[:n]
    voice = Voice("piper", "fr_FR-bench0-medium", None, "female")
    return debate, utterances, [(u.spoken, voice) for u in utterances]


def raw(reqs, models) -> None:
    import onnxruntime
    from piper import PiperVoice, SynthesisConfig
    from piper.config import PiperConfig
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    path = models["fr_FR-bench0-medium"]
    v = PiperVoice(config=PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text())),
                   session=onnxruntime.InferenceSession(str(path), sess_options=opts,
                                                        providers=["CPUExecutionProvider"]))
    for spoken, _ in reqs:
        cfg = SynthesisConfig(speaker_id=None, noise_scale=0, noise_w_scale=0,
                              normalize_audio=False)
        sum(len(c.audio_float_array) for c in v.synthesize(spoken, cfg))


def pipeline(debate, utterances, reqs, models, workers: int, cache_dir: Path) -> None:
    from pipeline.assemble import Assembly, assemble
    from pipeline.cache import Cache
    from pipeline.synth import Synthesizer
    from pipeline.synth.engines import OUTPUT_RATE
    from pipeline.write.splice import BLOCK, MARGIN
    config = Assembly.load()
    audio, _ = Synthesizer(models, Cache(cache_dir), workers).run(reqs, progress=False,
                                                                  master=config)
    assemble(utterances, audio, debate, OUTPUT_RATE, config, grid=(BLOCK, MARGIN))


def stages(stats: pstats.Stats, wall: float) -> list[str]:
    lines = []
    for label, (frag, name) in STAGES:
        cum = sum(v[3] for (f, _, fn), v in stats.stats.items() if frag in f and fn == name)
        lines.append(f"  {label:42s} {cum:7.2f} s  {100 * cum / wall:5.1f} %")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--utterances", type=int, default=80)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if not (VOICES / "fr_FR-bench0-medium.onnx.json").exists():
        make_voices()
    from pipeline.voices import piper_models
    models = {p.name[:-5]: p for p in piper_models(VOICES)}
    debate, utterances, reqs = requests(args.utterances)
    raw(reqs[:2], models)                                # load and warm onnxruntime once
    with tempfile.TemporaryDirectory(prefix="hemicycle-profile-") as tmp:
        results = {}
        for name, run in (("raw", lambda: raw(reqs, models)),
                          (f"pipeline{args.workers}",
                           lambda: pipeline(debate, utterances, reqs, models, args.workers,
                                            Path(tmp) / "cache"))):
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.runcall(run)
            results[name] = (time.perf_counter() - t0, prof)
    (rt, _), (pt, prof) = results["raw"], results[f"pipeline{args.workers}"]
    chars = sum(len(s) for s, _ in reqs)
    print(f"{len(reqs)} utterances, {chars} characters; raw {rt:.2f} s, "
          f"pipeline ({args.workers} worker(s)) {pt:.2f} s = ×{pt / rt:.3f} raw")
    stats = pstats.Stats(prof)
    print("pipeline by stage (cumulative, share of its wall time):")
    print("\n".join(stages(stats, pt)))
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


if __name__ == "__main__":
    main()
