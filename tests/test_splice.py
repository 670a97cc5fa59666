"""Block-by-block encoding (pipeline/write/splice.py) on real synthesized speech: the spliced AAC
and MP3 decode to exactly the book's samples, each block exactly as it decodes on its own, and a
block whose audio is unchanged is never encoded again."""
import numpy as np
import pytest

from pipeline.assemble import Assembly, assemble, master
from pipeline.cache import Cache
from pipeline.parse import parse_file
from pipeline.segment import segment
from pipeline.synth import Synthesizer
from pipeline.synth.engines import OUTPUT_RATE
from pipeline.voices import installed
from pipeline.cast import cast
from pipeline.write import splice
from pipeline.write.ffmpeg import decode
from pipeline.write.splice import AAC, BLOCK, MARGIN, MP3, encode_blocks, remux, spans

from conftest import SENAT, excerpt


@pytest.fixture(scope="module")
def book(tmp_path_factory, mbrola_dir):
    """The first lines of the Sénat seed, synthesized by the offline engine and assembled."""
    tmp = tmp_path_factory.mktemp("splice")
    debate = parse_file(excerpt(SENAT, tmp / "extrait.txt", 14))
    utterances = segment(debate)
    voices = cast(debate, installed(mbrola_dir, None), tmp / "cast.toml", mbrola_dir)
    audio, _ = Synthesizer({}, Cache(tmp / "cache"), 2).run(
        [(u.spoken, voices[u.speaker]) for u in utterances], progress=False)
    config = Assembly.load()
    pcm, timeline = assemble(utterances, [master(a, OUTPUT_RATE, config) for a in audio],
                             debate, OUTPUT_RATE, config)
    assert len(timeline.blocks) >= 5
    return pcm, timeline, tmp


def _decode_frames(frames: bytes, codec, path):
    if codec is AAC:
        remux(frames, path.with_suffix(".m4a"), ["-c:a", "copy", "-f", "mp4"])
        return decode(path.with_suffix(".m4a"), OUTPUT_RATE)
    path.with_suffix(".mp3").write_bytes(frames)
    return decode(path.with_suffix(".mp3"), OUTPUT_RATE)


def test_blocks_are_whole_frames_with_silent_ends(book):
    pcm, timeline, _ = book
    for a, b in spans(timeline):
        assert (b - a) % BLOCK == 0 and b > a
        assert not pcm[a:a + MARGIN].any() and not pcm[b - MARGIN:b].any()


@pytest.mark.parametrize("codec", [AAC, MP3], ids=["aac", "mp3"])
def test_spliced_stream_is_the_blocks_decoded_alone(book, codec, tmp_path):
    pcm, timeline, _ = book
    [blocks] = encode_blocks(pcm, timeline, [codec])
    whole = _decode_frames(b"".join(blocks), codec, tmp_path / "whole")
    assert len(whole) == timeline.total == len(pcm)
    for i, ((a, b), frames) in enumerate(zip(spans(timeline), blocks)):
        alone = _decode_frames(frames, codec, tmp_path / f"block{i}")
        assert np.array_equal(whole[a:b], alone), f"block {i} differs once spliced"
    # Lossy, but the same speech at the same place: close to the source, sample-aligned.
    err = whole.astype(float) - pcm
    assert np.sqrt(np.mean(err ** 2)) < 0.2 * np.sqrt(np.mean(pcm.astype(float) ** 2))
    lag = np.argmax(np.correlate(whole[:40000].astype(float), pcm[:40000].astype(float), "full"))
    assert lag == 40000 - 1


@pytest.mark.parametrize("codec", [AAC, MP3], ids=["aac", "mp3"])
def test_a_click_stays_on_its_sample(codec, tmp_path):
    """The encoder delays (AAC priming, LAME + decoder delay) are undone exactly."""
    from pipeline.model import Timeline
    pcm = np.zeros(3 * BLOCK, np.int16)
    where = [MARGIN + 777, BLOCK + MARGIN + 5, 2 * BLOCK + BLOCK // 2]
    pcm[where] = 20000
    timeline = Timeline(OUTPUT_RATE, (), (), len(pcm), (), (0, BLOCK, 2 * BLOCK))
    [blocks] = encode_blocks(pcm, timeline, [codec])
    out = _decode_frames(b"".join(blocks), codec, tmp_path / "c")
    found = [a + int(np.argmax(np.abs(out[a:b]))) for a, b in spans(timeline)]
    assert found == where


def test_a_block_encodes_the_same_alone_or_in_a_batch(book):
    pcm, timeline, _ = book
    (a, b), (c, d) = spans(timeline)[:2]
    for codec in (AAC, MP3):
        together = splice._encode_batch([pcm[a:b], pcm[c:d]], codec, OUTPUT_RATE)
        assert together == [splice._encode_batch([pcm[a:b]], codec, OUTPUT_RATE)[0],
                            splice._encode_batch([pcm[c:d]], codec, OUTPUT_RATE)[0]]


def test_only_changed_blocks_are_encoded_again(book, tmp_path, monkeypatch):
    pcm, timeline, _ = book
    store = tmp_path / "store"
    [first] = encode_blocks(pcm, timeline, [AAC], store)
    encoded: list[int] = []
    real = splice._encode_batch
    monkeypatch.setattr(splice, "_encode_batch",
                        lambda blocks, *a: encoded.append(len(blocks)) or real(blocks, *a))
    assert encode_blocks(pcm, timeline, [AAC], store) == [first] and encoded == []
    changed = pcm.copy()
    a, b = spans(timeline)[2]
    changed[a + MARGIN:b - MARGIN] //= 2           # one paragraph said more softly
    [again] = encode_blocks(changed, timeline, [AAC], store)
    assert encoded == [1]
    assert again[:2] == first[:2] and again[3:] == first[3:] and again[2] != first[2]


def test_a_misaligned_block_is_refused(book):
    from dataclasses import replace
    pcm, timeline, _ = book
    shifted = replace(timeline, blocks=(0, timeline.blocks[1] + 1, *timeline.blocks[2:]))
    with pytest.raises(ValueError, match="whole number"):
        encode_blocks(pcm, shifted, [AAC])
