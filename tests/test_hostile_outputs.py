"""Outputs safe to publish (issue 26): what a hostile or damaged input, file name or out folder
can do to the pages, the book, the feed and the archive people serve. Inputs are real files
(tests/fixtures/sources) altered here, in the test, the way an attacker would."""
from __future__ import annotations

import json
import re
import warnings
import zipfile
from pathlib import Path

import lxml.html
import numpy as np
import pytest
from lxml import etree

from conftest import ROOT

SOURCES = ROOT / "tests" / "fixtures" / "sources"
NOSSENATEURS = SOURCES / "senat_2010-05-19_2130_seance-707.json"
EVIL = "javascript:alert(document.domain)//https://www.senat.fr/"
RATE = 22050


def _records(picked=(0, 1, 2, 3, 4, 6, 8, 9, 10)) -> list[dict]:
    """Short records of the real NosSénateurs sitting: headings, five turns, four speakers."""
    recs = json.loads(NOSSENATEURS.read_text("utf-8"))
    return [recs[i] for i in picked]


def _timeline(debate):
    """The debate's utterances laid out by the real assembly on noise bursts (no synthesis)."""
    from pipeline.assemble import assemble
    from pipeline.segment import segment
    from pipeline.write.splice import BLOCK, MARGIN
    utterances = segment(debate)
    rng = np.random.default_rng(3)
    bursts = [(rng.standard_normal(n) * 3000 * np.hanning(n)).astype(np.int16)
              for n in (int(len(u.spoken) / 19 * RATE) + 400 for u in utterances)]
    pcm, timeline = assemble(utterances, bursts, debate, RATE, grid=(BLOCK, MARGIN))
    return utterances, pcm, timeline


# --- 1. a source's URL becomes a link only when it is http(s) -----------------------------

@pytest.fixture(scope="module")
def evil_sitting(tmp_path_factory):
    """The real sitting with two turns' `source` turned into a javascript: URL."""
    from pipeline.parse import parse_file
    recs = _records()
    for i in (3, 7):                     # Jean-Léonce Dupont's first turn, Gérard César's
        assert recs[i]["intervention"]["intervenant_nom"]
        recs[i]["intervention"]["source"] = EVIL
    path = tmp_path_factory.mktemp("evil") / "seance.json"
    path.write_text(json.dumps(recs, ensure_ascii=False), "utf-8")
    debate = parse_file(path)
    return debate, *_timeline(debate)


def _hrefs(html: str) -> list[str]:
    return lxml.html.fromstring(html).xpath("//a/@href")


def test_source_url_must_be_http_or_https():
    from pipeline.write.present import web_url
    for good in ("https://www.senat.fr/seances/s201005/s20100519/s20100519_mono.html#par_1",
                 "http://www.assemblee-nationale.fr/14/cri/2012-2013/20130134.asp"):
        assert web_url(good) == good
    for bad in (EVIL, "JavaScript:alert(1)", "java\tscript:alert(1)", " javascript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "//evil.example/",
                "/relative", "https://", "http://[::1", "https://www.senat.fr/\x1b[2J",
                "file:///etc/passwd", "", None):
        assert web_url(bad) is None, bad


def test_page_links_no_javascript_source(evil_sitting):
    from pipeline.write.web import build_page
    debate, utterances, _, timeline = evil_sitting
    with pytest.warns(UserWarning, match=r"2 source link\(s\) dropped, not http\(s\)"):
        page = build_page(debate, utterances, timeline, {}, "seance.mp3")
    hrefs = _hrefs(page)
    assert EVIL not in page and not any(h.lower().startswith("javascript") for h in hrefs)
    # The turns whose source is the real senat.fr one keep their link.
    sources = [h for h in hrefs if h.startswith("http")]
    assert len(sources) == 3 and all(h.startswith("http://www.senat.fr/seances/") for h in sources)


def test_epub_links_no_javascript_source(evil_sitting, tmp_path):
    from pipeline.write.epub import build_epub
    from pipeline.write.splice import AAC, encode_blocks
    debate, utterances, pcm, timeline = evil_sitting
    [aac] = encode_blocks(pcm, timeline, [AAC])
    with pytest.warns(UserWarning, match="dropped"):
        book = build_epub(debate, utterances, timeline, aac, {})
    with zipfile.ZipFile(__import__("io").BytesIO(book)) as z:
        texts = {n: z.read(n).decode("utf-8") for n in z.namelist()
                 if n.endswith((".xhtml", ".opf", ".ncx", ".smil"))}
    assert not any("javascript" in t.lower() for t in texts.values())
    hrefs = [h for n, t in texts.items() if n.endswith(".xhtml")
             for h in etree.fromstring(t.encode()).xpath("//*[local-name()='a']/@href")]
    assert sum(h.startswith("http://www.senat.fr/") for h in hrefs) == 3


