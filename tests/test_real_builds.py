"""Whole real sittings, built as a user builds them (issue 23): the smallest whole sitting of the
Assemblée's 16th-legislature open data (85 min of audio), a whole NosDéputés sitting and an
official ParlaMint-FR sample read through the corpus's listPerson, each built once with the
offline engine. On the real outputs: the chapters are the same in the M4B's QuickTime track,
its Nero `chpl` and the MP3's ID3 CHAP/CTOC (test_chapter_containers' readers); nothing internal
(person ids, grammar codes, URLs, timecodes) in the subtitles, the EPUB's text and speaker names
or the chapters JSON; EPUBCheck finds nothing."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.build import build
from pipeline.cache import Cache

from conftest import ROOT
from test_chapter_containers import assert_same_chapters
from test_epub import _problems, epubcheck

SOURCES = ROOT / "tests" / "fixtures" / "sources"
SITTINGS = {
    "open data": SOURCES / "an-syceron-16" / "CRSANR5L16S2023O1N203.xml",
    "nosdeputes": SOURCES / "nosdeputes" / "nosdeputes_2010-07-06T15h00_3997.json",
    "parlamint": SOURCES / "parlamint" / "2019" / "ParlaMint-FR_2019-01-16-O1119.xml",
}
# What a listener or reader must never meet: an AN person id (PA606171), a grammar code of the
# AN's own markup (TITRE_TEXTE_DISCUSSION, QG_1_1), a URL, a timecode.
INTERNAL = re.compile(r"\bPA\d+\b|\b[A-Z]+(?:_[A-Z0-9]+)+\b|https?://|\bwww\.|\b\d{1,2}:\d{2}:\d{2}\b")


@pytest.fixture(scope="module")
def built(tmp_path_factory, mbrola_dir):
    """Each sitting built once, one cache for the three (as an archive's would be)."""
    tmp = tmp_path_factory.mktemp("real")
    cache = Cache(tmp / "cache")
    out = {}
    for name, src in SITTINGS.items():
        r = build(src, tmp / "dist", mbrola_dir, cache=cache, workers=2, progress=False,
                  cast_file=tmp / "cast.toml")
        assert r.stats is not None and r.timeline is not None
        out[name] = (r, r.out_dir / r.out_dir.name)
    return out


def _internal(texts) -> list[str]:
    return sorted({m for t in texts for m in INTERNAL.findall(t)})


def _vtt_texts(path: Path) -> list[str]:
    """The cues' payloads (voice tags included: they carry the speaker's name), not their
    identifiers or timings."""
    out = []
    for cue in path.read_text("utf-8").split("\n\n")[1:]:
        lines = cue.strip("\n").splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        out += lines[timing + 1:]
    return out


def _epub_texts(path: Path) -> list[str]:
    """The text of every XHTML document of the book (what a reader shows), and its metadata's
    names (creators, contributors)."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xhtml", ".html")):
                body = etree.fromstring(z.read(name)).find("{http://www.w3.org/1999/xhtml}body")
                out += [t for t in body.itertext() if t.strip()]
            elif name.endswith(".opf"):
                opf = etree.fromstring(z.read(name))
                out += [e.text or "" for e in opf.iter("{http://purl.org/dc/elements/1.1/}creator",
                                                       "{http://purl.org/dc/elements/1.1/}contributor",
                                                       "{http://purl.org/dc/elements/1.1/}title")]
    return out


@pytest.mark.parametrize("name", SITTINGS)
def test_chapters_agree_in_every_container(built, name):
    r, stem = built[name]
    got = assert_same_chapters(stem.with_suffix(".m4b"), stem.with_suffix(".mp3"), r.timeline)
    assert [t for _, t in got["ffmpeg"]] == [c.title for c in r.timeline.chapters]


@pytest.mark.parametrize("name", SITTINGS)
def test_nothing_internal_is_shown(built, name):
    r, stem = built[name]
    chapters = json.loads(stem.with_suffix(".chapters.json").read_text("utf-8"))
    speakers = {it.speaker for sec in r.debate.sections for it in sec.items if it.kind == "speech"}
    assert speakers
    vtt, epub = _vtt_texts(stem.with_suffix(".vtt")), _epub_texts(stem.with_suffix(".epub"))
    assert len(vtt) >= len(r.utterances) and len(epub) >= len(r.utterances)   # all was read
    assert _internal(vtt) == []
    assert _internal(epub) == []
    assert _internal([chapters["title"]] + [c["title"] for c in chapters["chapters"]]) == []
    # the names a reader sees (the EPUB's, the page's and the subtitles' speaker names)
    assert _internal([sp.name or sp.label for sp in speakers]) == []


@pytest.mark.parametrize("name", SITTINGS)
def test_epubcheck_finds_nothing(built, name):
    _, stem = built[name]
    report = epubcheck(stem.with_suffix(".epub"))
    assert _problems(report) == [], report["_stdout"]
    assert report["checker"]["nFatal"] == report["checker"]["nError"] == 0
