"""Outputs from the agenda tree, on a debate built by hand with the model's fields (levels,
continues, interjection, source) and audio laid out by the real assembly: nested EPUB navigation
and SMIL seqs, no label for a resumed speech, skippable stage directions and interjections, the
vote result as an escapable table, "écouter l'original" links, no made-up date; and the same on
the read-along page (static HTML read with lxml)."""
from __future__ import annotations

import json
import re

import lxml.html
import numpy as np
import pytest
from lxml import etree

from pipeline.model import (NARRATOR, Debate, Heading, Section, Source, Speaker, Speech, Stage,
                            Voice)
from pipeline.segment import segment
from test_epub import NS, Book, _problems, epubcheck

RATE = 22050
CHAIR = Speaker("M. le président.", "M.", "Claude Bartolone", "président")
TIAN = Speaker("M. Dominique Tian.", "M.", "Dominique Tian")
DALLOZ = Speaker("Mme Marie-Christine Dalloz.", "Mme", "Marie-Christine Dalloz")
AN_URL = "https://www.assemblee-nationale.fr/14/cri/2012-2013/20130134.asp#INTER_12"
VIDEO = "https://videos.example.org/seance.mp4"
VOTE = ("Nombre de votants 319", "Nombre de suffrages exprimés 319", "Majorité absolue 160",
        "Pour l’adoption 119", "contre 200")

DEBATE = Debate("Ouverture du mariage aux couples de personnes de même sexe", None,
                "Assemblée nationale", (
    Section("Mariage pour tous", (
        Heading("PRÉSIDENCE DE M. Claude Bartolone"),
        Speech(CHAIR, ("La séance est ouverte.",), source=Source(AN_URL)),
        Heading("Discussion des articles", level=2),
        Heading("Article 1er", level=3),
        Speech(TIAN, ("Je défends cet amendement.",), source=Source(AN_URL, 754.0)),
        Stage("(Exclamations sur les bancs du groupe UMP.)"),
        Speech(DALLOZ, ("C’est faux !",), interjection=True),
        Speech(TIAN, ("Je reprends mon propos.",), continues=True),
        Heading("Amendement n° 12", level=4),
        Speech(CHAIR, ("Voici le résultat du scrutin :", *VOTE)),
        Stage("(L’amendement n° 12 n’est pas adopté.)"),
        Heading("Article 2", level=3),
        Speech(DALLOZ, ("Un mot sur l’article 2.",), source=Source(VIDEO, 1234.5)),
    )),
    Section("Ordre du jour", (Speech(CHAIR, ("La séance est levée.",)),)),
), source=Source("https://www.assemblee-nationale.fr/14/cri/2012-2013/20130134.asp"))
CAST = {NARRATOR: Voice("mbrola", "fr1", None, "male"),
        "Claude Bartolone": Voice("mbrola", "fr4", None, "male"),
        "Dominique Tian": Voice("mbrola", "fr2", None, "male"),
        "Marie-Christine Dalloz": Voice("mbrola", "fr3", None, "female")}


@pytest.fixture(scope="module")
def inputs():
    from pipeline.assemble import assemble
    from pipeline.write.splice import AAC, BLOCK, MARGIN, encode_blocks
    utterances = segment(DEBATE)
    rng = np.random.default_rng(3)
    bursts = [(rng.standard_normal(n) * 3000 * np.hanning(n)).astype(np.int16)
              for n in (int(len(u.spoken) / 19 * RATE) + 200 for u in utterances)]
    pcm, timeline = assemble(utterances, bursts, DEBATE, RATE, grid=(BLOCK, MARGIN))
    [aac] = encode_blocks(pcm, timeline, [AAC])
    return utterances, timeline, aac


@pytest.fixture(scope="module")
def book(inputs, tmp_path_factory):
    from pipeline.write.epub import write_epub
    utterances, timeline, aac = inputs
    path = tmp_path_factory.mktemp("tree") / "tree.epub"
    write_epub(path, DEBATE, utterances, timeline, aac, CAST)
    return Book(path)


def _doc(book, n=0):
    return book.xml([i for i in book.spine if i.get("media-overlay")][n])


def _smil(book, n=0):
    return book.xml(book.overlays()[n][1])


def test_epubcheck_clean(book):
    report = epubcheck(book.path)
    assert _problems(report) == [], report["_stdout"]


