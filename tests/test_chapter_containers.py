"""The audiobooks' chapters are the same in every container and every reader (issue 23): the
M4B's QuickTime chapter track (what Apple Books, iOS players and ffmpeg/ffprobe read), its Nero
`chpl` atom (mutagen) and the MP3's ID3 CHAP/CTOC (mutagen) give the same titles and starts,
within one codec frame, for a book of five hours and sixty chapters, many longer than the
152 s a 28 224 000/s timescale holds in a 32-bit duration. Each is read on its own: ffmpeg's
demuxer, mutagen, and an atom-level read of the chapter track below."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from pipeline.model import Chapter, Debate, Timeline
from pipeline.write.audiobook import write_m4b, write_mp3
from pipeline.write.cover import cover
from pipeline.write.ffmpeg import decode, run_ffmpeg
from pipeline.write.splice import AAC, BLOCK, MARGIN, MP3, encode_blocks

from conftest import AN, excerpt

RATE = 22050
FRAME = 576 / RATE             # the shortest codec frame here (MP3 at 22 050 Hz); AAC's is 1024

# Agenda titles as the readers give them for real sittings (16th legislature open data, the
# AN seed): accents, typographic apostrophes, "n°", an em dash; the last one, an item inside
# an item, is longer than the 255 bytes a Nero `chpl` title holds.
TITLES = [
    "Protéger le groupe Électricité de France d’un démembrement",
    "Rappel au règlement", "Discussion générale", "Discussion générale (suite)",
    "Article 3 bis (appelé par priorité)", "Article 1er", "Article 2 — amendement n° 11",
    "Après l’article 2 — amendement n° 12", "Explications de vote", "Vote sur l’ensemble",
    "Protection des enfants victimes de violences intrafamiliales", "Présentation",
    "Ouverture du mariage aux couples de personnes de même sexe", "Article 4 (suite)",
    "Article 4 (suite) — rappels au règlement",
    "Soute à munitions du Centre national d’entraînement des forces de gendarmerie",
    "Accélération des procédures liées à la construction de nouvelles installations "
    "nucléaires et fonctionnement des installations existantes — discussion, après "
    "engagement de la procédure accélérée, d’une proposition de loi adoptée par le Sénat",
]
# Chapter lengths in seconds, cycled: short ones, and many over 152 s (up to 40 min).
LENGTHS = [31, 95, 153, 420, 1200, 60, 240, 152.2, 600, 45, 2400, 180]


# --- an atom-level reader of the M4B's QuickTime chapter track -------------------------------

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"tref", b"edts", b"dinf"}


def _atoms(buf: bytes, a: int, b: int, path: tuple = ()):
    """(path of four-character codes, payload start, end) of every atom, depth first."""
    while a + 8 <= b:
        size, kind = struct.unpack(">I4s", buf[a:a + 8])
        head = 8
        if size == 1:
            size, head = struct.unpack(">Q", buf[a + 8:a + 16])[0], 16
        elif size == 0:
            size = b - a
        assert size >= head and a + size <= b, f"atom {kind!r} at {a} overruns its parent"
        yield path + (kind,), a + head, a + size
        if kind in _CONTAINERS:
            yield from _atoms(buf, a + head, a + size, path + (kind,))
        a += size


def _full(buf: bytes, a: int, v32: str, v64: str, at: int) -> tuple:
    """Fields of a versioned full atom (mdhd, tkhd): 32-bit layout for version 0, 64 for 1."""
    fmt = v32 if buf[a] == 0 else v64
    return struct.unpack_from(fmt, buf, a + at)


def chapter_track(path: Path) -> dict:
    """The QuickTime chapter track that the audio track's `tref/chap` names: its `mdhd`
    timescale, its `stts` sample durations (expanded) and its samples' texts."""
    buf = path.read_bytes()
    traks, cur = [], None
    for p, a, b in _atoms(buf, 0, len(buf)):
        kind = p[-1]
        if kind == b"trak":
            cur = {"stsc": [], "chunks": [], "sizes": [], "stts": []}
            traks.append(cur)
        elif kind == b"tkhd":
            (cur["id"],) = _full(buf, a, ">I", ">I", 12 if buf[a] == 0 else 20)
        elif kind == b"chap":
            cur["chap"] = struct.unpack(f">{(b - a) // 4}I", buf[a:b])
        elif kind == b"mdhd":
            (cur["timescale"],) = _full(buf, a, ">I", ">I", 12 if buf[a] == 0 else 20)
        elif kind == b"hdlr":
            cur["handler"] = buf[a + 8:a + 12]
        elif kind == b"stts":
            (n,) = struct.unpack_from(">I", buf, a + 4)
            for i in range(n):
                count, delta = struct.unpack_from(">II", buf, a + 8 + 8 * i)
                cur["stts"] += [delta] * count
        elif kind == b"stsz":
            size, n = struct.unpack_from(">II", buf, a + 4)
            cur["sizes"] = ([size] * n if size else
                            list(struct.unpack_from(f">{n}I", buf, a + 12)))
        elif kind == b"stsc":
            (n,) = struct.unpack_from(">I", buf, a + 4)
            cur["stsc"] = [struct.unpack_from(">III", buf, a + 8 + 12 * i) for i in range(n)]
        elif kind in (b"stco", b"co64"):
            (n,) = struct.unpack_from(">I", buf, a + 4)
            cur["chunks"] = list(struct.unpack_from(f">{n}{'I' if kind == b'stco' else 'Q'}",
                                                    buf, a + 8))
    [audio] = [t for t in traks if t.get("handler") == b"soun"]
    [track] = [t for t in traks if t["id"] in audio["chap"]]
    # Samples: chunk by chunk (stsc: first chunk, samples per chunk), each a 16-bit length
    # and that many bytes of UTF-8 (then an optional `encd` atom).
    offsets, sample = [], 0
    runs = track["stsc"] + [(len(track["chunks"]) + 1, 0, 0)]
    for (first, per, _), (nxt, _, _) in zip(runs, runs[1:]):
        for chunk in range(first, nxt):
            pos = track["chunks"][chunk - 1]
            for _ in range(per):
                offsets.append(pos)
                pos += track["sizes"][sample]
                sample += 1
    titles = []
    for pos in offsets:
        (n,) = struct.unpack_from(">H", buf, pos)
        titles.append(buf[pos + 2:pos + 2 + n].decode("utf-8"))
    return {"handler": track["handler"], "timescale": track["timescale"],
            "durations": track["stts"], "titles": titles}


