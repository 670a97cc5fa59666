"""A rebuild proportional to the change (issue 27): the EPUB written over the previous one copies
every member that did not change as it is stored there (write/package.py pack) and is the same
bytes as a full write; a damaged or foreign previous book is simply not used.

Text: the first 40 lines of the real Sénat seed, and the same with one paragraph edited (the
bench's edit). Audio: one noise burst per utterance, drawn from its spoken text (an unchanged
sentence sounds the same in both builds), laid out by the real assembly and encoded by the real
AAC splice, as tests/test_epub.py does."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SENAT, excerpt
from tests.test_epub import CAST, _problems, epubcheck

RATE = 22050
EDIT = ("Il s’agit en somme de simplifier les choses",
        "Il s’agit en somme de simplifier vraiment les choses")


def _inputs(src: Path, store: Path):
    from pipeline.assemble import assemble
    from pipeline.parse import parse_file
    from pipeline.segment import segment
    from pipeline.write.splice import AAC, BLOCK, MARGIN, encode_blocks
    debate = parse_file(src)
    utterances = segment(debate)
    bursts = []
    for u in utterances:
        rng = np.random.default_rng(int(hashlib.sha256(u.spoken.encode()).hexdigest()[:8], 16))
        n = int(len(u.spoken) / 19 * RATE) + int(rng.integers(0, 500))
        bursts.append((rng.standard_normal(n) * 4000 * np.hanning(n)).astype(np.int16))
    pcm, timeline = assemble(utterances, bursts, debate, RATE, grid=(BLOCK, MARGIN))
    [aac] = encode_blocks(pcm, timeline, [AAC], store)
    return debate, utterances, timeline, aac


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """(before, after): the inputs of the seed's excerpt and of its edited copy."""
    tmp = tmp_path_factory.mktemp("incremental")
    before = excerpt(SENAT, tmp / "seance.txt", 40)
    text = before.read_text("utf-8")
    assert EDIT[0] in text
    (tmp / "edited").mkdir()
    after = tmp / "edited" / "seance.txt"
    after.write_text(text.replace(*EDIT), "utf-8")
    store = tmp / "blocks"
    return _inputs(before, store), _inputs(after, store)


def _write(path: Path, inputs) -> int:
    from pipeline.write.epub import write_epub
    debate, utterances, timeline, aac = inputs
    return write_epub(path, debate, utterances, timeline, aac, CAST)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_incremental_write_is_the_full_write(books, tmp_path):
    before, after = books
    full = tmp_path / "full" / "seance.epub"
    full.parent.mkdir()
    assert _write(full, after) == 0                       # nothing to copy from
    book = tmp_path / "seance.epub"
    _write(book, before)
    old = _members(book)
    copied = _write(book, after)                          # over the previous book
    assert book.read_bytes() == full.read_bytes()
    new = _members(book)
    changed = sorted(n for n in new if old.get(n) != new[n])
    # Only what holds the edited paragraph (in the first section): its text and overlay, its
    # audio (the edit lengthens the sentence), and the package document and NCX (durations,
    # and the book's identifier, a digest of the whole record).
    assert changed == ["EPUB/audio/s00.m4a", "EPUB/content.opf", "EPUB/s00.smil",
                       "EPUB/s00.xhtml", "EPUB/toc.ncx"], changed
    assert copied == len(new) - len(changed)
    assert new["EPUB/audio/s01.m4a"] == old["EPUB/audio/s01.m4a"]
    report = epubcheck(book)
    assert _problems(report) == [], report["_stdout"]


def test_same_inputs_copy_every_member(books, tmp_path):
    before, _ = books
    book = tmp_path / "seance.epub"
    _write(book, before)
    first = book.read_bytes()
    with zipfile.ZipFile(book) as z:
        n = len(z.infolist())
    assert _write(book, before) == n
    assert book.read_bytes() == first


def test_damaged_previous_member_is_made_again(books, tmp_path):
    """A byte flipped inside a stored audio member: its CRC no longer matches, so that member
    is muxed again; the others are still copied and the book is the full write's."""
    before, after = books
    full = tmp_path / "full.epub"
    _write(full, after)
    book = tmp_path / "seance.epub"
    _write(book, before)
    with zipfile.ZipFile(book) as z:
        info = z.getinfo("EPUB/audio/s01.m4a")
        n = len(z.infolist())
    data = bytearray(book.read_bytes())
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[at] ^= 0xFF
    book.write_bytes(bytes(data))
    copied = _write(book, after)
    assert book.read_bytes() == full.read_bytes()
    assert copied == n - 6          # the five changed members and the damaged one


