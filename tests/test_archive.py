"""The archive index dist/index.html, from a real build of two AN open-data sittings: the list
(date, chamber, title, duration, speakers, links that exist), and the search run in Debian's
headless Chromium from file://, its results linking to sentences of the read-along pages."""
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
SOURCES = ROOT / "tests" / "fixtures" / "sources"
SITTINGS = sorted(SOURCES.glob("CRSANR5L*.xml"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    d = tmp_path_factory.mktemp("archive")
    (d / "voices").mkdir()                       # empty: the offline engine
    r = subprocess.run([sys.executable, "-m", "pipeline", "build", *SITTINGS, "--voices",
                        d / "voices", "--cache", d / "cache", "--out", d / "dist", "--cast",
                        d / "cast.toml"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert f"archive index: {d / 'dist' / 'index.html'}" in r.stdout
    return d / "dist"


def dom(url: str) -> str:
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (tools/install-system-deps.sh)"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                        url], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_list_of_sittings(dist):
    page = (dist / "index.html").read_text("utf-8")
    rows = re.findall(r"<tr><td>.*?</tr>", page)
    assert len(rows) == 2
    # Newest first: 8 November 2024, then 13 July 2021.
    assert '<time datetime="2024-11-08">vendredi 8 novembre 2024</time>' in rows[0]
    assert '<time datetime="2021-07-13">mardi 13 juillet 2021</time>' in rows[1]
    assert "<td>Assemblée nationale</td>" in rows[1]
    assert "Stratégie vaccinale dans l’enseignement</a></th>" in rows[1]
    ep = json.loads((dist / SITTINGS[0].stem / "episode.json").read_text("utf-8"))
    assert f"<td>{round(ep['duration'] / 60)} min</td>" in rows[1]
    assert "Patrick Hetzel" in rows[1] and "Jean-Michel Blanquer" in rows[1]
    for row in rows:
        links = {label: href for href, label in re.findall(r'<a href="([^"]+)">(\w+)</a>', row)}
        assert set(links) == {"page", "M4B", "MP3", "EPUB"}
        for href in links.values():
            assert (dist / unquote(href)).stat().st_size > 0, href


def test_search_in_chromium_jumps_to_the_sentence(dist):
    """Every word required ("des" is a stop word), a word finds those it begins; every result
    opens the read-along page at a sentence that page holds. The time is only a guard against a
    search that grows with the archive (1–50 ms idle; `make bench` is where speed is measured):
    a loaded machine took 223 ms."""
    out = dom((dist / "index.html").as_uri() + "#q=" + quote("vaccin des Enseignants"))
    status = re.search(r'<p id="status"[^>]*data-ms="([\d.]+)" data-count="(\d+)"', out)
    assert status, out[-2000:]
    assert float(status.group(1)) < 2000
    hits = re.findall(r'<li><a href="([^"#]+)#([^"]+)">(.*?)</a>', out)
    assert len(hits) == int(status.group(2)) >= 1
    for page, sid, text in hits:
        assert page == f"{SITTINGS[0].stem}/index.html"
        assert "<mark>" in text and re.search(r"<mark>vaccin", text, re.I)
        target = (dist / page).read_text("utf-8")
        assert f'id="{unquote(sid)}"' in target
        assert re.sub(r"<[^>]+>", "", text)[:40] in re.sub(r"<[^>]+>", "", target)


def test_accents_and_case_do_not_matter(dist):
    out = dom((dist / "index.html").as_uri() + "#q=" + quote("STRATEGIE VACCINALE"))
    assert "<mark>Stratégie</mark> <mark>vaccinale</mark> dans l’enseignement</a>" in out


def test_stop_words_alone_find_nothing_and_prefixes_match(dist):
    out = dom((dist / "index.html").as_uri() + "#q=" + quote("de la"))
    assert "Aucune phrase" in out and "<li><a" not in out
    out = dom((dist / "index.html").as_uri() + "#q=budg")
    assert re.search(r"<mark>budg", out, re.I)
    assert f'{SITTINGS[1].stem}/index.html#' in out


def test_same_dist_same_bytes(dist):
    from pipeline.write.archive import write_archive
    before = {n: (dist / n).read_bytes() for n in ("index.html", "archive-index.js")}
    write_archive(dist)
    assert {n: (dist / n).read_bytes() for n in before} == before


def test_fold_matches_the_page():
    """archive.py's fold() is what the index holds; archive.js folds the query the same way
    (checked in Chromium above); here the cases the French text needs."""
    from pipeline.write.archive import fold
    assert fold("L’Œuvre ÉTÉ — cœur, naïf : 12 000 €") == "l oeuvre ete coeur naif 12 000"
    assert fold("Aujourd'hui, l'État-providence") == "aujourd hui l etat providence"
