"""The Kokoro engine (voice ff_siwis) on real sentences of the Sénat seed, its supply chain, and
who it speaks for in the offline engine's cast.

The model is the real one, assembled into the checkout's voices/ by `make test` (Makefile:
`python -m pipeline.voices kokoro --voices voices`): a few sentences per test, never a book.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from pipeline.cache import Cache
from pipeline.model import Voice
from pipeline.parse import parse_file
from pipeline.segment import segment
from pipeline.synth import Synthesizer
from pipeline.synth.engines import OUTPUT_RATE
from pipeline.synth.kokoro import (FRAME, MAX_TOKENS, MODEL, RATE, KokoroEngine, _rules,
                                   chunks, phonemes)
from pipeline.voices import KOKORO_MODEL_SHA256, engine_models, kokoro_packs
from pipeline.words import spoken_words

from conftest import ROOT, SENAT

VOICES = ROOT / "voices"
SIWIS = Voice("kokoro", "ff_siwis", None, "female")
VARIANT = Voice("kokoro", "ff_siwis", None, "female", length_scale=1.08, pitch=0.96)


def _sentences() -> list[str]:
    """Spoken sentences of the seed's first speeches, 60 to 160 characters long."""
    return [u.spoken for u in segment(parse_file(SENAT))
            if u.kind != "stage" and 60 <= len(u.spoken) <= 160]


SENTENCES = _sentences()[:3]


@pytest.fixture(scope="module")
def engine() -> KokoroEngine:
    assert kokoro_packs(VOICES), ("no Kokoro in voices/: run `make test` (or `python -m "
                                  "pipeline.voices kokoro --voices voices`) first")
    return KokoroEngine(engine_models(VOICES), threads=1)


@pytest.fixture(scope="module")
def spoken(engine):
    """Each sentence: the model's pieces (symbols, 24 kHz audio, samples per symbol), and
    the engine's audio and word starts, for the plain voice."""
    return [(engine.run(s, SIWIS), *engine.synthesize_timed(s, SIWIS)) for s in SENTENCES]


def test_sentences_are_real_and_french():
    assert len(SENTENCES) == 3
    assert SENTENCES[0].startswith("Nous connaissons les principes")
    # espeak-ng's French IPA with stress, in Kokoro's symbols only (no hyphen, no tie):
    # "principes", "également" (nasal vowels as a vowel and U+0303, as the model learnt them)
    (ipa,) = phonemes(SENTENCES[0])
    assert set(ipa) <= set(_rules()[0]) and "-" not in ipa and "^" not in ipa
    assert "pʁɛ̃sˈip" in ipa and "eɡalmˈɑ̃" in ipa and ipa.count("ˈ") >= 5
    assert ipa.endswith(".") and ipa.count(",") == 3


def test_durations_are_the_audio(spoken):
    """The model's own durations (frames of 600 samples at 24 kHz, pads included) sum to its
    audio exactly; the engine's audio is that audio at OUTPUT_RATE."""
    for pieces, audio, _ in spoken:
        assert len(pieces) == 1
        symbols, raw, samples = pieces[0]
        assert samples.size == len(symbols) + 2
        assert np.all(samples % FRAME == 0) and np.all(samples >= 0)
        assert samples.sum() == raw.size
        assert abs(audio.size - raw.size * OUTPUT_RATE / RATE) <= 1
        assert raw.size / RATE > 2.0 and np.abs(raw).max() > 0.1     # speech, not silence


def test_word_times_are_monotone_and_in_the_audio(spoken):
    for text, (_, audio, starts) in zip(SENTENCES, spoken):
        assert starts is not None and len(starts) == len(spoken_words(text)) - 1
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        assert 0 < starts[0] and starts[-1] < audio.size


def test_variant_scales_the_durations(engine, spoken):
    """A variant (rate × pitch) is the model's speed and a resampling: the word times follow."""
    audio, starts = engine.synthesize_timed(SENTENCES[1], VARIANT)
    base_audio, base = spoken[1][1], spoken[1][2]
    ratio = audio.size / base_audio.size
    assert 1.02 < ratio < 1.14                   # length_scale 1.08, durations rounded to frames
    assert len(starts) == len(base)
    assert all(abs(s - b * ratio) < 0.05 * OUTPUT_RATE for s, b in zip(starts, base))