@pytest.mark.parametrize("previous", [b"", b"not a zip", b"PK\x05\x06" + bytes(18)])
def test_foreign_previous_file_is_ignored(books, tmp_path, previous):
    before, _ = books
    full = tmp_path / "full.epub"
    _write(full, before)
    book = tmp_path / "seance.epub"
    book.write_bytes(previous)
    assert _write(book, before) == 0
    assert book.read_bytes() == full.read_bytes()


def test_an_edit_rebuilt_in_place_reads_only_its_paragraphs_audio(mbrola_dir, tmp_path,
                                                                   monkeypatch):
    """A rebuild into the folder of the previous build lays the book out from the cached
    lengths (entry headers) and reads the mastered audio of the changed paragraph only; its
    outputs are the bytes of a first build of the edited text with a fresh cache (real
    synthesis: the offline engine)."""
    import pipeline.build as build_module
    from pipeline.cache import Cache
    src = excerpt(SENAT, tmp_path / "extrait.txt", 30)
    kw = dict(workers=1, progress=False, cast_file=tmp_path / "cast.toml")
    build_module.build(src, tmp_path / "dist", mbrola_dir, cache=Cache(tmp_path / "cache"), **kw)
    text = src.read_text("utf-8")
    assert EDIT[0] in text
    src.write_text(text.replace(*EDIT), "utf-8")
    reads, real = [], build_module.get_master
    monkeypatch.setattr(build_module, "get_master",
                        lambda cache, k, config: reads.append(k) or real(cache, k, config))
    import pipeline.segment as segment_module
    said, normalize = [], segment_module.normalize
    monkeypatch.setattr(segment_module, "normalize",
                        lambda text, lexicon=None: said.append(text) or normalize(text, lexicon))
    again = build_module.build(src, tmp_path / "dist", mbrola_dir,
                               cache=Cache(tmp_path / "cache"), **kw)
    assert again.stats.synthesized == 1
    edited = next(u for u in again.utterances if "vraiment" in u.text)
    paragraph = [u for u in again.utterances
                 if (u.section, u.turn, u.paragraph) == (edited.section, edited.turn, edited.paragraph)]
    assert len(reads) == len(paragraph) < len(again.utterances) // 4
    # The segment memo: only the edited paragraph's sentences were normalized again.
    assert said == [u.text for u in paragraph]
    monkeypatch.undo()
    fresh = build_module.build(src, tmp_path / "fresh", mbrola_dir,
                               cache=Cache(tmp_path / "fresh-cache"), **kw)
    for ext in (".m4b", ".mp3", ".epub", ".vtt"):
        name = f"{src.stem}{ext}"
        assert (again.out_dir / name).read_bytes() == (fresh.out_dir / name).read_bytes(), ext


# --- the segment memo ------------------------------------------------------------------------

def test_segment_memo_normalizes_only_new_paragraphs(tmp_path, monkeypatch):
    """segment() with a memo gives the utterances it gives without one; a second run normalizes
    only the paragraphs the memo lacks, and leaves it holding this debate's paragraphs only."""
    import pipeline.segment as segment_module
    from pipeline.parse import parse_file
    before = parse_file(excerpt(SENAT, tmp_path / "seance.txt", 40))
    (tmp_path / "edited").mkdir()
    after_src = tmp_path / "edited" / "seance.txt"
    after_src.write_text((tmp_path / "seance.txt").read_text("utf-8").replace(*EDIT), "utf-8")
    after = parse_file(after_src)
    memo: dict = {}
    assert segment_module.segment(before, memo=memo) == segment_module.segment(before)
    assert set(memo) == {p.text for p in segment_module.paragraphs(before)}
    said, normalize = [], segment_module.normalize
    monkeypatch.setattr(segment_module, "normalize",
                        lambda text, lexicon=None: said.append(text) or normalize(text, lexicon))
    got = segment_module.segment(after, memo=memo)
    [edited] = [p for p in segment_module.paragraphs(after) if EDIT[1] in p.text]
    assert said == segment_module.split_sentences(edited.text)
    monkeypatch.undo()
    assert got == segment_module.segment(after)
    assert set(memo) == {p.text for p in segment_module.paragraphs(after)}
    # An entry not as segment() writes it is made again, never trusted.
    memo[edited.text] = [["Autre chose.", "autre chose"], 3]
    assert segment_module.segment(after, memo=memo) == got


