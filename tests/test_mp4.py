"""write/mp4.py, the M4B written box by box (issue 27: ffmpeg's remux was the largest share of a
rebuild): what ffmpeg and mutagen read back from it, on frames the real encoder made. The
chapters as every reader sees them are tests/test_chapter_containers.py's."""
from __future__ import annotations

import io

import numpy as np
import pytest
from mutagen.mp4 import MP4

from pipeline.errors import ToolError
from pipeline.model import Timeline
from pipeline.write.ffmpeg import decode, read_ffmetadata
from pipeline.write.mp4 import Mark, adts_index, write_mp4
from pipeline.write.splice import AAC, BLOCK, MARGIN, adts_frames, encode_blocks

RATE = 22050


@pytest.fixture(scope="module")
def blocks():
    """Three blocks of a tone, each a different pitch, encoded by the real AAC encoder."""
    t = np.arange(BLOCK - 2 * MARGIN) / RATE
    pcm = np.zeros(3 * BLOCK, np.int16)
    for k, f in enumerate((220, 330, 440)):
        pcm[k * BLOCK + MARGIN:(k + 1) * BLOCK - MARGIN] = np.round(4000 * np.sin(2 * np.pi * f * t))
    timeline = Timeline(RATE, (), (), 3 * BLOCK, blocks=(0, BLOCK, 2 * BLOCK))
    (aac,) = encode_blocks(pcm, timeline, [AAC])
    return pcm, aac


def _book(tmp_path, aac, **kw):
    path = tmp_path / "book.m4b"
    with open(path, "wb") as f:
        write_mp4(f, aac, RATE, **kw)
    return path


def test_decodes_to_the_spliced_stream_exactly(blocks, tmp_path):
    """The MP4 holds the ADTS stream's frames, nothing more nor less: it decodes to the same
    samples, of exactly the book's length."""
    pcm, aac = blocks
    adts = tmp_path / "book.aac"
    adts.write_bytes(b"".join(aac))
    from_mp4 = decode(_book(tmp_path, aac), RATE)
    assert from_mp4.size == pcm.size
    assert np.array_equal(from_mp4, decode(adts, RATE)[:pcm.size])
    assert np.corrcoef(from_mp4.astype(float), pcm.astype(float))[0, 1] > 0.95


def test_tags_cover_and_chapters_read_back(blocks, tmp_path):
    pcm, aac = blocks
    art = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4        # stored as given, never decoded
    tags = [(b"\xa9nam", "Séance du 7 décembre"), (b"\xa9ART", "Assemblée nationale"),
            (b"\xa9day", "2022-12-07"), (b"desc", "Une description ; avec = des signes")]
    marks = [Mark(0, BLOCK, "Ouverture de la séance"), Mark(BLOCK, 3 * BLOCK, "Questions — « ÉCO »")]
    path = _book(tmp_path, aac, chapters=marks, tags=tags, cover_png=art)
    m = MP4(path)
    assert m["\xa9nam"] == ["Séance du 7 décembre"] and m["desc"] == [tags[-1][1]]
    assert m["\xa9day"] == ["2022-12-07"] and m["\xa9ART"] == ["Assemblée nationale"]
    assert bytes(m["covr"][0]) == art and m["covr"][0].imageformat == m["covr"][0].FORMAT_PNG
    assert abs(m.info.length - 3 * BLOCK / RATE) < 1e-3 and m.info.sample_rate == RATE
    assert [(c.title, round(c.start * RATE)) for c in m.chapters] == [
        ("Ouverture de la séance", 0), ("Questions — « ÉCO »", BLOCK)]
    got, chapters = read_ffmetadata(path)
    assert got["title"] == "Séance du 7 décembre"
    assert [(round(c["start"] * RATE), c["title"]) for c in chapters] == [
        (0, "Ouverture de la séance"), (BLOCK, "Questions — « ÉCO »")]


def test_same_frames_same_bytes(blocks, tmp_path):
    _, aac = blocks
    one, two = io.BytesIO(), io.BytesIO()
    write_mp4(one, aac, RATE, [Mark(0, 3 * BLOCK, "Tout")])
    write_mp4(two, list(aac), RATE, [Mark(0, 3 * BLOCK, "Tout")])
    assert one.getvalue() == two.getvalue()


def test_index_is_the_frames(blocks):
    _, aac = blocks
    stream = b"".join(aac)
    offsets, sizes, config = adts_index(stream)
    frames = adts_frames(stream)
    assert len(offsets) == len(frames) == 3 * BLOCK // 1024
    assert [stream[o:o + s] for o, s in zip(offsets, sizes)] == [f[7:] for f in frames]
    assert config == bytes([0x13, 0x88])          # AAC LC, 22 050 Hz, mono


@pytest.mark.parametrize("damage", ["cut", "sync", "rate"])
def test_a_damaged_stream_is_refused(blocks, tmp_path, damage):
    _, aac = blocks
    stream = bytearray(b"".join(aac))
    at = len(aac[0])                              # the second block's first frame
    if damage == "cut":
        stream = stream[:-3]
    elif damage == "sync":
        stream[at] = 0x00
    else:
        stream[at + 2] ^= 0x04                    # another sampling rate midway
    with pytest.raises(ToolError):
        write_mp4(io.BytesIO(), [bytes(stream)], RATE)
