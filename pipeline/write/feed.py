"""The podcast feed dist/feed.xml (RSS 2.0 + iTunes + Podcasting 2.0), one item per built debate.

At build time each debate gets, beside its MP3: `<stem>.chapters.json` (Podcasting 2.0 JSON
chapters) and `episode.json` (what the feed needs to know about it: title, date, speakers,
duration, file names). The feed is then written from dist/*/episode.json alone, so it can be
regenerated, e.g. with another base URL, without rebuilding anything. No clock anywhere: dates
come from the debates, so the same dist gives the same feed; a debate of unknown date has no
pubDate (RSS makes it optional) rather than a made-up one, and is listed after the dated ones.
"""
from __future__ import annotations

import datetime
import email.utils
import html
import json
import uuid
from pathlib import Path
from urllib.parse import quote

from lxml import etree

from pipeline.atomic import write_bytes
from pipeline.model import Debate, Timeline
from pipeline.write.cover import cover
from pipeline.write.present import EPISODE, book_title, seconds, sitting_date, speaker_display
from pipeline.write.present import episodes as present_episodes
from pipeline.write.present import description as book_description

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
FEED = "feed.xml"
FEED_IMAGE = "feed.png"
COVER = "cover.png"
# Podcasting 2.0 <podcast:guid>: UUIDv5 of the feed URL in this namespace (the spec's).
PODCAST_GUID_NS = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

DEFAULT_TITLE = "Hémicycle — débats parlementaires"
DEFAULT_DESCRIPTION = ("Les comptes rendus intégraux des débats du Parlement français, lus par des "
                       "voix de synthèse : une voix par orateur, chapitres par partie de séance, "
                       "transcription synchronisée.")


def chapters_json(debate: Debate, timeline: Timeline) -> dict:
    """Podcasting 2.0 JSON chapters (version 1.2.0): one per debate section, in seconds."""
    return {"version": "1.2.0", "title": book_title(debate),
            "chapters": [{"startTime": seconds(c.start, timeline.rate),
                          "endTime": seconds(c.end, timeline.rate), "title": c.title}
                         for c in timeline.chapters]}


def write_chapters_json(path: Path, debate: Debate, timeline: Timeline) -> None:
    write_bytes(Path(path), _json(chapters_json(debate, timeline)))


def episode(stem: str, debate: Debate, timeline: Timeline, has_cover: bool = False) -> dict:
    speakers = [dict(zip(("name", "role"), speaker_display(s))) for s in debate.speakers().values()]
    return {"stem": stem, "title": book_title(debate), "date": debate.date,
            "chamber": debate.chamber, "speakers": speakers,
            "description": book_description(debate),
            "duration": seconds(timeline.total, timeline.rate),
            "files": {"audio": f"{stem}.mp3", "chapters": f"{stem}.chapters.json",
                      "transcript": f"{stem}.vtt", "page": "index.html",
                      "image": COVER if has_cover else None}}


def write_episode(out_dir: Path, stem: str, debate: Debate, timeline: Timeline,
                  cover_png: bytes | None = None) -> None:
    """Write out_dir/episode.json (and out_dir/cover.png when a cover is given): the feed's
    record of this debate. The MP3's size is read when the feed is written, not here, so this
    can run beside the MP3 writer."""
    out_dir = Path(out_dir)
    if cover_png is not None:
        write_bytes(out_dir / COVER, cover_png)
    write_bytes(out_dir / EPISODE, _json(episode(stem, debate, timeline, cover_png is not None)))


