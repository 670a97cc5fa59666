import os

import numpy as np
import pytest

from pipeline.model import Voice
from pipeline.synth import Synthesizer
from pipeline.synth.engines import OUTPUT_RATE, OfflineEngine

from conftest import MULTI, TINY

SENTENCE = "Monsieur le président, la séance est ouverte à vingt et une heures trente."
MODELS = {"fr_FR-test-tiny": TINY, "fr_FR-testmulti-tiny": MULTI}


def test_cache_misses_then_hits(cache):
    s = Synthesizer(MODELS, cache, workers=1)
    reqs = [(SENTENCE, Voice("piper", "fr_FR-test-tiny")),
            ("Je vous remercie.", Voice("piper", "fr_FR-testmulti-tiny", 1)),
            (SENTENCE, Voice("piper", "fr_FR-test-tiny"))]          # same key: one synthesis
    audio, stats = s.run(reqs, progress=False)
    assert (stats.synthesized, stats.reused) == (2, 0)
    assert stats.calls == [SENTENCE, "Je vous remercie."]
    assert np.array_equal(audio[0], audio[2]) and len(audio[0]) > OUTPUT_RATE
    audio2, stats2 = s.run(reqs + [("Une phrase nouvelle.", Voice("piper", "fr_FR-test-tiny"))],
                           progress=False)
    assert (stats2.synthesized, stats2.reused) == (1, 2)
    assert stats2.calls == ["Une phrase nouvelle."]
    assert all(np.array_equal(a, b) for a, b in zip(audio, audio2))


def test_key_depends_on_everything_that_shapes_audio(cache):
    s = Synthesizer(MODELS, cache, workers=1)
    base = Voice("piper", "fr_FR-testmulti-tiny", 0)
    keys = {s.key(SENTENCE, base), s.key(SENTENCE + " ", base),
            s.key(SENTENCE, Voice("piper", "fr_FR-testmulti-tiny", 1)),
            s.key(SENTENCE, Voice("piper", "fr_FR-testmulti-tiny", 0, length_scale=1.1)),
            s.key(SENTENCE, Voice("piper", "fr_FR-testmulti-tiny", 0, pitch=0.9)),
            s.key(SENTENCE, Voice("piper", "fr_FR-test-tiny"))}
    assert len(keys) == 6


def test_parallel_equals_serial(tmp_path):
    from pipeline.cache import Cache
    reqs = [(f"Phrase {w}, mes chers collègues.", Voice("piper", "fr_FR-testmulti-tiny", i % 4))
            for i, w in enumerate(["un", "deux", "trois", "quatre", "cinq", "six"])]
    a1, st1 = Synthesizer(MODELS, Cache(tmp_path / "a"), workers=1).run(reqs, progress=False)
    a2, st2 = Synthesizer(MODELS, Cache(tmp_path / "b"), workers=2).run(reqs, progress=False)
    assert st1.synthesized == st2.synthesized == 6
    assert all(np.array_equal(x, y) for x, y in zip(a1, a2))


@pytest.mark.parametrize("voice", [Voice("mbrola", f"fr{n}") for n in range(1, 8)]
                         + [Voice("pico", "fr-FR")])
def test_offline_engine_speaks(voice):
    audio = OfflineEngine().synthesize(SENTENCE, voice)
    seconds = len(audio) / OUTPUT_RATE
    assert 2.5 < seconds < 8, seconds           # ≈ 75 characters at 10–25 characters/s
    assert np.sqrt(np.mean(audio ** 2)) > 0.01  # speech, not silence


def test_variants_are_audibly_different():
    e = OfflineEngine()
    plain = e.synthesize(SENTENCE, Voice("mbrola", "fr1"))
    slower = e.synthesize(SENTENCE, Voice("mbrola", "fr1", length_scale=1.2))
    assert len(slower) > 1.1 * len(plain)
    higher = e.synthesize(SENTENCE, Voice("mbrola", "fr1", pitch=1.15))
    assert not np.array_equal(higher[: len(plain)], plain[: len(higher)])


@pytest.mark.parametrize("workers", [1, 2])
def test_an_engine_failure_is_one_clear_error(tmp_path, monkeypatch, workers):
    """A failing engine (here a pico2wave that stops, as on a broken install) is a ToolError
    naming the voice, the sentence and the engine's last stderr line, also from the pool."""
    from pipeline.cache import Cache
    from pipeline.errors import ToolError
    fake = tmp_path / "bin" / "pico2wave"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pico: loading' >&2\necho 'pico: no lingware for fr-FR' >&2\n"
                    "exit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    # Three: with two workers, two or fewer are said in-process (synth: a pool's start).
    reqs = [("Une phrase.", Voice("pico", "fr-FR")), ("Une autre.", Voice("pico", "fr-FR")),
            ("Une troisième.", Voice("pico", "fr-FR"))]
    with pytest.raises(ToolError) as e:
        Synthesizer({}, Cache(tmp_path / "c"), workers).run(reqs, progress=False)
    assert str(e.value).startswith("pico voice fr-FR failed on “Une ")
    assert str(e.value).endswith("”: pico: no lingware for fr-FR")
