"""The EPUB of real builds (the Sénat seed and the Assemblée sample, offline engine) checked with
Ace by DAISY (accessibility: 0 violations) and EPUBCheck 5.3.0 (0 errors, 0 warnings), and read
back for what the issue asks: navigation, cover, title page, cast, narrated headings and stage
directions in the Media Overlays, `media:narrator`.

Ace (npm `@daisy/ace-cli`, installed by `make test` with PUPPETEER_SKIP_DOWNLOAD=true) drives
Debian's chromium through puppeteer: PUPPETEER_EXECUTABLE_PATH points at it. Ace itself launches
it headless with --no-sandbox (needed as root) and blocks every http(s) request of the documents,
so it runs offline. Nothing is skipped: a missing node, Ace or chromium fails with the fix."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import AN, ROOT, SENAT
from test_epub import NS, Book, _problems, epubcheck

ACE = ROOT / "node_modules" / ".bin" / "ace-cli"


# --- Ace ---------------------------------------------------------------------------------------

def ace_command() -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run Ace here, or a test failure naming the fix."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.fail("node is not installed: `make test` installs it "
                    "(bash tools/install-system-deps.sh --test)")
    if not ACE.exists():
        pytest.fail(f"Ace by DAISY is not installed ({ACE} is missing): run `make test`, or "
                    "`PUPPETEER_SKIP_DOWNLOAD=true npm install` in the project folder")
    chromium = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium")
    if not chromium or not Path(chromium).exists():
        pytest.fail("chromium is not installed (Ace drives it): `make test` installs it "
                    "(Debian: apt-get install chromium), or set PUPPETEER_EXECUTABLE_PATH")
    env = {**os.environ,
           "PUPPETEER_EXECUTABLE_PATH": chromium,
           "PUPPETEER_SKIP_DOWNLOAD": "true",
           # Ace gives the browser 5 s to start by default: too short on a busy 2-core machine.
           "ACE_TIMEOUT_INITIAL": os.environ.get("ACE_TIMEOUT_INITIAL", "60000")}
    return [node, str(ACE)], env


def run_ace(epub: Path, outdir: Path) -> dict:
    """Ace's JSON report (outdir/report.json) for `epub`."""
    cmd, env = ace_command()
    tempdir = outdir.with_name(outdir.name + "-tmp")
    tempdir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    proc = subprocess.run([*cmd, "--silent", "--force", "--outdir", str(outdir),
                           "--tempdir", str(tempdir), str(epub)],
                          capture_output=True, text=True, env=env, timeout=600)
    print(f"ace {epub.name}: {time.monotonic() - start:.1f} s")
    report = outdir / "report.json"
    assert report.exists(), f"Ace wrote no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(report.read_text("utf-8"))


def violations(report: dict) -> list[str]:
    """Every failed assertion of an Ace report: "document rule-id (impact): description"."""
    out = []
    for subject in report["assertions"]:
        for a in subject.get("assertions", []):
            if a["earl:result"]["earl:outcome"] != "pass":
                out.append(f"{subject['earl:testSubject']['url']} {a['earl:test']['dct:title']} "
                           f"({a['earl:test'].get('earl:impact')}): "
                           f"{a['earl:result'].get('dct:description', '')}")
    return out


def test_violations_reads_an_ace_report():
    """The parser above sees a failure where Ace reports one (shape of Ace 1.4 reports)."""
    report = {"earl:result": {"earl:outcome": "fail"}, "assertions": [
        {"earl:testSubject": {"url": "EPUB/content.opf"}, "assertions": [
            {"earl:test": {"dct:title": "epub-lang", "earl:impact": "serious"},
             "earl:result": {"earl:outcome": "fail", "dct:description": "The language must be "
                             "specified (xml:lang in OPF package)"}}]},
        {"earl:testSubject": {"url": "s00.xhtml"}}]}
    assert violations(report) == ["EPUB/content.opf epub-lang (serious): The language must be "
                                  "specified (xml:lang in OPF package)"]


# --- real builds ---------------------------------------------------------------------------------

def _build(src: Path, tmp: Path, voices_dir: Path) -> Path:
    from pipeline.build import build
    from pipeline.cache import Cache
    start = time.monotonic()
    r = build(src, tmp / "dist", voices_dir=voices_dir, cache=Cache(tmp / "cache"),
              cast_file=tmp / "cast.toml", progress=False)
    print(f"build {src.name}: {time.monotonic() - start:.1f} s")
    return r.out_dir / f"{src.stem}.epub"


@pytest.fixture(scope="session")
def senat_epub(tmp_path_factory, mbrola_dir) -> Path:
    return _build(SENAT, tmp_path_factory.mktemp("ace-senat"), mbrola_dir)


@pytest.fixture(scope="session")
def an_epub(tmp_path_factory, mbrola_dir) -> Path:
    """The Assemblée sample: 2.5 h of audio, built once for the session."""
    return _build(AN, tmp_path_factory.mktemp("ace-an"), mbrola_dir)


BUILDS = {"senat": (SENAT, "senat_epub"), "an": (AN, "an_epub")}


@pytest.fixture(params=sorted(BUILDS))
def real(request) -> tuple[Path, Path]:
    """(transcript, its EPUB) for each real build."""
    src, fixture = BUILDS[request.param]
    return src, request.getfixturevalue(fixture)