def test_same_bytes_run_to_run(engine, spoken):
    """Same text, same bytes: in the same session, and in a new process's session."""
    again = engine.synthesize(SENTENCES[1], SIWIS)
    assert again.tobytes() == spoken[1][1].tobytes()
    code = ("import sys, pathlib; from pipeline.synth.kokoro import KokoroEngine;"
            "from pipeline.voices import engine_models; from pipeline.model import Voice;"
            "e = KokoroEngine(engine_models(pathlib.Path(sys.argv[1])), threads=1);"
            "sys.stdout.buffer.write(e.synthesize(sys.argv[2], "
            "Voice('kokoro', 'ff_siwis', None, 'female')).tobytes())")
    out = subprocess.run([sys.executable, "-c", code, str(VOICES), SENTENCES[1]],
                         capture_output=True, check=True, cwd=ROOT).stdout
    assert out == spoken[1][1].tobytes()


def test_long_text_is_cut_at_punctuation():
    """More symbols than the model takes (real sentences joined): pieces of at most
    MAX_TOKENS, each cut after a punctuation mark."""
    text = " ".join(_sentences()[:12])
    ipa = phonemes(text)
    pieces = chunks(ipa)
    assert sum(len(s) for s in ipa) > MAX_TOKENS and len(pieces) >= 2
    assert all(len(p) <= MAX_TOKENS for p in pieces)
    assert all(p[-1] in ",;:.!?" for p in pieces[:-1])
    assert " ".join(pieces).split() == " ".join(ipa).split()      # nothing lost


def test_through_the_synthesizer_with_word_times(tmp_path):
    """Dispatch, cache and word times through the pipeline's Synthesizer (one worker)."""
    synth = Synthesizer(engine_models(VOICES), Cache(tmp_path / "cache"), 1)
    text = SENTENCES[2]
    (audio,), stats = synth.run([(text, SIWIS)], progress=False, words=True)
    assert stats.synthesized == 1 and audio.dtype == np.int16 and audio.size > OUTPUT_RATE
    (starts,) = synth.word_starts([synth.key(text, SIWIS)])
    assert len(starts) == len(spoken_words(text)) - 1 and starts[-1] < audio.size
    _, stats = synth.run([(text, SIWIS)], progress=False, words=True)
    assert stats.reused == 1 and stats.synthesized == 0


def test_a_tampered_model_is_refused(tmp_path):
    """One byte changed: the assembly refuses it in one line, exit 2 (and keeps it out)."""
    d = tmp_path / "voices" / "kokoro"
    d.mkdir(parents=True)
    shutil.copy(VOICES / "kokoro" / "ff_siwis.bin", d)
    data = bytearray((VOICES / "kokoro" / MODEL).read_bytes())
    data[len(data) // 2] ^= 1
    (d / MODEL).write_bytes(bytes(data))
    proc = subprocess.run([sys.executable, "-m", "pipeline.voices", "kokoro",
                           "--voices", str(tmp_path / "voices")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused" in lines[0] and KOKORO_MODEL_SHA256 in lines[0]
    assert "Traceback" not in proc.stderr


def test_cast_gives_kokoro_to_the_narrator_and_the_women(tmp_path):
    """A voices folder with only Kokoro in it: `cast --json` on the Sénat seed puts the narrator
    and every woman on Kokoro, each woman her own rendering, and the men on MBROLA."""
    d = tmp_path / "voices" / "kokoro"
    d.mkdir(parents=True)
    for name in (MODEL, "ff_siwis.bin"):
        os.symlink(VOICES / "kokoro" / name, d / name)
    proc = subprocess.run([sys.executable, "-m", "pipeline", "cast", str(SENAT), "--json",
                           "--voices", str(tmp_path / "voices"),
                           "--cast", str(tmp_path / "cast.toml")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    cast = json.loads(proc.stdout)
    narrator = cast.pop("__narrator__")
    assert (narrator["engine"], narrator["voice"]) == ("kokoro", "ff_siwis")
    women = [v for v in cast.values() if v["gender"] == "female"]
    men = [v for v in cast.values() if v["gender"] == "male"]
    assert len(women) == 3 and len(men) >= 5
    assert all(v["engine"] == "kokoro" for v in women)
    assert all(v["engine"] == "mbrola" for v in men)
    renderings = {(v["length_scale"], v["pitch"]) for v in women + [narrator]}
    assert len(renderings) == len(women) + 1
    # What a build says of it, on the line that ends each sitting (`make audio`'s summary).
    from pipeline.cli import _engines
    line = _engines({"__narrator__": Voice(narrator["engine"], narrator["voice"]),
                     **{k: Voice(v["engine"], v["voice"]) for k, v in cast.items()}})
    by_engine = {e: sum(v["engine"] == e for v in cast.values()) for e in ("kokoro", "mbrola")}
    assert by_engine["kokoro"] >= len(women) and by_engine["mbrola"] >= len(men)
    assert line.startswith("narrator on kokoro, speakers: ")
    assert f"{by_engine['kokoro']} kokoro" in line and f"{by_engine['mbrola']} mbrola" in line