def test_epub_record_url_must_be_http(evil_sitting):
    """The debate's own record URL (dc:source) is dropped too when it is not http(s)."""
    import dataclasses
    from pipeline.model import Source
    from pipeline.write.epub import build_epub
    from pipeline.write.splice import AAC, encode_blocks
    debate, utterances, pcm, timeline = evil_sitting
    debate = dataclasses.replace(debate, source=Source(EVIL))
    [aac] = encode_blocks(pcm, timeline, [AAC])
    with pytest.warns(UserWarning, match="record's URL dropped"):
        book = build_epub(debate, utterances, timeline, aac, {})
    with zipfile.ZipFile(__import__("io").BytesIO(book)) as z:
        opf = next(z.read(n) for n in z.namelist() if n.endswith(".opf")).decode("utf-8")
    assert "javascript" not in opf and "<dc:source" not in opf


def test_feed_chapters_and_episode_carry_no_source_url(evil_sitting, tmp_path):
    from pipeline.write.feed import build_feed, chapters_json, write_episode
    debate, utterances, _, timeline = evil_sitting
    dist = tmp_path / "dist"
    (dist / "seance").mkdir(parents=True)
    write_episode(dist / "seance", "seance", debate, timeline)
    (dist / "seance" / "seance.mp3").write_bytes(b"\xff\xfb" * 100)
    outputs = [json.dumps(chapters_json(debate, timeline)),
               (dist / "seance" / "episode.json").read_text("utf-8"),
               build_feed(dist, "https://example.org/").decode("utf-8")]
    for text in outputs:
        assert "javascript" not in text.lower()


# --- 22. zero-width characters read as the space or the join they stand for ------------------

def _parse_json(path: Path) -> dict:
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "pipeline", "parse", str(path), "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_zero_width_space_in_a_label_is_a_space(tmp_path):
    """The Sénat seed's first lines with zero-width characters where a web page or a joined file
    leaves them: instead of the spaces of labels, inside a word (a break hint), a BOM at the
    start of a line. `parse` reads it exactly as the clean text."""
    from conftest import SENAT, excerpt
    clean = excerpt(SENAT, tmp_path / "seance.txt", 25)
    text = clean.read_text("utf-8")
    # The seed's labels hold a no-break space ("M.\xa0le président"): where a zero-width space
    # stands for a space, the reader must find the ordinary space of the clean variant.
    spaced = (text.replace("Mme\xa0Laure Darcos. Je", "Mme Laure Darcos. Je")
              .replace("M.\xa0le président. Nous", "M. le président. Nous"))
    clean.write_text(spaced, "utf-8")
    dirty = (spaced.replace("Mme Laure Darcos. Je", "Mme\u200bLaure\u200bDarcos. Je")
             .replace("M. le président. Nous", "M.\u200ble président. Nous")
             .replace("extrêmement", "extrême\u200bment")
             .replace("\n\nM.\xa0le président. La parole est à Mme", "\n\n\ufeffM.\xa0le "
                      "président. La parole est à\u2060 Mme"))
    assert dirty.count("\u200b") >= 4 and "\ufeff" in dirty and "\u2060" in dirty
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "seance.txt").write_text(dirty, "utf-8")
    got = _parse_json(tmp_path / "web" / "seance.txt")
    assert got == _parse_json(clean)
    labels = [i["speaker"]["label"] for s in got["sections"] for i in s["items"]
              if i["kind"] == "speech"]
    assert "Mme Laure Darcos." in labels and labels.count("M. le président.") >= 3


def test_clean_reads_zero_widths_like_decode():
    from pipeline.parse.decode import clean, decode
    for raw in ("M.\u200bDupont.", "extrême\u200bment", "fin.\n\ufeffM. X.", "a\x1bb"):
        assert clean(raw) == decode(raw.encode("utf-8")) if "\x1b" not in raw else True
    assert clean("M.\u200bDupont.") == "M. Dupont." and clean("extrême\u200bment") == "extrêmement"
    assert clean("a\x0cb\x1b\ud800c") == "a bc"


