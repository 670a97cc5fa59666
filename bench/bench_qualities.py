"""Raw Piper synthesis cost per voice quality (x_low, low, medium, high), one onnxruntime thread.

Usage: python bench/bench_qualities.py VOICES_DIR [--sentences 40] [--rounds 3]

VOICES_DIR holds one Piper voice (.onnx + .onnx.json) per quality; the quality is read from
each config's audio.quality. No real voice can be downloaded here, so make random-weight ones
with Piper's exact architectures (same cost as real voices; they speak no words):

    for q in x_low low medium high; do
        .venv/bin/python tools/make_test_voice.py --quality $q --seed 7 \\
            --out /tmp/qualities/fr_FR-q${q/_/}-$q.onnx
    done

Every voice reads the same sentences of seeds/senat_territoires-d-industrie.txt (split and
normalized by the pipeline), one sentence at a time as pipeline/synth/engines.py feeds Piper,
with its settings (noise 0, normalize_audio off). Sentences are interleaved round-robin across
the voices, over several rounds, so machine noise hits every quality alike. Timed: the whole
PiperVoice.synthesize() call (espeak phonemization + ONNX inference). Before timing, each voice
is loaded and run once on the longest sentence: the RSS growth printed is that of loading plus
that run (each session keeps its own onnxruntime arena here, so the figures do not mix).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.normalize import normalize, split_sentences  # noqa: E402
from pipeline.normalize.phonemes import to_ipa  # noqa: E402

ORDER = ["x_low", "low", "medium", "high"]
SEED = ROOT / "seeds" / "senat_territoires-d-industrie.txt"


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def load(path: Path):
    """As PiperEngine._load with threads=1 (minus the shared arena, see the docstring)."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text("utf-8")))
    return PiperVoice(config=config, session=session)


def synth(voice, text: str) -> tuple[float, float]:
    """(compute seconds, audio seconds) of one sentence."""
    from piper import SynthesisConfig
    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
    start = time.perf_counter()
    samples = sum(len(c.audio_float_array) for c in voice.synthesize(text, syn_config=config))
    return time.perf_counter() - start, samples / voice.config.sample_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("voices_dir", type=Path)
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    paths = {}
    for p in sorted(args.voices_dir.glob("*.onnx")):
        q = json.loads(Path(f"{p}.json").read_text("utf-8"))["audio"]["quality"]
        paths.setdefault(q, p)
    qualities = [q for q in ORDER if q in paths]
    if not qualities:
        parser.error(f"no voice in {args.voices_dir}")

    sentences = [normalize(s) for line in SEED.read_text("utf-8").splitlines()
                 for s in split_sentences(line)]
    sentences = [s for s in sentences if s.strip()]
    step = max(1, len(sentences) // args.sentences)          # spread over the whole debate
    texts = [to_ipa(s) for s in sentences[::step][:args.sentences]]
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} sentences ({chars} characters, longest {max(map(len, texts))}) "
          f"from {SEED.name}, {args.rounds} rounds, 1 onnxruntime thread")

    voices, rss, longest = {}, {}, max(texts, key=len)
    for q in qualities:
        before = rss_mb()
        voices[q] = load(paths[q])
        synth(voices[q], longest)                              # warm-up, untimed
        rss[q] = rss_mb() - before

    compute = {q: [0.0] * args.rounds for q in qualities}
    audio = {q: 0.0 for q in qualities}
    for r in range(args.rounds):
        for i, text in enumerate(texts):
            for k in range(len(qualities)):                   # rotate who goes first
                q = qualities[(i + k) % len(qualities)]
                c, a = synth(voices[q], text)
                compute[q][r] += c
                if r == 0:
                    audio[q] += a
        print(f"round {r + 1}: " + ", ".join(f"{q} {compute[q][r]:.1f} s" for q in qualities),
              flush=True)

    rtf = {q: sum(compute[q]) / (audio[q] * args.rounds) for q in qualities}
    print()
    print(f"{'quality':8} {'compute s/round':>15} {'audio s':>8} {'RTF':>7} {'RTF min-max':>13} "
          f"{'x medium':>8} {'chars/s':>7} {'RSS +MB':>7} {'file MB':>7}")
    for q in qualities:
        per_round = [c / audio[q] for c in compute[q]]
        ratio = f"{rtf[q] / rtf['medium']:.2f}" if "medium" in rtf else "-"
        print(f"{q:8} {sum(compute[q]) / args.rounds:15.1f} {audio[q]:8.1f} {rtf[q]:7.4f} "
              f"{min(per_round):6.4f}-{max(per_round):.4f} {ratio:>8} {chars / audio[q]:7.1f} "
              f"{rss[q]:7.0f} {paths[q].stat().st_size / 1e6:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