def test_ace_no_violation(real, tmp_path):
    src, epub = real
    report = run_ace(epub, tmp_path / "ace")
    assert violations(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    # the accessibility metadata Ace looks for is there (certifier credential/report aside:
    # the conformance is self-assessed)
    missing = set(report["a11y-metadata"]["missing"]) - {"a11y:certifierCredential",
                                                          "a11y:certifierReport"}
    assert missing == set() and not report["a11y-metadata"]["empty"]
    # the cover is the only image, and it has its text alternative
    [image] = report["data"]["images"]
    assert image["src"].endswith(".png") and image["alt"].startswith("Couverture : ")
    # Ace's outline of the headings: no heading is only a number
    headings = re.findall(r'class="toc-h(\d)">([^<]*)<', report["outlines"]["headings"])
    assert headings and not [t for _, t in headings if t.strip().isdigit()]


def test_epubcheck_no_error_no_warning(real):
    src, epub = real
    start = time.monotonic()
    report = epubcheck(epub)
    print(f"epubcheck {epub.name}: {time.monotonic() - start:.1f} s")
    assert report["checker"]["checkerVersion"].startswith("5.3.0")
    assert _problems(report) == [], report["_stdout"]
    assert report["checker"]["nFatal"] == report["checker"]["nError"] == 0
    assert report["checker"]["nWarning"] == 0


def test_navigation_overlays_and_narrators(real):
    """What the issue asks, read back from the real book."""
    from pipeline.parse import parse_file
    from pipeline.segment import segment
    src, epub = real
    debate = parse_file(src)
    utterances = segment(debate)
    book = Book(epub)
    # spine: cover, title page, table of contents, one document per section, the cast last
    names = [i.get("href") for i in book.spine]
    assert names[:3] == ["cover.xhtml", "title.xhtml", "nav.xhtml"]
    assert names[3:-1] == [f"s{i:02d}.xhtml" for i in range(len(debate.sections))]
    assert names[-1] == "cast.xhtml"
    # title page: the sitting, the chamber and (when the transcript gives it) the date
    title = " ".join("".join(book.xml(book.spine[1]).itertext()).split())
    assert debate.title in title and debate.chamber in title
    if debate.date:
        assert book.xml(book.spine[1]).xpath("//x:time/@datetime", namespaces=NS) == [debate.date]
    # the table of contents: sections, below them the agenda items nested by level, and the
    # interventions: one entry per intervention (not per resumed speech, not per interjection)
    nav = book.xml(next(i for i in book.manifest.values()
                        if "nav" in (i.get("properties") or "").split()))
    [toc] = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    top = toc.xpath("x:ol/x:li", namespaces=NS)
    assert [li.find("x:a", NS).text for li in top] == [s.title for s in debate.sections] + [
        "Les orateurs"]
    speeches = [i for s in debate.sections for i in s.items if i.kind == "speech"]
    interventions = [i for i in speeches if not i.continues and not i.interjection]
    headings = sum(1 for s in debate.sections for i in s.items if i.kind == "heading")
    below = toc.xpath("x:ol/x:li/x:ol//x:a", namespaces=NS)
    assert len(interventions) <= len(below) <= len(interventions) + headings
    # as many speaker labels as the source prints: a resumed speech (continues) has none
    labels = sum(len(book.xml(item).xpath("//x:b[@class='speaker']", namespaces=NS))
                 for item in book.spine[3:-1])
    print(f"{src.name}: {labels} speaker labels, {len(speeches)} speeches")
    assert labels == sum(1 for i in speeches if not i.continues)
    landmarks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS)
    assert landmarks == ["cover", "titlepage", "toc", "bodymatter", "appendix"]
    # the cast lists every speaker, and the narration
    cast_doc = book.xml(book.spine[-1])
    cast = "".join(cast_doc.itertext())
    assert len(cast_doc.xpath("//x:dt", namespaces=NS)) == len(debate.speakers()) + 1
    for speaker in debate.speakers().values():
        if speaker.name:
            assert speaker.name in cast
    # Media Overlays: every utterance, in reading order, the narrator's included
    pars = [p for _, smil in book.overlays()
            for p in book.xml(smil).xpath("//smil:text/@src", namespaces=NS)]
    assert [p.partition("#")[2] for p in pars] == [u.id for u in utterances]
    assert {u.kind for u in utterances} == {"title", "heading", "stage", "speech"}
    # media:narrator: one entry per voice heard, the narration's included
    narrators = book.meta("media:narrator")
    assert len(narrators) == len(set(narrators)) >= 2
    for narrator in narrators:
        assert f"Voix : {narrator}" in cast


def test_headings_make_an_outline(an_epub):
    """Section titles are h1, headings within a section h2 (h3… for deeper agenda items); an
    agenda item's bare number is not a heading and a heading's second line ("vice-président")
    is part of its heading."""
    book = Book(an_epub)
    outline = []
    for item in book.spine[3:-1]:
        for h in book.xml(item).xpath("//x:h1|//x:h2|//x:h3|//x:h4|//x:h5|//x:h6",
                                      namespaces=NS):
            outline.append((h.tag.rpartition("}")[2], " ".join("".join(h.itertext()).split())))
    assert [t for t, _ in outline][:2] == ["h1", "h2"]
    assert not [t for _, t in outline if t.isdigit()]
    # inside "Article 4 (suite)": one level below that item, on two lines but one heading
    assert "Présidence de M. Christophe Sirugue vice-président" in [t for _, t in outline]
    levels = [int(t[1]) for t, _ in outline]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "no heading level skipped"
    assert "vice-président" not in [t for _, t in outline]