# --- the three readings ------------------------------------------------------------------------

def read_ffmpeg(path: Path) -> list[tuple[float, str, str]]:
    """(start s, title, time base) of each chapter as ffmpeg's demuxer gives it. For an M4B it
    takes the QuickTime track's chapters over the `chpl` ones (the time base tells which)."""
    text = run_ffmpeg(["-i", str(path), "-f", "ffmetadata", "pipe:1"]).decode("utf-8")
    out = []
    for block in text.split("[CHAPTER]\n")[1:]:
        kv = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        num, den = (int(x) for x in kv["TIMEBASE"].split("/"))
        out.append((int(kv["START"]) * num / den, kv["title"].replace("\\=", "="),
                    kv["TIMEBASE"]))
    return out


def readings(m4b: Path, mp3: Path) -> dict[str, list[tuple[float, str]]]:
    """The chapters (start s, title) as each reader sees them."""
    track = chapter_track(m4b)
    starts = np.cumsum([0, *track["durations"][:-1]]) / track["timescale"]
    ffmpeg = read_ffmpeg(m4b)
    assert {tb for _, _, tb in ffmpeg} == {f"1/{track['timescale']}"}, \
        "ffmpeg gave chapters that are not the QuickTime track's"
    tags = ID3(mp3)
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    [toc] = tags.getall("CTOC")
    return {
        "quicktime atoms": list(zip(starts.tolist(), track["titles"])),
        "ffmpeg": [(s, t) for s, t, _ in ffmpeg],
        "nero chpl": [(c.start, c.title) for c in MP4(m4b).chapters],
        "id3": [(chaps[i].start_time / 1000, chaps[i].sub_frames["TIT2"].text[0])
                for i in toc.child_element_ids],
    }


def assert_same_chapters(m4b: Path, mp3: Path, timeline: Timeline) -> dict:
    got = readings(m4b, mp3)
    track = chapter_track(m4b)
    assert track["handler"] == b"text"
    # Every duration fits its 32-bit field (nothing dropped), and they add up to the book.
    assert track["durations"] == [c.end - c.start for c in timeline.chapters]
    assert track["timescale"] == timeline.rate
    for reader, chapters in got.items():
        assert len(chapters) == len(timeline.chapters), reader
        for (start, title), ch in zip(chapters, timeline.chapters):
            assert abs(start - ch.start / timeline.rate) <= FRAME, (reader, title, start)
    titles = [[t for _, t in chapters] for chapters in got.values()]
    assert all(t == titles[0] for t in titles), "titles differ between readers"
    return got


