"""The read-along page dist/<stem>/index.html: one self-contained HTML file (CSS, script and data
inlined) beside the book's MP3, working from file:// as from any static host.

The text is the EPUB's own section markup (same speaker labels, same sentence spans and ids, and
in word mode the same word spans), so the page and the book can never disagree on what a
sentence or a word is. The timeline is embedded as JSON (seconds, rounded to the millisecond like
the EPUB's SMIL) and the script only reads it.
"""
from __future__ import annotations

import html
import json
from bisect import bisect_right
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import quote

from lxml import etree

from pipeline.atomic import write_bytes
from pipeline.french import french_date
from pipeline.model import NARRATOR, Debate, Timeline, Utterance, Voice
from pipeline.write.markup import SectionDoc, book_documents
from pipeline.write.present import NARRATION, book_title, seconds, speaker_display, voice_label


def local_href(path: str) -> str:
    """A file beside the page as a relative URL: "#", "?", "%" and spaces percent-encoded
    (a file named "séance #2.mp3" is not the fragment "2.mp3" of "séance ")."""
    return quote(path, safe="/")


def _asset(name: str) -> str:
    return resources.files("pipeline.write").joinpath(name).read_text("utf-8")


def page_data(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
              voices: Mapping[str, Voice]) -> dict:
    """What the script needs, compact: sentences as [id, begin, end, speaker index, turn,
    chapter index], begin/end in seconds; speaker 0 is the narration. In word mode, `words`:
    sentence id → the begin of each of its word spans ("{id}-w{n:03d}"), in seconds."""
    speakers = debate.speakers()
    keys = [NARRATOR] + list(speakers)
    index = {k: i for i, k in enumerate(keys)}
    people = []
    for k in keys:
        name, role = (NARRATION, "titres et didascalies") if k == NARRATOR \
            else speaker_display(speakers[k])
        voice = voices.get(k)
        people.append({"name": name, "role": role,
                       "voice": voice_label(voice) if voice else None})
    rate = timeline.rate
    by_id = {u.id: u for u in utterances}
    starts = [c.start for c in timeline.chapters]
    sentences = []
    for clip in timeline.clips:
        u = by_id[clip.utterance]
        chapter = max(bisect_right(starts, clip.start) - 1, 0)   # the chapter it is heard in
        sentences.append([u.id, seconds(clip.start, rate), seconds(clip.end, rate),
                          index[u.speaker], u.turn, chapter])
    chapters = [{"title": c.title, "begin": seconds(c.start, rate), "end": seconds(c.end, rate),
                 "level": c.level} for c in timeline.chapters]
    words: dict[str, list[float]] = {}
    for w in timeline.words:
        words.setdefault(w.utterance, []).append(seconds(w.start, rate))
    return {"sentences": sentences, "speakers": people, "chapters": chapters,
            "duration": seconds(timeline.total, rate), "words": words}


def _text_html(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               docs: Sequence[SectionDoc] | None = None) -> str:
    """The EPUB's section markup as HTML: namespaces and epub:type dropped, headings one level
    down (the page's h1 is the debate's title), sentences marked as clickable, words (word
    mode) as "w"."""
    ids = {u.id for u in utterances}
    out = []
    for doc in docs if docs is not None else book_documents(debate, utterances, timeline):
        root = etree.fromstring(doc.content)
        section = root.find(".//{*}section")
        for el in section.iter():
            el.tag = etree.QName(el).localname
            for attr in [a for a in el.attrib if a.startswith("{")]:
                del el.attrib[attr]
            if el.tag in ("h1", "h2", "h3", "h4", "h5"):
                el.tag = f"h{int(el.tag[1]) + 1}"
            elif el.tag in ("span", "tr") and el.get("id") in ids:
                el.set("class", "s")
            elif el.tag == "span" and el.get("id", "").rpartition("-w")[0] in ids:
                el.set("class", "w")
        etree.cleanup_namespaces(section)
        out.append(etree.tostring(section, method="html", encoding="unicode", with_tail=False))
    return "\n".join(out)


def build_page(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               voices: Mapping[str, Voice], audio_name: str,
               downloads: Sequence[tuple[str, str]] = (),
               docs: Sequence[SectionDoc] | None = None) -> str:
    e = html.escape
    data = page_data(debate, utterances, timeline, voices)
    # "<" escaped so that no "</script" or "<!--" in a title can end the JSON block.
    data_json = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    title = book_title(debate)
    sub = " · ".join(x for x in (debate.chamber, french_date(debate.date)) if x)
    # The chapter menu follows the agenda tree: a sub-item indented under its item (a select
    # cannot nest options; em spaces indent, and screen readers do not read them).
    indent = "\u2003"
    options = "".join(f'<option value="{i}" data-level="{c["level"]}">'
                      f'{indent * (c["level"] - 1)}{e(c["title"])}</option>'
                      for i, c in enumerate(data["chapters"]))
    people = []
    for i, p in enumerate(data["speakers"][1:], start=1):
        turns = len({s[4] for s in data["sentences"] if s[3] == i})
        if not turns:
            continue
        role = f'<span class="role">{e(p["role"])}</span>' if p["role"] else ""
        people.append(
            f'<li><button type="button" class="who" data-speaker="{i}">{e(p["name"])}</button>'
            f'{role}<span class="count">{turns} intervention{"s" if turns > 1 else ""}</span></li>')
    links = " · ".join(f'<a href="{e(local_href(href))}">{e(label)}</a>'
                       for label, href in downloads)
    return _asset("web_page.html").format(
        title=e(title), subtitle=e(sub), audio=e(local_href(audio_name)), chapters=options,
        speakers="\n".join(people), downloads=links,
        text=_text_html(debate, utterances, timeline, docs),
        css=_asset("web_page.css"), js=_asset("web_page.js"), data=data_json)


def write_page(path: Path, debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               voices: Mapping[str, Voice], audio_name: str,
               downloads: Sequence[tuple[str, str]] = (),
               docs: Sequence[SectionDoc] | None = None) -> None:
    """Write the read-along page to `path` (atomically). `audio_name` is the MP3's URL relative
    to the page ("<stem>.mp3"); `downloads` optional (label, relative href) links; `docs`: the
    build's markup.book_documents (the EPUB shows the same)."""
    write_bytes(Path(path), build_page(debate, utterances, timeline, voices, audio_name,
                                        downloads, docs).encode("utf-8"))