# --- 3. the feed's descriptions are HTML: text from a source is escaped in it --------------

def test_feed_description_runs_no_markup_from_a_title(evil_sitting, tmp_path):
    """Podcast apps render <description> as HTML: a title holding markup must show as text."""
    import dataclasses
    from pipeline.write.feed import build_feed, write_episode
    debate, utterances, _, timeline = evil_sitting
    evil = dataclasses.replace(debate, title='<img src=x onerror="alert(1)"> & <b>gras</b>')
    dist = tmp_path / "dist"
    (dist / "seance").mkdir(parents=True)
    write_episode(dist / "seance", "seance", evil, timeline)
    (dist / "seance" / "seance.mp3").write_bytes(b"\xff\xfb" * 100)
    feed = etree.fromstring(build_feed(dist, "https://example.org/", description="<i>x</i>"))
    [item] = feed.findall("channel/item")
    for desc in (item.findtext("description"), feed.findtext("channel/description")):
        shown = lxml.html.fragment_fromstring(desc, create_parent="div")
        assert not shown.xpath(".//img | .//b | .//i | .//script"), desc
    shown = lxml.html.fragment_fromstring(item.findtext("description"), create_parent="div")
    assert shown.text_content().startswith('<img src=x onerror="alert(1)"> & <b>gras</b> — Sénat')
    # Plain-text fields stay the text itself.
    assert item.findtext("title") == evil.title


# --- 19. a foreign or damaged episode.json is skipped, with one warning ----------------------

DAMAGED = {
    "not-json": b"{\"stem\": ",
    "not-utf8": b"\xff\xfe\x00{",
    "a-list": b"[1, 2]",
    "no-files": b'{"stem": "no-files", "title": "t", "date": null, "duration": 1}',
    "climbs-out": None,          # a record whose audio is "../seance/seance.mp3"
    "odd-date": None,            # date "¹²" (digits to Python, not to int())
    "other-stem": None,          # names a stem that is not its folder
    "nan-duration": None,
}


@pytest.fixture()
def damaged_dist(evil_sitting, tmp_path):
    from pipeline.write.feed import write_episode
    debate, _, _, timeline = evil_sitting
    dist = tmp_path / "dist"
    for stem in ("seance", *DAMAGED):
        (dist / stem).mkdir(parents=True)
        write_episode(dist / stem, stem, debate, timeline)
        (dist / stem / f"{stem}.mp3").write_bytes(b"\xff\xfb" * 100)
        (dist / stem / f"{stem}.vtt").write_text("WEBVTT\n", "utf-8")
    for stem, raw in DAMAGED.items():
        ep = json.loads((dist / stem / "episode.json").read_text("utf-8"))
        if stem == "climbs-out":
            ep["files"]["audio"] = "../seance/seance.mp3"
        elif stem == "odd-date":
            ep["date"] = "¹²"
        elif stem == "other-stem":
            ep["stem"] = "seance"
        elif stem == "nan-duration":
            ep["duration"] = float("nan")
        (dist / stem / "episode.json").write_bytes(raw if raw is not None else
                                                   json.dumps(ep).encode("utf-8"))
    return dist


def test_damaged_episode_records_are_skipped_with_one_warning(damaged_dist):
    from pipeline.write.archive import write_archive
    from pipeline.write.feed import write_feed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        feed = etree.parse(str(write_feed(damaged_dist, "https://example.org/")))
        index = write_archive(damaged_dist).read_text("utf-8")
    assert [i.findtext("guid") for i in feed.findall("channel/item")] == ["hemicycle:seance"]
    rows = lxml.html.fromstring(index).xpath("//tbody/tr | //table//tr[td]")
    assert len(rows) == 1 and "seance/index.html" in lxml.html.tostring(rows[0]).decode()
    said = sorted(str(w.message) for w in caught)
    assert len(said) == len(DAMAGED), said                 # one line per record, not two
    for stem in DAMAGED:
        assert sum(f"{stem}/episode.json" in m and "skipped" in m for m in said) == 1, stem


# --- 21. a malformed #fragment in a page's URL ---------------------------------------------

CHROMIUM = "/usr/bin/chromium"


