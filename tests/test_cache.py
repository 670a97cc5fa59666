"""The cache's stored form: real utterances (the offline engine speaking the Sénat seed's first
sentences) come back exactly after a round trip, compressed; the mastered copy is stored against
the raw audio for a few per cent of its size and is master()'s own samples."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.assemble import Assembly, master
from pipeline.mastered import (get_master as _get_master, master_path, master_samples,
                               mastered as _mastered, put_master as _put_master)
from pipeline.cache import Cache, pack_pcm, unpack_pcm
from pipeline.model import Voice
from pipeline.parse import parse_file
from pipeline.segment import segment
from pipeline.synth import Synthesizer
from pipeline.synth.engines import OUTPUT_RATE

from conftest import SENAT


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """Twelve real utterances of the Sénat seed, two offline voices: (cache, keys, audio)."""
    cache = Cache(tmp_path_factory.mktemp("cache"))
    utterances = [u for u in segment(parse_file(SENAT)) if u.kind != "stage"][:12]
    reqs = [(u.spoken, Voice("mbrola", ("fr1", "fr6")[i % 2])) for i, u in enumerate(utterances)]
    s = Synthesizer({}, cache, workers=1)
    audio, stats = s.run(reqs, progress=False)
    assert stats.synthesized == len(reqs) and all(a.size > OUTPUT_RATE // 4 for a in audio)
    return cache, [s.key(*r) for r in reqs], audio


def test_round_trip_exact_and_smaller(spoken):
    cache, keys, audio = spoken
    stored = sum(cache.path(k).stat().st_size for k in keys)
    pcm = sum(2 * a.size for a in audio)
    assert stored < 0.75 * pcm, (stored, pcm)        # 61–64 % measured on 2.8 h of speech
    for k, a in zip(keys, audio):
        again = cache.get(k)
        assert again.dtype == np.dtype("<i2") and np.array_equal(again, a)
        again[:1] = 0                                # writable, as the assembly needs


def test_pack_extremes_and_refusals():
    rng = np.random.default_rng(1)
    for x in (np.zeros(0, np.int16), np.array([32767, -32768] * 50 + [0, 1, -1], np.int16),
              rng.integers(-32768, 32768, 30011).astype(np.int16)):
        for order in (0, 2):
            assert np.array_equal(unpack_pcm(pack_pcm(x, order)), x)
    good = pack_pcm(np.arange(-500, 500, dtype=np.int16))
    assert unpack_pcm(good[:-3]) is None               # cut short
    assert unpack_pcm(good + b"\0") is None            # trailing bytes
    assert unpack_pcm(b"XXXX" + good[4:]) is None      # not our codec
    assert unpack_pcm(good[:4] + (999).to_bytes(4, "little") + good[8:]) is None   # wrong length


def test_mastered_is_master_and_stored_small(spoken):
    cache, keys, audio = spoken
    config = Assembly.load()
    for k, a in zip(keys, audio):
        m, _ = _mastered(a, config)
        assert np.array_equal(m, master(a, OUTPUT_RATE, config))
        assert np.array_equal(_put_master(cache, k, config, a), m)
        assert np.array_equal(_get_master(cache, k, config), m)
        assert master_samples(cache, k, config) == m.size           # from the header alone
    mastered = sum(master_path(cache, k, config).stat().st_size for k in keys)
    raw = sum(cache.path(k).stat().st_size for k in keys)
    assert mastered < 0.1 * raw, (mastered, raw)
    assert master_samples(cache, "0" * 64, config) is None


def test_loudness_and_limiter_filters_are_the_references(spoken):
    """The numpy K-weighted loudness is pyloudnorm's (scipy lfilter) on real speech, short
    (tiled) and long; the limiter's O(n) window filters are scipy.ndimage's."""
    import pyloudnorm
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    from pipeline.assemble import MIN_MEASURE_S, loudness, moving_mean, moving_min
    _, _, audio = spoken
    meter = pyloudnorm.Meter(OUTPUT_RATE)
    for a in [*audio, np.concatenate(audio), audio[0][:OUTPUT_RATE // 5]]:
        x = a.astype(np.float32) / 32768
        ref = x if x.size >= MIN_MEASURE_S * OUTPUT_RATE else \
            np.tile(x, int(MIN_MEASURE_S * OUTPUT_RATE) // x.size + 1)[:int(MIN_MEASURE_S * OUTPUT_RATE)]
        assert abs(loudness(x, OUTPUT_RATE) - meter.integrated_loudness(ref.astype(np.float64))) < 1e-6
        r = np.abs(x) + np.float32(0.25)
        for w in (3, 111):
            assert np.array_equal(moving_min(r, w), minimum_filter1d(r, w))
            assert np.abs(moving_mean(r, w) - uniform_filter1d(r, w)).max() < 1e-6
    assert loudness(np.zeros(OUTPUT_RATE, np.float32), OUTPUT_RATE) == float("-inf")


def test_mastered_without_its_raw_audio_is_missing(spoken, tmp_path):
    cache, keys, audio = spoken
    config = Assembly.load()
    other = Cache(tmp_path)
    _put_master(other, keys[0], config, audio[0])
    assert _get_master(other, keys[0], config) is None          # no raw entry beside it
    other.put(keys[0], audio[0][:-1])
    assert _get_master(other, keys[0], config) is None          # not the audio it was made from
