"""The committed test voices load and speak through Piper's own API.

They are random-weight VITS voices made by tools/make_test_voice.py (they speak
no words); these tests guard what the rest of the suite relies on: Piper's
format, a realistic duration, repeatable output, distinct speakers. No torch
here: CI does not have it.
"""

from pathlib import Path

import numpy as np
import pytest
from piper import PiperVoice, SynthesisConfig

VOICES = Path(__file__).parent / "fixtures" / "voices"
SINGLE = VOICES / "fr_FR-test-tiny.onnx"
MULTI = VOICES / "fr_FR-testmulti-tiny.onnx"
TEXT = "Bonjour, la séance est ouverte à vingt et une heures trente."
CHARS_PER_SECOND = 19  # real French Piper voices' rate, which the generator targets


@pytest.fixture(scope="module")
def single() -> PiperVoice:
    return PiperVoice.load(SINGLE)


@pytest.fixture(scope="module")
def multi() -> PiperVoice:
    return PiperVoice.load(MULTI)


def speak(voice: PiperVoice, text: str = TEXT, speaker_id=None) -> np.ndarray:
    # The project's repeatable settings: no noise, no per-sentence normalization.
    config = SynthesisConfig(
        speaker_id=speaker_id, normalize_audio=False, noise_scale=0, noise_w_scale=0
    )
    chunks = list(voice.synthesize(text, syn_config=config))
    assert chunks and all(c.sample_rate == voice.config.sample_rate for c in chunks)
    return np.concatenate([c.audio_float_array for c in chunks])


@pytest.mark.parametrize("path", [SINGLE, MULTI], ids=lambda p: p.stem)
def test_fixture_is_small_piper_voice(path: Path) -> None:
    assert path.stat().st_size < 2_000_000  # ~1 MB: cheap to commit and to load
    voice = PiperVoice.load(path)
    assert voice.config.sample_rate == 22050
    assert voice.config.espeak_voice == "fr"


@pytest.mark.parametrize("name", ["single", "multi"])
def test_duration_like_a_real_voice(name: str, request) -> None:
    voice = request.getfixturevalue(name)
    speakers = range(voice.config.num_speakers) if voice.config.num_speakers > 1 else [None]
    expected = len(TEXT) / CHARS_PER_SECOND
    for sid in speakers:
        seconds = len(speak(voice, speaker_id=sid)) / voice.config.sample_rate
        assert 0.6 * expected < seconds < 1.6 * expected, (sid, seconds, expected)


def test_longer_text_lasts_longer(single: PiperVoice) -> None:
    short = speak(single, "Il n'est pas adopté.")
    assert len(speak(single)) > 2 * len(short)


@pytest.mark.parametrize("name", ["single", "multi"])
def test_deterministic(name: str, request) -> None:
    voice = request.getfixturevalue(name)
    sid = 0 if voice.config.num_speakers > 1 else None
    first, second = speak(voice, speaker_id=sid), speak(voice, speaker_id=sid)
    assert np.array_equal(first, second)


def test_audio_is_usable_signal(single: PiperVoice) -> None:
    audio = speak(single)
    rms = float(np.sqrt(np.mean(audio**2)))
    assert 0.02 < rms < 0.5  # audible, not clipping
    assert abs(float(np.mean(audio))) < 0.01  # no DC offset (clicks between clips)


def test_multi_speakers_differ(multi: PiperVoice) -> None:
    assert multi.config.num_speakers >= 4
    assert sorted(multi.config.speaker_id_map.values()) == list(range(multi.config.num_speakers))
    outputs = [speak(multi, speaker_id=sid) for sid in range(multi.config.num_speakers)]
    for i in range(len(outputs)):
        for j in range(i + 1, len(outputs)):
            a, b = outputs[i], outputs[j]
            assert len(a) != len(b) or not np.allclose(a, b, atol=1e-3), (i, j)


def test_phoneme_alignments(multi: PiperVoice) -> None:
    """With piper-tts[alignment] (the onnx package) Piper reports phoneme durations."""
    voice = PiperVoice.load(MULTI, include_alignments=True)
    config = SynthesisConfig(speaker_id=1, normalize_audio=False, noise_scale=0, noise_w_scale=0)
    for chunk in voice.synthesize(TEXT, syn_config=config, include_alignments=True):
        assert chunk.phoneme_alignments, "no alignments"
        assert sum(a.num_samples for a in chunk.phoneme_alignments) == len(chunk.audio_float_array)
