import shutil

import numpy as np
import pytest

from pipeline.config import load_catalog
from pipeline.voice_pitch import THRESHOLD_HZ, classify, measure, median_f0
from pipeline.voices import installed

from conftest import MULTI

RATE = 22050


def voiced(f0: float, seconds: float = 1.5) -> np.ndarray:
    """A glottal-like source: harmonics falling 6 dB/octave, 4 % vibrato, pauses between words."""
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.04 * np.sin(2 * np.pi * 5 * t))) / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 12))
    gate = (np.sin(2 * np.pi * 1.3 * t) > -0.6).astype(float)
    return (0.2 * x * gate).astype(np.float32)


@pytest.mark.parametrize("f0,gender", [(95, "male"), (120, "male"), (145, "male"),
                                       (190, "female"), (215, "female"), (250, "female")])
def test_known_pitch(f0, gender):
    measured = median_f0(voiced(f0), RATE)
    assert abs(measured - f0) < 0.03 * f0
    assert classify(measured) == gender


def test_silence_is_unknown():
    assert classify(median_f0(np.zeros(RATE, np.float32), RATE)) == "unknown"


def test_measure_test_voice(tmp_path):
    shutil.copy(MULTI, tmp_path / MULTI.name)
    shutil.copy(f"{MULTI}.json", tmp_path / f"{MULTI.name}.json")
    assert {v.gender for v in installed(tmp_path, "piper")} == {"unknown"}
    result = measure(tmp_path)
    name = MULTI.name[: -len(".onnx")]
    speakers = result[name]
    assert len(speakers) >= 4
    for gender, f0 in speakers.values():
        assert 60 <= f0 <= 500, "a voiced F0 was found in the synthesized sentence"
        assert gender == ("female" if f0 >= THRESHOLD_HZ else "male")
    # Recorded (valid for the catalog's loader), and from then on the pool knows them.
    measured = load_catalog(tmp_path)["piper"][name]
    assert measured["speakers"] == {str(k): g for k, (g, _) in speakers.items()}
    assert measured["median_f0_hz"] == {str(k): f for k, (_, f) in speakers.items()}
    assert {v.speaker_id: v.gender for v in installed(tmp_path, "piper")} == \
        {k: g for k, (g, _) in speakers.items()}