# --- a five-hour book through the real writers ---------------------------------------------

@pytest.fixture(scope="module")
def long_book(tmp_path_factory):
    """Sixty chapters over five hours, audio a quiet tone block repeated (encoded once: each
    block is encoded on its own, so the spliced stream is the block's frames repeated)."""
    tmp = tmp_path_factory.mktemp("long")
    chapters, pos = [], 0
    for i in range(60):
        n = -(-round(LENGTHS[i % len(LENGTHS)] * RATE) // BLOCK)      # whole blocks
        chapters.append(Chapter(TITLES[i % len(TITLES)], 0, pos, pos + n * BLOCK))
        pos += n * BLOCK
    timeline = Timeline(RATE, (), tuple(chapters), pos, blocks=tuple(range(0, pos, BLOCK)))
    t = np.arange(BLOCK - 2 * MARGIN) / RATE
    block = np.zeros(BLOCK, np.int16)
    block[MARGIN:BLOCK - MARGIN] = np.round(3000 * np.sin(2 * np.pi * 220 * t))
    one = Timeline(RATE, (), (), BLOCK)
    (aac,), (mp3,) = encode_blocks(block, one, [AAC, MP3])
    debate = Debate("Séance du mercredi 17 mai 2023", "2023-05-17", "Assemblée nationale", ())
    art = cover(debate)
    m4b, mp3_path = tmp / "long.m4b", tmp / "long.mp3"
    count = pos // BLOCK
    write_m4b(m4b, [aac] * count, timeline, debate, "Cinq heures de débats.", art)
    write_mp3(mp3_path, [mp3] * count, timeline, debate, "Cinq heures de débats.", art)
    return timeline, m4b, mp3_path


def test_the_long_book_is_long(long_book):
    timeline, _, _ = long_book
    lengths = [(c.end - c.start) / RATE for c in timeline.chapters]
    assert timeline.total / RATE >= 4 * 3600 and len(lengths) >= 50
    assert sum(s > 152.2 for s in lengths) >= 20 and max(lengths) > 2000


def test_every_reader_gives_the_same_chapters(long_book):
    timeline, m4b, mp3 = long_book
    got = assert_same_chapters(m4b, mp3, timeline)
    # the titles are the book's, but for the one too long for a `chpl` entry: cut at a
    # character, under 255 bytes, the same in every container
    long = [i for i, c in enumerate(timeline.chapters) if len(c.title.encode()) > 255]
    assert long
    for i, (_, title) in enumerate(got["ffmpeg"]):
        if i in long:
            assert len(title.encode()) <= 255 and title.endswith("…")
            assert timeline.chapters[i].title.startswith(title[:-1])
        else:
            assert title == timeline.chapters[i].title


def test_the_chapter_track_counts_in_the_audio_rate(long_book):
    timeline, m4b, _ = long_book
    track = chapter_track(m4b)
    assert track["timescale"] == RATE
    assert sum(track["durations"]) == timeline.total
    assert 2400 * RATE < max(track["durations"]) < 2 ** 32      # the 40-minute chapters


# --- a real build ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def an_build(tmp_path_factory, mbrola_dir):
    """The first lines of the AN seed (the opening, a bill, a rappel au règlement), built with
    the offline engine."""
    from pipeline.build import build
    from pipeline.cache import Cache
    tmp = tmp_path_factory.mktemp("an")
    src = excerpt(AN, tmp / "an_extrait.txt", 40)
    r = build(src, tmp / "dist", mbrola_dir, cache=Cache(tmp / "cache"), workers=2,
              progress=False, cast_file=tmp / "cast.toml")
    return r, r.out_dir / f"{src.stem}.m4b", r.out_dir / f"{src.stem}.mp3"


def test_a_real_build_has_the_same_chapters_everywhere(an_build):
    r, m4b, mp3 = an_build
    assert len(r.timeline.chapters) >= 2
    got = assert_same_chapters(m4b, mp3, r.timeline)
    assert [t for _, t in got["ffmpeg"]] == [c.title for c in r.timeline.chapters]
    assert len(decode(m4b, RATE)) == r.timeline.total