def _json(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _html(text: str) -> etree.CDATA:
    """A <description>: apps render it as HTML (Apple, Podcasting 2.0 readers), so the plain
    text is escaped as HTML, in CDATA as they expect (a title "<img onerror=…>" shows as text)."""
    return etree.CDATA(html.escape(text, quote=False))


def _rfc822(d: datetime.date) -> str:
    return email.utils.format_datetime(datetime.datetime(d.year, d.month, d.day,
                                                         tzinfo=datetime.timezone.utc))


def build_feed(dist_dir: Path, base_url: str, title: str = DEFAULT_TITLE,
               description: str = DEFAULT_DESCRIPTION, author: str = "Hémicycle",
               image: str | None = FEED_IMAGE) -> bytes:
    base = base_url.rstrip("/") + "/"

    def url(*parts: str) -> str:
        return base + "/".join(quote(p) for p in parts)

    rss = etree.Element("rss", {"version": "2.0"},
                        nsmap={"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM})
    ch = etree.SubElement(rss, "channel")

    def sub(parent, tag: str, text: str | etree.CDATA | None = None, **attrs: str):
        if ":" in tag:
            prefix, local = tag.split(":")
            tag = f"{{{rss.nsmap[prefix]}}}{local}"
        el = etree.SubElement(parent, tag, attrs)
        if text is not None:
            el.text = text
        return el

    episodes = present_episodes(dist_dir)
    dates = [d for d in (sitting_date(ep["date"]) for ep, _ in episodes) if d]
    sub(ch, "title", title)
    sub(ch, "link", base)
    sub(ch, "description", _html(description))
    sub(ch, "language", "fr")
    sub(ch, "generator", "Hémicycle")
    if dates:                        # the newest sitting's date; none known: none said
        sub(ch, "pubDate", _rfc822(max(dates)))
        sub(ch, "lastBuildDate", _rfc822(max(dates)))
    sub(ch, "atom:link", href=url(FEED), rel="self", type="application/rss+xml")
    sub(ch, "itunes:author", author)
    sub(ch, "itunes:summary", description)
    sub(ch, "itunes:type", "episodic")
    sub(ch, "itunes:explicit", "false")
    etree.SubElement(ch, f"{{{ITUNES}}}category", {"text": "Government"})
    if image:
        sub(ch, "itunes:image", href=url(image))
        img = sub(ch, "image")
        sub(img, "url", url(image))
        sub(img, "title", title)
        sub(img, "link", base)
    feed_id = url(FEED).split("://", 1)[-1].rstrip("/")
    sub(ch, "podcast:guid", str(uuid.uuid5(PODCAST_GUID_NS, feed_id)))
    sub(ch, "podcast:medium", "podcast")

    for ep, folder in episodes:
        f, stem = ep["files"], ep["stem"]
        item = sub(ch, "item")
        sub(item, "title", ep["title"])
        sub(item, "link", url(stem, f["page"]))
        sub(item, "description", _html(ep["description"]))
        sub(item, "guid", f"hemicycle:{stem}", isPermaLink="false")
        if sitting_date(ep["date"]):
            sub(item, "pubDate", _rfc822(sitting_date(ep["date"])))
        sub(item, "enclosure", url=url(stem, f["audio"]),
            length=str((folder / f["audio"]).stat().st_size), type="audio/mpeg")
        sub(item, "itunes:title", ep["title"])
        sub(item, "itunes:duration", str(round(ep["duration"])))
        sub(item, "itunes:episodeType", "full")
        sub(item, "itunes:explicit", "false")
        if f.get("image"):
            sub(item, "itunes:image", href=url(stem, f["image"]))
        sub(item, "podcast:chapters", url=url(stem, f["chapters"]), type="application/json+chapters")
        sub(item, "podcast:transcript", url=url(stem, f["transcript"]), type="text/vtt",
            language="fr", rel="captions")
    return etree.tostring(rss, encoding="utf-8", xml_declaration=True, pretty_print=True)


def write_feed(dist_dir: Path, base_url: str, title: str = DEFAULT_TITLE,
               description: str = DEFAULT_DESCRIPTION, author: str = "Hémicycle") -> Path:
    """Write dist_dir/feed.xml (and its channel image dist_dir/feed.png) for every debate built
    in dist_dir; base_url is where dist_dir is served ("https://example.org/hemicycle/")."""
    dist_dir = Path(dist_dir)
    # The channel image: the project's typographic cover with the feed's title (deterministic).
    write_bytes(dist_dir / FEED_IMAGE, cover(Debate(title=title, date=None, chamber=None,
                                                     sections=())))
    path = dist_dir / FEED
    write_bytes(path, build_feed(dist_dir, base_url, title, description, author))
    return path
