"""Audiobook writers: M4B (AAC, chapters, cover) and MP3 (ID3v2 CHAP/CTOC chapters, cover).

The audio comes already encoded, block by block (write/splice.py): the M4B is the spliced AAC
frames in an MP4 written box by box (write/mp4.py), the MP3 the spliced frames under an ID3v2
tag written by mutagen; tags and chapters from the Timeline.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from pipeline.atomic import atomic_path
from pipeline.model import Debate, Timeline
from pipeline.write.mp4 import Mark, write_mp4

GENRE = "Speech"
TITLE_BYTES = 255              # a Nero `chpl` title is at most 255 bytes (ffmpeg cuts bytes)


def chapter_label(title: str) -> str:
    """A chapter's title as every container holds it: cut at a character, with "…", when
    longer than a `chpl` entry, so that the M4B's two chapter lists and the MP3 agree."""
    raw = title.encode("utf-8")
    if len(raw) <= TITLE_BYTES:
        return title
    return raw[:TITLE_BYTES - 3].decode("utf-8", "ignore").rstrip() + "…"


def chapter_timescale(timeline: Timeline) -> int:
    """The timescale of the M4B's QuickTime chapter track (the `text` track that `tref/chap`
    names: what Apple Books, iOS and ffmpeg read). Its sample durations are 32-bit: left to
    itself ffmpeg counts 28 224 000 a second there and drops every chapter of 152 s or more.
    The audio's rate keeps the starts exact and fits any chapter under 2^32 samples (27 h at
    44.1 kHz); past that, milliseconds."""
    longest = max((ch.end - ch.start for ch in timeline.chapters), default=0)
    return timeline.rate if longest < 2 ** 32 else 1000


def write_m4b(path: Path, aac: Sequence[bytes], timeline: Timeline, debate: Debate,
              description: str, cover_png: bytes) -> None:
    """`aac`: the book's blocks encoded by splice.encode_blocks with AAC, written into the MP4
    as they are (write/mp4.py). Chapters twice: the QuickTime chapter track and the Nero
    `chpl` atom; the movie's timescale is the chapter track's (chapter_timescale)."""
    chamber = debate.chamber or "Parlement"
    tags = [(b"\xa9nam", debate.title), (b"\xa9ART", chamber), (b"\xa9alb", chamber)]
    if debate.date:
        tags.append((b"\xa9day", debate.date))
    tags += [(b"\xa9cmt", description), (b"\xa9gen", GENRE), (b"desc", description)]
    marks = [Mark(ch.start, ch.end, chapter_label(ch.title)) for ch in timeline.chapters]
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        write_mp4(f, aac, timeline.rate, marks, chapter_timescale(timeline), tags, cover_png)


def write_mp3(path: Path, mp3: Sequence[bytes], timeline: Timeline, debate: Debate,
              description: str, cover_png: bytes) -> None:
    """MP3 (`mp3`: the blocks encoded by splice.encode_blocks with MP3) with ID3v2.4 tags, cover
    and chapters (CHAP + CTOC) written by mutagen before the file is moved into place."""
    from mutagen.id3 import (APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1,
                             CTOCFlags)
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"".join(mp3))
        tags = ID3()
        chamber = debate.chamber or "Parlement"
        tags.add(TIT2(encoding=3, text=debate.title))
        tags.add(TPE1(encoding=3, text=chamber))
        tags.add(TALB(encoding=3, text=chamber))
        tags.add(TCON(encoding=3, text=GENRE))
        tags.add(TLAN(encoding=3, text="fra"))
        tags.add(COMM(encoding=3, lang="fra", desc="", text=description))
        if debate.date:
            tags.add(TDRC(encoding=3, text=debate.date))
        tags.add(APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=cover_png))
        ids = [f"ch{i:03d}" for i in range(len(timeline.chapters))]
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=debate.title)]))
        def ms(samples: int) -> int:
            return round(samples * 1000 / timeline.rate)
        for cid, ch in zip(ids, timeline.chapters):
            tags.add(CHAP(element_id=cid, start_time=ms(ch.start), end_time=ms(ch.end),
                          sub_frames=[TIT2(encoding=3, text=chapter_label(ch.title))]))
        tags.save(tmp, v2_version=4)