def test_nav_nested_by_agenda_then_interventions(book):
    nav = book.xml(next(i for i in book.manifest.values()
                        if "nav" in (i.get("properties") or "").split()))
    [toc] = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)

    def tree(ol):
        return [(li.find("x:a", NS).text,
                 tree(li.find("x:ol", NS)) if li.find("x:ol", NS) is not None else [])
                for li in ol.findall("x:li", NS)]
    section = tree(toc.find("x:ol", NS))[0]
    assert section == ("Mariage pour tous", [
        ("PRÉSIDENCE DE M. Claude Bartolone", []),
        ("M. le président (Claude Bartolone)", []),
        ("Discussion des articles", [
            ("Article 1er", [
                ("M. Dominique Tian", []),                 # once: the resumed speech has none
                ("Amendement n° 12", [("M. le président (Claude Bartolone)", [])])]),
            ("Article 2", [("Mme Marie-Christine Dalloz", [])])])])
    # the NCX nests the same way
    ncx_item = next(i for i in book.manifest.values()
                    if i.get("media-type") == "application/x-dtbncx+xml")
    ncx = etree.fromstring(book.read(ncx_item))
    path = ("ancestor-or-self::*[local-name()='navPoint']/*[local-name()='navLabel']//text()")
    labels = ["/".join(t.strip() for t in p.xpath(path) if t.strip())
              for p in ncx.xpath("//*[local-name()='navPoint']")]
    assert "Mariage pour tous/Discussion des articles/Article 1er/Amendement n° 12" in labels


def test_labels_headings_interjection_and_vote_table(book):
    html = _doc(book)
    labels = [b.text for b in html.xpath("//x:b[@class='speaker']", namespaces=NS)]
    # as printed: the resumed speech carries no label, the interjection its own
    assert labels == ["M. le président", "M. Dominique Tian", "Mme Marie-Christine Dalloz",
                      "M. le président", "Mme Marie-Christine Dalloz"]
    assert [(h.tag.rpartition("}")[2], "".join(h.itertext())) for h in html.xpath(
        "//x:*[@class='heading']", namespaces=NS)] == [
        ("h2", "PRÉSIDENCE DE M. Claude Bartolone"), ("h2", "Discussion des articles"),
        ("h3", "Article 1er"), ("h4", "Amendement n° 12"), ("h3", "Article 2")]
    [inter] = html.xpath("//x:div[@class='interjection']", namespaces=NS)
    prev = inter.getprevious()
    assert "".join(prev.itertext()).startswith("(Exclamations")          # after what it follows
    assert "".join(inter.getnext().itertext()).strip() == "Je reprends mon propos."
    assert inter.getnext().get("class") == "turn continued"
    [table] = html.xpath("//x:table[@class='vote']", namespaces=NS)
    rows = [(tr.find("x:th", NS).text, tr.find("x:td", NS).text)
            for tr in table.findall("x:tr", NS)]
    assert rows == [tuple(v.rsplit(" ", 1)) for v in VOTE]
    assert [th.get("scope") for th in table.iter(f"{{{NS['x']}}}th")] == ["row"] * 5
    assert ["".join(tr.itertext()) for tr in table.findall("x:tr", NS)] == list(VOTE)


def test_source_links(book):
    html = _doc(book)
    links = [(a.get("href"), a.text) for a in html.xpath("//x:a[@class='source']", namespaces=NS)]
    assert links == [(AN_URL, "écouter l’original"),
                     (AN_URL, "écouter l’original (à 12 min 34 s de la vidéo)"),
                     (VIDEO + "#t=1234.5", "écouter l’original")]


def test_smil_seq_per_agenda_item_skippable_and_table(book):
    smil = _smil(book)
    html = _doc(book)
    ids = set(html.xpath("//@id"))
    seqs = smil.xpath("//smil:seq", namespaces=NS)
    for seq in seqs:
        assert seq.get(f"{{{NS['epub']}}}textref").partition("#")[2] in ids
        assert len(seq), "no empty seq"

    def ref(seq):
        target = seq.get(f"{{{NS['epub']}}}textref").partition("#")[2]
        return "".join(html.xpath("//*[@id=$i]", i=target)[0].itertext()).split("\n")[0] \
            or target                                    # the section: its id

    def chain(seq):
        return reversed([seq, *seq.iterancestors(f"{{{NS['smil']}}}seq")])
    nested = [" > ".join(ref(s) for s in chain(seq))
              for seq in seqs if seq.get(f"{{{NS['epub']}}}type") is None]
    assert nested == ["s00 > Discussion des articles",
                      "s00 > Discussion des articles > Article 1er",
                      "s00 > Discussion des articles > Article 1er > Amendement n° 12",
                      "s00 > Discussion des articles > Article 2"]
    [table] = smil.xpath("//smil:seq[@epub:type='table']", namespaces=NS)
    assert len(table) == 5 and {p.get(f"{{{NS['epub']}}}type") for p in table} == {"table-row"}
    skippable = {p.find("smil:text", NS).get("src").partition("#")[2]
                 for p in smil.xpath("//smil:par[@epub:type='note']", namespaces=NS)}
    texts = {"".join(html.xpath("//*[@id=$i]", i=i)[0].itertext()) for i in skippable}
    assert texts == {"(Exclamations sur les bancs du groupe UMP.)", "C’est faux !",
                     "(L’amendement n° 12 n’est pas adopté.)"}
    # reading order is kept: pars in document order across the nested seqs
    order = html.xpath("//@id")
    srcs = [p.find("smil:text", NS).get("src").partition("#")[2]
            for p in smil.xpath("//smil:par", namespaces=NS)]
    assert [order.index(s) for s in srcs] == sorted(order.index(s) for s in srcs)