def test_segment_memo_in_the_cache(tmp_path):
    """Kept sealed, by sitting, code and lexicon; a damaged or foreign file reads as empty."""
    from pipeline.cache import Cache
    cache = Cache(tmp_path / "cache")
    path = cache.segments_path("seance.txt", "code1", None)
    assert len({path, cache.segments_path("seance.txt", "code2", None),
                cache.segments_path("seance.txt", "code1", {"LFI": "elle effi i"}),
                cache.segments_path("autre.txt", "code1", None)}) == 4
    assert cache.get_segments(path) == {}
    memo = {"La séance est ouverte.": [["La séance est ouverte.", "La séance est ouverte."]]}
    cache.put_segments(path, memo)
    assert cache.get_segments(path) == memo
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    assert cache.get_segments(path) == {}
    from pipeline.cache import seal
    path.write_bytes(seal(b"[1, 2]"))
    assert cache.get_segments(path) == {}


# --- a long section's audio in several files ---------------------------------------------------

def test_a_long_sections_audio_is_in_parts_and_an_edit_remuxes_one(books, tmp_path, monkeypatch):
    """With files cut before one block in three (content-defined), the seed excerpt's section
    is several .m4a files: each SMIL clip is timed in the file that holds it, the files tile
    the section (each decodes to exactly its blocks), and the edit (a longer sentence) changes
    the file that holds it and no other; EPUBCheck finds nothing."""
    from lxml import etree

    import pipeline.write.smil as smil
    from pipeline.write.ffmpeg import decode
    from tests.test_epub import NS, parse_clock
    monkeypatch.setattr(smil, "PART_BLOCKS", 3)
    before, after = books
    book = tmp_path / "seance.epub"
    _write(book, before)
    old = _members(book)
    _write(book, after)
    new = _members(book)
    debate, utterances, timeline, aac = after
    audio = sorted(n for n in new if n.startswith("EPUB/audio/"))
    assert len(audio) >= 4 and all(n.endswith(".m4a") for n in audio)
    # Changed: the file holding the edited paragraph's block, and the one before it should
    # that block now open a file of its own (content-defined cuts); no other.
    uid = next(u.id for u in utterances if EDIT[1] in u.text)
    at = next(c.start for c in timeline.clips if c.utterance == uid)
    edited = max(i for i, b in enumerate(timeline.blocks) if b <= at)
    changed = sorted(n for n in audio if old.get(n) != new[n])
    holders = []
    for section in timeline.sections:
        parts = smil.audio_parts(f"s{section.section:02d}", section, timeline, aac)
        for k, part in enumerate(parts):
            if edited in part.blocks:
                holders = ["EPUB/" + p.name for p in parts[max(0, k - 1):k + 1]]
    assert changed and set(changed) <= set(holders), (changed, holders)
    assert len(changed) <= 2 < len(audio)
    clips = {c.utterance: c for c in timeline.clips}
    for section in timeline.sections:
        parts = smil.audio_parts(f"s{section.section:02d}", section, timeline, aac)
        assert parts[0].start == section.start and parts[-1].end == section.end
        assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
        assert all(p.end - p.start <= smil.PART_S * RATE or len(p.blocks) == 1 for p in parts)
        by_name = {p.name: p for p in parts}
        smil_doc = etree.fromstring(new[f"EPUB/s{section.section:02d}.smil"])
        ends: dict[str, str] = {}
        for par in smil_doc.iterfind(".//smil:par", NS):
            a = par.find("smil:audio", NS)
            part = by_name[a.get("src")]
            uid = par.find("smil:text", NS).get("src").partition("#")[2]
            begin = parse_clock(a.get("clipBegin"))
            assert abs(begin - (clips[uid].start - part.start) / RATE) <= 5e-4
            if part.name in ends:
                assert a.get("clipBegin") == ends[part.name], "clips not contiguous in their file"
            else:
                assert begin == 0.0, "a file's first clip does not open it"
            ends[part.name] = a.get("clipEnd")
        for part in parts:
            f = tmp_path / part.name.replace("/", "-")
            f.write_bytes(new["EPUB/" + part.name])
            assert decode(f, RATE).size == part.end - part.start
            assert abs(parse_clock(ends[part.name]) - (part.end - part.start) / RATE) <= 1e-3
    report = epubcheck(book)
    assert _problems(report) == [], report["_stdout"]