def _chromium(url: str) -> tuple[str, list[str]]:
    """The DOM Debian's headless Chromium ends with, and the uncaught errors its console said."""
    import subprocess
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (tools/install-system-deps.sh)"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--enable-logging=stderr", "--v=0", "--dump-dom", url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout, [line for line in r.stderr.splitlines() if "Uncaught" in line]


@pytest.fixture()
def small_dist(evil_sitting, tmp_path):
    """One sitting's page, subtitles and record, as a build writes them (no audio needed)."""
    from pipeline.write.feed import write_episode
    from pipeline.write.vtt import write_vtt
    from pipeline.write.web import write_page
    debate, utterances, _, timeline = evil_sitting
    d = tmp_path / "dist" / "seance"
    d.mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # the javascript: links (tested above)
        write_page(d / "index.html", debate, utterances, timeline, {}, "seance.mp3")
    write_vtt(d / "seance.vtt", debate, utterances, timeline)
    write_episode(d, "seance", debate, timeline)
    (d / "seance.mp3").write_bytes(b"\xff\xfb" * 100)
    return d.parent


def test_malformed_fragment_in_the_archive_url(small_dist):
    from pipeline.write.archive import write_archive
    index = write_archive(small_dist).as_uri()
    dom, errors = _chromium(index + "#q=%E0%A4%A")
    assert errors == []
    # The query is taken as typed, and searched: nothing found, said so.
    assert re.search(r'<p id="status"[^>]*>Aucune phrase', dom), dom[-1500:]
    dom, errors = _chromium(index + "#q=" + "agriculture")
    assert errors == [] and re.search(r"<mark>agriculture", dom, re.I)


def test_malformed_fragment_in_the_page_url(small_dist):
    page = (small_dist / "seance" / "index.html").as_uri()
    for fragment in ("#%E0%A4%A", "#%", "#t%FF"):
        _, errors = _chromium(page + fragment)
        assert errors == [], fragment


def test_archive_of_no_sentence_loads(tmp_path):
    """An out folder with no sitting (or none with sentences): an empty search, not a crash."""
    from pipeline.write.archive import write_archive
    index = write_archive(tmp_path).as_uri()
    dom, errors = _chromium(index + "#q=budget")
    assert errors == [] and re.search(r'<p id="status"[^>]*>Aucune phrase', dom)


# --- 4, 12. a file's name never leads out of --out nor takes the out folder's own names -----

def test_sitting_stem_is_one_safe_name():
    import os
    import sys
    from pipeline.outdir import OWN_NAMES, sitting_folder, sitting_stem
    from pipeline.write import archive, feed
    assert set(OWN_NAMES) == {archive.INDEX, archive.DATA, feed.FEED, feed.FEED_IMAGE}
    names = ["...txt", "..txt", ".txt", "....", "index.html.txt", "FEED.XML.txt",
             "archive-index.js.json", "feed.png.txt", "con.txt", "LPT1.xml", "séance 14:30.txt",
             "a\x1b[2Jb.txt", "a\u202etxt.mp3.txt", os.fsdecode(b"s\xe9ance.txt"), "x" * 250 + ".txt",
             " .txt", "nom.", "a/b"[2:] + ".txt", "an_2013-02-04_mariage-pour-tous_seance2.txt"]
    stems = {n: sitting_stem(Path(n)) for n in names}
    print(stems)
    for name, stem in stems.items():
        assert stem and stem not in (".", "..") and not stem.startswith((".", " "))
        assert not stem.endswith((".", " ")) and "/" not in stem and "\\" not in stem
        assert stem.casefold() not in OWN_NAMES and stem.split(".")[0].casefold() != "con"
        assert stem.isprintable() and len(stem.encode("utf-8")) <= 180
        stem.encode(sys.getfilesystemencoding())
        assert sitting_folder(Path("/srv/out"), Path(name)).parent == Path("/srv/out")
    assert stems[os.fsdecode(b"s\xe9ance.txt")] == "séance"          # Latin-1 bytes: read
    assert stems["an_2013-02-04_mariage-pour-tous_seance2.txt"] == \
        "an_2013-02-04_mariage-pour-tous_seance2"                       # usual names unchanged
    assert stems["...txt"] != stems["..txt"]
    assert sitting_stem(Path("x" * 250 + "a.txt")) != sitting_stem(Path("x" * 250 + "b.txt"))


