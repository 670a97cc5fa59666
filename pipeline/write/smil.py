"""EPUB 3 Media Overlays: each section's SMIL, its clips taken from the synthesis timeline
(relative to the section's own audio file that holds them, in milliseconds), and that audio:
the section's blocks of the book's AAC (write/splice.py), in files of about ten minutes,
stream-copied into .m4a files of their own, so it decodes to exactly
its samples (no priming to skip) and costs no encoding. (MP3 through LAME's gapless header decoded
up to 46 samples long on about one length in seven: not used here.)"""
from __future__ import annotations

import bisect
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from lxml import etree

from pipeline.model import Chapter, Timeline
from pipeline.write.markup import EPUB_NS, SectionDoc
from pipeline.write.present import clock, to_ms
from pipeline.write.ffmpeg import ffmpeg_version
from pipeline.write.splice import remux, spans

SMIL_NS = "http://www.w3.org/ns/SMIL"
AUDIO_EXT = "m4a"
AUDIO_MEDIA_TYPE = "audio/mp4"
MUX_ARGS = ["-c:a", "copy", "-map_metadata", "-1", "-fflags", "+bitexact", "-movflags",
            "+faststart", "-f", "mp4"]

# A section's audio is cut in files (whole blocks, so no clip is cut): a rebuild after an edit
# remuxes the one that holds it, not a 2-hour section's 77 MB (issue 27). Where a file ends
# depends on the blocks' own content, not on their positions (content-defined, as rsync cuts):
# a file ends before a block whose encoding's CRC-32 is a multiple of PART_BLOCKS (about 10
# minutes of real sittings' paragraphs), or once it holds PART_S seconds; so a longer or shorter
# paragraph moves no boundary but those up to the next content-defined cut. A section shorter
# than that keeps a single file, named after the section.
PART_BLOCKS = 128
PART_S = 1200


@dataclass
class Overlay:
    smil: bytes
    duration_ms: int


@dataclass(frozen=True)
class Part:
    """One audio file of a section: its name in the book and its blocks of the timeline."""
    name: str
    start: int
    end: int
    blocks: tuple[int, ...]


def audio_parts(section: str, chapter: Chapter, timeline: Timeline,
                aac: Sequence[bytes]) -> list[Part]:
    """The section's (chapter's) blocks in files (see PART_BLOCKS): audio/<section>.m4a, or
    when there are several audio/<section>-<CRC-32 of its first block>.m4a."""
    blocks = spans(timeline)
    inside = range(bisect.bisect_left(timeline.blocks, chapter.start),
                   bisect.bisect_left(timeline.blocks, chapter.end))
    if not inside or blocks[inside[0]][0] != chapter.start \
            or blocks[inside[-1]][1] != chapter.end:
        raise ValueError(f"chapter {chapter.title!r} is not made of whole audio blocks")
    most = PART_S * timeline.rate
    crc = {i: zlib.crc32(aac[i]) for i in inside}
    groups: list[list[int]] = []
    for i in inside:
        if (groups and crc[i] % PART_BLOCKS
                and blocks[i][1] - blocks[groups[-1][0]][0] <= most):
            groups[-1].append(i)
        else:
            groups.append([i])
    # Several files are named by their first block's content, not their rank: a file that
    # splits or joins renames none of the others (the next build copies them as they are).
    parts, names = [], set()
    for g in groups:
        name = f"{section}-{crc[g[0]]:08x}" if len(groups) > 1 else section
        while name in names:
            name += "x"
        names.add(name)
        parts.append(Part(f"audio/{name}.{AUDIO_EXT}", blocks[g[0]][0], blocks[g[-1]][1],
                          tuple(g)))
    return parts


