"""The archive index dist/index.html: every built sitting (date, chamber, title, duration,
speakers, links to its page, M4B, MP3, EPUB), and a full-text search over all the transcripts
whose results open the read-along page at the sentence (`<stem>/index.html#<sentence id>`).

Static, no server, works from file://: the list is plain HTML; the search is Lunr, its index
built here with the `lunr` PyPI package and read in the page by the vendored lunr.js
(lunr.min.js, MIT), so no Node is needed. The index and the sentences' text go in
dist/archive-index.js, a script (a file:// page cannot fetch JSON).

Read from the build outputs alone, like the feed: each dist/*/episode.json (the podcast record)
and the WebVTT beside it (one cue per sentence, the cue id being the sentence id of the page and
the EPUB). A French word is found whatever its accents and case: text and query are folded the
same way (fold() here, fold() in archive.js), so Lunr's English trimmer/stemmer are not used.
"""
from __future__ import annotations

import html
import json
import re
import unicodedata
import warnings
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from pipeline.atomic import write_bytes
from pipeline.french import french_date
from pipeline.write.present import EPISODE, episodes

INDEX = "index.html"
DATA = "archive-index.js"
_TAG = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"^<v ([^>]*)>")
_TIME = re.compile(r"^(\d+):(\d\d):(\d\d)\.(\d{3}) -->")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: what is indexed and what is searched."""
    s = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", s).split())


def stopwords() -> frozenset[str]:
    text = _asset("archive_stopwords.txt")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def indexed(text: str, stop: frozenset[str]) -> str:
    return " ".join(w for w in fold(text).split() if w not in stop)


def _asset(name: str) -> str:
    return resources.files("pipeline.write").joinpath(name).read_text("utf-8")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def read_vtt(path: Path) -> list[tuple[str, float, str | None, str]]:
    """The cues of one of our WebVTT files: (sentence id, begin in s, speaker or None, text)."""
    out = []
    for block in path.read_text("utf-8").split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")
        if len(lines) < 3 or not (m := _TIME.match(lines[1])):
            continue
        h, mi, s, ms = map(int, m.groups())
        text = " ".join(lines[2:])
        v = _VOICE.match(text)
        out.append((lines[0], h * 3600 + mi * 60 + s + ms / 1000,
                    _unescape(v.group(1)) if v else None, _unescape(_TAG.sub("", text))))
    return out


def sittings(dist_dir: Path) -> list[tuple[dict, Path]]:
    """Built sittings, in the feed's order (present.episodes: damaged records skipped)."""
    return episodes(dist_dir)


def _duration(s: float) -> str:
    m = round(s / 60)
    return f"{m // 60} h {m % 60:02d}" if m >= 60 else f"{max(m, 1)} min"


def _href(*parts: str) -> str:
    return "/".join(quote(p) for p in parts)


def _row(ep: dict, folder: Path) -> str:
    e, stem, f = html.escape, ep["stem"], ep["files"]
    links = [("page", f["page"]), ("M4B", f"{stem}.m4b"), ("MP3", f["audio"]),
             ("EPUB", f"{stem}.epub")]
    links_html = " · ".join(f'<a href="{e(_href(stem, name))}">{label}</a>'
                            for label, name in links if (folder / name).is_file())
    people = ep.get("speakers") or []
    names = ", ".join(e(p["name"]) + (f" ({e(p['role'])})" if p.get("role") else "")
                      for p in people)
    speakers = (f'<details><summary>{len(people)} orateur{"s" if len(people) > 1 else ""}'
                f'</summary>{names}</details>') if people else ""
    date = ep.get("date")
    when = (f'<time datetime="{e(date)}">{e(french_date(date) or date)}</time>' if date
            else "date inconnue")
    return (f'<tr><td>{when}</td><td>{e(ep.get("chamber") or "")}</td>'
            f'<th scope="row"><a href="{e(_href(stem, f["page"]))}">{e(ep["title"])}</a></th>'
            f'<td>{_duration(ep["duration"])}</td><td>{speakers}</td><td>{links_html}</td></tr>')


def search_data(found: list[tuple[dict, Path]]) -> dict:
    """The Lunr index (ref "<sitting>:<cue>") and what a result shows: each sitting's title,
    date and page link; each sentence's id, speaker, begin and text."""
    from lunr.builder import Builder
    builder = Builder()        # empty pipelines: the text comes folded (see fold())
    builder.ref("r")
    builder.field("t")
    out_sittings, sentences, stop = [], [], stopwords()
    for i, (ep, folder) in enumerate(found):
        out_sittings.append({"title": ep["title"], "date": french_date(ep.get("date")),
                             "chamber": ep.get("chamber"),
                             "page": _href(ep["stem"], ep["files"]["page"])})
        transcript = folder / ep["files"]["transcript"]
        try:
            cues = read_vtt(transcript) if transcript.is_file() else []
        except (OSError, ValueError) as e:         # not ours (not UTF-8…): not searched
            warnings.warn(f"{transcript}: unreadable ({e}): its sentences are not searched")
            cues = []
        rows = []
        for j, (sid, begin, speaker, text) in enumerate(cues):
            builder.add({"r": f"{i}:{j}", "t": indexed(f"{speaker or ''} {text}", stop)})
            rows.append([sid, round(begin, 3), speaker, text])
        sentences.append(rows)
    # Lunr cannot build an index of no document (a division by zero): an empty one, as the
    # page's lunr.js loads it, when no sitting has a sentence.
    import lunr
    empty = {"version": lunr.__TARGET_JS_VERSION__, "fields": ["t"], "fieldVectors": [],
             "invertedIndex": [], "pipeline": []}
    return {"index": builder.build().serialize() if any(sentences) else empty,
            "sittings": out_sittings,
            "sentences": sentences, "stopwords": sorted(stop)}


def build_index(found: list[tuple[dict, Path]]) -> str:
    rows = "\n".join(_row(ep, folder) for ep, folder in found)
    hours = sum(ep["duration"] for ep, _ in found) / 3600
    summary = (f"{len(found)} séance{'s' if len(found) > 1 else ''}, "
               f"{_duration(hours * 3600)} d’écoute")
    return _asset("archive.html").format(
        rows=rows, summary=html.escape(summary), css=_asset("archive.css"),
        lunr=_asset("lunr.min.js"), js=_asset("archive.js"), data=DATA)


def write_archive(dist_dir: Path) -> Path:
    """Write dist_dir/index.html and dist_dir/archive-index.js for every sitting built there."""
    dist_dir = Path(dist_dir)
    found = sittings(dist_dir)
    data = json.dumps(search_data(found), ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True)
    write_bytes(dist_dir / DATA, f"window.HEMICYCLE_ARCHIVE = {data};\n".encode("utf-8"))
    path = dist_dir / INDEX
    write_bytes(path, build_index(found).encode("utf-8"))
    return path