def test_a_link_in_out_leading_elsewhere_is_refused(tmp_path):
    from pipeline.model import InputError
    from pipeline.outdir import sitting_folder
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "seance").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="leads out of"):
        sitting_folder(tmp_path / "out", Path("seance.txt"))


def test_names_that_climb_out_or_take_the_archives_names(tmp_path):
    """Issue 26 items 4 and 12: "...txt" wrote into the parent of --out (replacing a site's
    index.html), "..txt" into --out itself, "index.html.txt" and "feed.xml.txt" took the
    archive's and the feed's names; each then crashed, and broke every later build."""
    import subprocess
    import sys
    from conftest import SENAT, excerpt
    site = tmp_path / "site"
    out = site / "dist"
    site.mkdir()
    (site / "index.html").write_text("the site's own page", "utf-8")
    inputs = tmp_path / "in"
    inputs.mkdir()
    excerpt(SENAT, inputs / "seance.txt", 4)
    names = ["...txt", "..txt", "index.html.txt", "feed.xml.txt", "archive-index.js.txt"]
    for name in names:
        (inputs / name).write_bytes((inputs / "seance.txt").read_bytes())
    (tmp_path / "voices").mkdir()                       # empty: the offline engine
    cmd = [sys.executable, "-m", "pipeline", "build", *(str(inputs / n) for n in names),
           "--voices", str(tmp_path / "voices"), "--cache", str(tmp_path / "cache"),
           "--out", str(out), "--cast", str(tmp_path / "cast.toml")]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in site.iterdir()) == ["dist", "index.html"]
    assert (site / "index.html").read_text("utf-8") == "the site's own page"
    for own in ("index.html", "feed.xml", "archive-index.js", "feed.png"):
        assert (out / own).is_file(), own
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == len(names)
    for folder in folders:
        assert (folder / f"{folder.name}.mp3").is_file() and (folder / "episode.json").is_file()
    feed = etree.parse(str(out / "feed.xml"))
    assert len(feed.findall("channel/item")) == len(names)
    assert len(re.findall(r"<tr><td>", (out / "index.html").read_text("utf-8"))) == len(names)
    # And the next build finds everything in place (up to date, or rebuilt in the same folders
    # when the code changed meanwhile).
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert sorted(p for p in out.iterdir() if p.is_dir()) == folders
    assert sorted(p.name for p in site.iterdir()) == ["dist", "index.html"]


# --- 15. `parse` and `cast` print what a file holds, never what a terminal would obey ---------

def test_parse_and_cast_show_controls_escaped(tmp_path):
    """Real records whose speaker's name holds a right-to-left override (U+202E, "Trojan
    source": a terminal shows what follows reversed) and a first-strong isolate; a real AN
    sitting whose text holds a C1 escape (U+009B, the one-byte CSI: "\x9b2J" clears a
    terminal) as an XML character reference. No output of `parse` or `cast` holds them raw;
    those the readers keep are shown as "\u202e"."""
    import os
    import subprocess
    import sys
    from pipeline.terminal import _HIDDEN
    recs = _records()
    recs[7]["intervention"]["intervenant_nom"] = "G\u2068érard\u202eCésar"
    nossenateurs = tmp_path / "seance.json"
    nossenateurs.write_text(json.dumps(recs, ensure_ascii=False), "utf-8")
    xml = tmp_path / "an.xml"
    xml.write_bytes((SOURCES / "CRSANR5L15S2021E1N009_extrait.xml").read_bytes()
                    .replace(b"</texte>", b" &#x9b;2J&#x85;</texte>", 1))
    (tmp_path / "voices").mkdir()
    for src in (nossenateurs, xml):
        for cmd in (["parse"], ["parse", "--json"], ["cast"], ["cast", "--json"]):
            voices = ["--voices", str(tmp_path / "voices")] if cmd[0] == "cast" else []
            r = subprocess.run([sys.executable, "-m", "pipeline", *cmd, str(src), *voices],
                               cwd=ROOT, capture_output=True, text=True, timeout=300,
                               env={**os.environ, "COLUMNS": "300"})
            assert r.returncode == 0, r.stderr
            assert not _HIDDEN.search(r.stdout), (cmd, src.name)
            if src is nossenateurs:
                assert "\\u2068" in r.stdout and "\\u202e" in r.stdout, (cmd, r.stdout[-800:])
            if "--json" in cmd:
                json.loads(r.stdout)                        # still JSON