def overlay(doc: SectionDoc, chapter: Chapter, timeline: Timeline,
            utterance_ids: set[str], paths: Mapping[str, tuple[int, ...]] | None,
            parts: Sequence[Part]) -> Overlay | None:
    """The section's SMIL: a `seq` per agenda item (its epub:textref the item's heading), in it
    a `par` per sentence (per word in word mode); stage directions and interjections marked
    skippable, vote results an escapable `seq` of epub:type "table". `paths`: utterance id →
    its agenda path (Utterance.agenda). `parts`: the section's audio files (audio_parts);
    each clip's times are relative to the file that holds it."""
    paths = paths or {}
    clips = [c for c in timeline.clips_of(chapter) if c.utterance in utterance_ids]
    if not clips:
        return None
    rate = timeline.rate
    order = {sid: i for i, sid in enumerate(doc.ids)}
    missing = [c.utterance for c in clips if c.utterance not in order]
    if missing:
        raise ValueError(f"utterances not found in the text of section {doc.index}: "
                         f"{', '.join(missing[:5])} (sentence splitting differs from segment?)")
    if [order[c.utterance] for c in clips] != sorted(order[c.utterance] for c in clips):
        raise ValueError(f"clips of section {doc.index} are not in document order")
    # Clips tile the book: each clip runs to the next one's start; the last to the chapter end.
    ends = [c.start for c in clips[1:]] + [chapter.end]
    parts = list(parts)
    part_starts = [p.start for p in parts]
    smil = etree.Element(f"{{{SMIL_NS}}}smil", {"version": "3.0"},
                         nsmap={None: SMIL_NS, "epub": EPUB_NS})
    body = etree.SubElement(smil, f"{{{SMIL_NS}}}body")
    top = etree.SubElement(body, f"{{{SMIL_NS}}}seq", {
        "id": f"seq-{doc.name}", f"{{{EPUB_NS}}}textref": f"{doc.name}.xhtml#{doc.name}",
        f"{{{EPUB_NS}}}type": "chapter"})
    stack: list[tuple[tuple[int, ...], etree._Element]] = [((doc.index,), top)]
    table: tuple[str, etree._Element] | None = None

    def container(uid: str) -> etree._Element:
        """The seq a sentence's pars go in: its agenda item's (opened as needed), or the vote
        table it is a row of."""
        nonlocal table
        path = paths.get(uid) or (doc.index,)
        while len(stack) > 1 and path[:len(stack[-1][0])] != stack[-1][0]:
            stack.pop()
        for depth in range(len(stack[-1][0]) + 1, len(path) + 1):
            ref = doc.agenda_ids.get(path[:depth])
            if ref is None:
                continue
            stack.append((path[:depth], etree.SubElement(stack[-1][1], f"{{{SMIL_NS}}}seq", {
                "id": f"seq-{ref}", f"{{{EPUB_NS}}}textref": f"{doc.name}.xhtml#{ref}"})))
        tid = doc.tables.get(uid)
        if tid is None:
            table = None
            return stack[-1][1]
        if table is None or table[0] != tid or table[1].getparent() is not stack[-1][1]:
            table = (tid, etree.SubElement(stack[-1][1], f"{{{SMIL_NS}}}seq", {
                "id": f"seq-{tid}", f"{{{EPUB_NS}}}textref": f"{doc.name}.xhtml#{tid}",
                f"{{{EPUB_NS}}}type": "table"}))
        return table[1]
    words: dict[str, list] = {}
    for w in timeline.words:
        if w.utterance in doc.worded:
            words.setdefault(w.utterance, []).append(w)
    for clip, end in zip(clips, ends):
        part = parts[max(0, bisect.bisect_right(part_starts, clip.start) - 1)]
        if end > part.end:                     # the clip before a file's first: to its end
            end = part.end
        begin_ms = to_ms(clip.start - part.start, rate)
        end_ms = to_ms(end - part.start, rate)
        if not (part.start <= clip.start and begin_ms < end_ms):
            raise ValueError(f"clip {clip.utterance} is empty or outside its chapter's audio "
                             f"({clip.start}–{end} in {part.start}–{part.end})")
        # Word mode: one par per displayed word, flat in the seq; the words tile the clip, so
        # the pars stay contiguous. A word shorter than a millisecond gets no par (SMIL rejects
        # clipBegin = clipEnd): its neighbours' pars still meet.
        ws = words.get(clip.utterance)
        pieces = ([(f"{clip.utterance}-w{w.index:03d}", w.start, w.end) for w in ws] if ws
                  else [(clip.utterance, clip.start, end)])
        pieces[0] = (pieces[0][0], clip.start, pieces[0][2])
        pieces[-1] = (pieces[-1][0], pieces[-1][1], end)
        seq = container(clip.utterance)
        kind = doc.skippable.get(clip.utterance) or (
            "table-row" if clip.utterance in doc.tables else None)
        if kind and len(pieces) > 1:          # a sentence's words: one skippable seq
            seq = etree.SubElement(seq, f"{{{SMIL_NS}}}seq", {
                "id": f"seq-{clip.utterance}", f"{{{EPUB_NS}}}type": kind,
                f"{{{EPUB_NS}}}textref": f"{doc.name}.xhtml#{clip.utterance}"})
            kind = None
        for target, start, stop in pieces:
            a_ms, b_ms = to_ms(start - part.start, rate), to_ms(stop - part.start, rate)
            if a_ms >= b_ms:
                continue
            par = etree.SubElement(seq, f"{{{SMIL_NS}}}par", {"id": f"par-{target}"})
            if kind:
                par.set(f"{{{EPUB_NS}}}type", kind)
            etree.SubElement(par, f"{{{SMIL_NS}}}text", {"src": f"{doc.name}.xhtml#{target}"})
            etree.SubElement(par, f"{{{SMIL_NS}}}audio", {
                "src": part.name, "clipBegin": clock(a_ms), "clipEnd": clock(b_ms)})
    content = etree.tostring(smil, encoding="utf-8", xml_declaration=True, pretty_print=True)
    return Overlay(content, to_ms(chapter.end - chapter.start, rate))


def part_frames(part: Part, aac: Sequence[bytes]) -> bytes:
    """The AAC frames of one of a section's audio files: its blocks of the book's."""
    return b"".join(aac[i] for i in part.blocks)


def audio_key(part: Part, aac: Sequence[bytes]) -> str:
    """What an audio file is made from: its frames, the mux options and the muxer."""
    h = hashlib.sha256(repr((MUX_ARGS, ffmpeg_version())).encode())
    for i in part.blocks:
        h.update(aac[i])
    return h.hexdigest()


def mux_audio(frames: bytes) -> bytes:
    """ADTS frames in an .m4a of their own, stream-copied."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="hemicycle-epub-") as tmp:
        out = Path(tmp) / f"audio.{AUDIO_EXT}"
        remux(frames, out, MUX_ARGS)
        return out.read_bytes()
