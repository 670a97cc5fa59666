"""Voice pitch, measured: the gender of the speakers of multi-speaker Piper voices whose genders
are not published (fr_FR-mls-medium). Synthesize a fixed sentence per speaker id, take the
median F0 (Praat's pitch tracker through parselmouth), classify, record it in measured.toml."""
from __future__ import annotations

from pathlib import Path

import numpy as np

SENTENCE = ("Monsieur le président, madame la ministre, mes chers collègues, "
            "la séance est ouverte et nous allons examiner le texte.")
THRESHOLD_HZ = 165.0           # adult speech: men ≈ 85–155 Hz, women ≈ 165–255 Hz


def median_f0(audio: np.ndarray, rate: int) -> float:
    """Median fundamental frequency of the voiced frames, in Hz (0.0 when nothing is voiced)."""
    import parselmouth
    x = audio.astype(np.float64)
    if x.dtype.kind == "i" or np.max(np.abs(x), initial=0) > 1.5:
        x = x / 32768.0
    pitch = parselmouth.Sound(x, sampling_frequency=rate).to_pitch(pitch_floor=60, pitch_ceiling=500)
    f0 = pitch.selected_array["frequency"]
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size else 0.0


def classify(f0: float) -> str:
    if f0 <= 0:
        return "unknown"
    return "female" if f0 >= THRESHOLD_HZ else "male"


def measure(voices_dir: Path, only_unknown: bool = True) -> dict[str, dict[int, tuple[str, float]]]:
    """Measure every installed Piper speaker (of unknown gender) and write
    `<voices_dir>/measured.toml`; returns {voice: {speaker id: (gender, f0)}}."""
    import tomli_w

    from pipeline.atomic import write_text
    from pipeline.model import Voice
    from pipeline.synth.engines import OUTPUT_RATE, PiperEngine
    from pipeline.voices import MEASURED, installed, piper_models
    models = {p.name[: -len(".onnx")]: p for p in piper_models(voices_dir)}
    engine = PiperEngine(models)
    out: dict[str, dict[int, tuple[str, float]]] = {}
    for iv in installed(voices_dir, "piper"):
        if only_unknown and iv.gender != "unknown":
            continue
        audio = engine.synthesize(SENTENCE, Voice("piper", iv.voice, iv.speaker_id))
        f0 = median_f0(audio, OUTPUT_RATE)
        out.setdefault(iv.voice, {})[iv.speaker_id or 0] = (classify(f0), round(f0, 1))
    path = Path(voices_dir) / MEASURED
    data = {"piper": {v: {"speakers": {str(k): g for k, (g, _) in sorted(s.items())},
                          "median_f0_hz": {str(k): f for k, (_, f) in sorted(s.items())}}
                      for v, s in sorted(out.items())}}
    write_text(path, "# Speaker genders measured by `hemicycle voices measure` (median F0, "
               f"threshold {THRESHOLD_HZ:.0f} Hz).\n\n" + tomli_w.dumps(data))
    return out
