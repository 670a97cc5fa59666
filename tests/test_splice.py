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
from pipeline.config import load_catalog
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
    voices, _ = cast(debate, installed(mbrola_dir, None), load_catalog(mbrola_dir), {})
    audio, _ = Synthesizer({}, Cache(tmp / "cache"), 2).run(
        [(u.spoken, voices[u.speaker]) for u in utterances], progress=False)
    config = Assembly.load()
    pcm, timeline = assemble(utterances, [master(a, OUTPUT_RATE, config) for a in audio],
                             debate, OUTPUT_RATE, config, grid=(BLOCK, MARGIN))
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


def _bounded(fn, *args):
    """fn(*args) in a thread that must end within 10 s (a parser that loops would hang the
    suite): its exception, or None."""
    import threading
    box = []

    def run():
        try:
            fn(*args)
        except BaseException as e:      # noqa: BLE001 — handed to the test
            box.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), f"{fn.__name__} loops forever on {args[0][:12]!r}"
    return box[0] if box else None


@pytest.fixture(scope="module")
def streams(book):
    pcm, timeline, _ = book
    aac, mp3 = encode_blocks(pcm, timeline, [AAC, MP3])
    return aac[0], mp3[0]


def test_frame_parsers_refuse_corrupt_streams(streams):
    from pipeline.errors import ToolError
    aac, mp3 = streams
    assert len(splice.adts_frames(aac)) * 1024 == len(splice.mp3_frames(mp3)) * 576   # 22 kHz
    zero = bytearray(aac[:7])
    zero[3] &= 0xFC
    zero[4] = 0
    zero[5] &= 0x1F                      # frame length 0
    free = bytearray(mp3[:4])
    free[2] &= 0x0F                      # bitrate index 0: "free format", no size
    bad_rate = bytearray(mp3[:4])
    bad_rate[2] |= 0x0C                  # sample rate index 3: reserved
    for parse, data, said in [
            (splice.adts_frames, bytes(zero) + aac, "shorter than its header"),
            (splice.adts_frames, aac + aac[:5], "truncated frame header"),
            (splice.adts_frames, aac[:-3], "cut short"),
            (splice.adts_frames, b"\x00" + aac, "out of sync"),
            (splice.mp3_frames, bytes(free) + mp3, "gives no frame size"),
            (splice.mp3_frames, bytes(bad_rate) + mp3, "gives no frame size"),
            (splice.mp3_frames, mp3 + mp3[:2], "truncated frame header"),
            (splice.mp3_frames, mp3[:-3], "cut short")]:
        e = _bounded(parse, data)
        assert isinstance(e, ToolError) and said in str(e), (parse.__name__, said, e)


def test_encoder_delays_are_measured_once_per_ffmpeg_version_and_kept(book, tmp_path,
                                                                      monkeypatch):
    """Where a click comes back: 1024 (AAC priming), 1105 (LAME 576 + decoder 529) with this
    ffmpeg; measured once, kept in the store, not measured again by the next process."""
    assert splice.measure_delay(AAC, OUTPUT_RATE) == 1024
    assert splice.measure_delay(MP3, OUTPUT_RATE) == 1105
    pcm, timeline, _ = book
    store = tmp_path / "store"
    first = encode_blocks(pcm, timeline, [AAC, MP3], store)
    assert len(list((store / "delays").iterdir())) == 2
    splice._measured.cache_clear()                 # as in a new process
    monkeypatch.setattr(splice, "measure_delay", lambda *a: pytest.fail("measured again"))
    assert encode_blocks(pcm, timeline, [AAC, MP3], store) == first


def test_a_changed_delay_is_never_spliced_with_the_old(book, tmp_path, monkeypatch):
    from pipeline.errors import ToolError
    pcm, timeline, _ = book
    encode_blocks(pcm, timeline, [AAC], tmp_path / "store")
    encoded: list[int] = []
    real = splice._encode_batch
    monkeypatch.setattr(splice, "_encode_batch",
                        lambda blocks, *a: encoded.append(len(blocks)) or real(blocks, *a))
    monkeypatch.setattr(splice, "ffmpeg_version", lambda: "a later ffmpeg")
    monkeypatch.setattr(splice, "measure_delay", lambda codec, rate: 1000)
    splice._measured.cache_clear()
    encode_blocks(pcm, timeline, [AAC], tmp_path / "store")
    assert sum(encoded) == len(timeline.blocks)     # every block encoded again, none reused
    monkeypatch.setattr(splice, "measure_delay", lambda codec, rate: MARGIN + 1)
    splice._measured.cache_clear()
    with pytest.raises(ToolError, match="refusing to splice"):
        encode_blocks(pcm, timeline, [AAC], tmp_path / "other")
    splice._measured.cache_clear()


def test_a_damaged_stored_block_is_encoded_again(book, tmp_path):
    pcm, timeline, _ = book
    store = tmp_path / "store"
    [first] = encode_blocks(pcm, timeline, [AAC], store)
    victim = sorted(store.glob("??/*.aac"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    assert encode_blocks(pcm, timeline, [AAC], store) == [first]