def test_undated_sitting_says_no_date(book):
    assert book.meta("dcterms:modified") == ["1980-01-01T00:00:00Z"]   # the README's stand-in
    assert book.opf.xpath("//dc:date", namespaces=NS) == []
    assert book.opf.xpath("//dc:source/text()", namespaces=NS) == [DEBATE.source.url]
    title = " ".join("".join(book.xml(book.spine[1]).itertext()).split())
    assert "2000" not in title and "1980" not in title


# --- the read-along page ------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(inputs):
    from pipeline.write.web import build_page
    utterances, timeline, _ = inputs
    text = build_page(DEBATE, utterances, timeline, CAST, "séance #2 ?100%.mp3",
                      downloads=[("MP3", "séance #2 ?100%.mp3"), ("EPUB", "a b.epub")])
    return text, lxml.html.fromstring(text), timeline


def test_page_links_are_url_encoded(page):
    _, root, _ = page
    [audio] = root.xpath("//audio")
    assert audio.get("src") == "s%C3%A9ance%20%232%20%3F100%25.mp3"
    assert [a.get("href") for a in root.xpath("//p[@class='downloads']/a")] == [
        "s%C3%A9ance%20%232%20%3F100%25.mp3", "a%20b.epub"]
    for href in root.xpath("//@href | //@src"):
        assert not re.search(r"[ ?%](?![0-9A-F]{2})", href.partition("#")[0]) or "://" in href, href


def test_page_labels_tree_menu_and_sources(page):
    _, root, timeline = page
    text = root.xpath("//main")[0]
    assert len(text.xpath(".//b[@class='speaker']")) == 6        # 5 in the first section + 1
    assert [h.tag for h in text.xpath(".//*[@class='heading']")] == ["h3", "h3", "h4", "h5", "h4"]
    assert [a.get("href") for a in text.xpath(".//a[@class='source']")] == [
        AN_URL, AN_URL, VIDEO + "#t=1234.5"]
    [table] = text.xpath(".//table[@class='vote']")
    assert [tr.get("class") for tr in table.xpath(".//tr")] == ["s"] * 5   # clickable sentences
    options = root.xpath("//select[@id='chapter']/option")
    assert len(options) == len(timeline.chapters)
    for o, c in zip(options, timeline.chapters):
        assert o.get("data-level") == str(c.level)
        assert o.text_content() == "\u2003" * (c.level - 1) + c.title
    data = json.loads(root.xpath("//script[@id='hemicycle-data']")[0].text)
    assert [c["level"] for c in data["chapters"]] == [c.level for c in timeline.chapters]


def test_one_description(book, inputs, tmp_path):
    """The book describes itself once, the same in the EPUB and the feed's record (and the
    M4B/MP3 comment, which build passes the same function's text)."""
    from pipeline.write.feed import episode
    from pipeline.write.present import description
    _, timeline, _ = inputs
    text = description(DEBATE)
    assert text.startswith("Ouverture du mariage aux couples de personnes de même sexe — "
                           "Assemblée nationale. Compte rendu intégral")
    assert "Intervenants : Claude Bartolone (président), Dominique Tian, " in text
    assert book.opf.xpath("//dc:description/text()", namespaces=NS) == [text]
    assert episode("x", DEBATE, timeline)["description"] == text


def test_an_seed_shows_the_labels_the_source_prints():
    """The AN seed prints 542 speaker labels (issue 17): a speech resumed after a stage
    direction or an interjection gets none, and no contents entry."""
    from pipeline.parse import parse_file
    from pipeline.write.markup import section_documents
    from conftest import AN
    debate = parse_file(AN)
    docs = section_documents(debate, {u.id for u in segment(debate)})
    labels = sum(len(etree.fromstring(d.content).xpath("//x:b[@class='speaker']", namespaces=NS))
                 for d in docs)
    speeches = [i for s in debate.sections for i in s.items if isinstance(i, Speech)]
    assert labels == sum(1 for i in speeches if not i.continues) == 542

    def count(entries):
        return sum(1 + count(e.children) for e in entries)
    headings = sum(1 for s in debate.sections for i in s.items if isinstance(i, Heading))
    interventions = sum(1 for i in speeches if not i.continues and not i.interjection)
    assert interventions <= sum(count(d.turns) for d in docs) <= interventions + headings
    # every vote result of the sitting is a table of its five rows
    tables = [t for d in docs
              for t in etree.fromstring(d.content).xpath("//x:table[@class='vote']", namespaces=NS)]
    assert len(tables) == AN.read_text("utf-8").count("Nombre de votants") == 4
    assert {len(t) for t in tables} == {5}
