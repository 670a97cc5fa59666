"""The podcast feed (dist/feed.xml), its JSON chapters and the WebVTT transcript."""
import datetime
import email.utils
import json
import re
import shutil

import pytest
from lxml import etree

from pipeline.model import NARRATOR
from pipeline.write.present import speaker_display, to_ms
from pipeline.write.feed import EPISODE, ITUNES, PODCAST, build_feed, write_feed
from pipeline.write.vtt import build_vtt, timestamp
from web.sample import build_sample

NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": "http://www.w3.org/2005/Atom"}
BASE = "https://example.org/hemicycle"


@pytest.fixture(scope="module")
def sample(tmp_path_factory, mbrola_dir):
    return build_sample(tmp_path_factory, mbrola_dir)


# --- WebVTT --------------------------------------------------------------------------------

CUE = re.compile(r"^(\S+)\n(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)$")


def _ms(ts: str) -> int:
    h, m, s = ts.split(":")
    return (int(h) * 60 + int(m)) * 60_000 + round(float(s) * 1000)


def test_vtt_one_cue_per_sentence_with_the_speaker_as_voice(sample):
    r, stem = sample
    text = (r.out_dir / f"{stem}.vtt").read_text("utf-8")
    assert text.startswith("WEBVTT\n\n")
    blocks = text[len("WEBVTT\n\n"):].strip("\n").split("\n\n")
    assert len(blocks) == len(r.timeline.clips) == len(r.utterances)
    by_id = {u.id: u for u in r.utterances}
    speakers = r.debate.speakers()
    for block, clip in zip(blocks, r.timeline.clips):
        m = CUE.match(block)
        assert m, block
        cue_id, begin, end, payload = m.groups()
        assert cue_id == clip.utterance
        assert (_ms(begin), _ms(end)) == (to_ms(clip.start, r.timeline.rate),
                                          to_ms(clip.end, r.timeline.rate))
        u = by_id[cue_id]
        if u.speaker == NARRATOR:
            assert payload == u.text                     # nobody says a stage direction
        else:
            name = speaker_display(speakers[u.speaker])[0]
            assert payload == f"<v {name}>{u.text}"
    assert "<v François-Noël Buffet>" in text and "<v Laure Darcos>" in text
    # Cues tile the book, in order.
    ends = [_ms(CUE.match(b).group(3)) for b in blocks]
    begins = [_ms(CUE.match(b).group(2)) for b in blocks]
    assert begins[1:] == ends[:-1] and begins[0] == 0


def test_vtt_escapes_markup_and_pads_hours(sample):
    import dataclasses
    r, _ = sample
    u = next(u for u in r.utterances if u.speaker != NARRATOR)
    odd = [dataclasses.replace(x, text="A < B & C --> D") if x is u else x for x in r.utterances]
    text = build_vtt(r.debate, odd, r.timeline)
    assert "A &lt; B &amp; C --&gt; D" in text and text.count("-->") == len(odd)
    assert timestamp(3_723_004) == "01:02:03.004" and timestamp(0) == "00:00:00.000"
    assert timestamp(100 * 3_600_000) == "100:00:00.000"


# --- chapters and episode record -------------------------------------------------------------

def test_chapters_json_follow_the_timeline(sample):
    r, stem = sample
    data = json.loads((r.out_dir / f"{stem}.chapters.json").read_text("utf-8"))
    assert data["version"] == "1.2.0"
    rate = r.timeline.rate
    assert [(c["title"], round(c["startTime"] * 1000), round(c["endTime"] * 1000))
            for c in data["chapters"]] == [(c.title, to_ms(c.start, rate), to_ms(c.end, rate))
                                          for c in r.timeline.chapters]
    assert data["chapters"][0]["startTime"] == 0


# --- the feed ------------------------------------------------------------------------------

@pytest.fixture()
def dist(sample, tmp_path):
    """A dist/ with the sample and a second, dated debate (a copy with another date)."""
    r, stem = sample
    d = tmp_path / "dist"
    shutil.copytree(r.out_dir, d / stem)
    other = d / "an_2013-02-04_autre"
    shutil.copytree(r.out_dir, other)
    for f in other.glob(f"{stem}.*"):
        f.rename(other / f.name.replace(stem, other.name))
    ep = json.loads((other / EPISODE).read_text("utf-8"))
    ep.update(stem=other.name, date="2013-02-04", title="Mariage pour tous",
              files={k: v.replace(stem, other.name) if v else v for k, v in ep["files"].items()})
    (other / EPISODE).write_text(json.dumps(ep, ensure_ascii=False), "utf-8")
    (d / "not-built").mkdir()                            # no episode.json: not in the feed
    return d


def test_feed_is_valid_rss_with_itunes_and_podcasting20(sample, dist):
    r, stem = sample
    path = write_feed(dist, BASE + "/")
    root = etree.parse(str(path)).getroot()                       # well-formed XML
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert {root.nsmap[k] for k in ("itunes", "podcast")} == {ITUNES, PODCAST}
    ch = root.find("channel")
    assert ch.findtext("language") == "fr" and ch.findtext("title")
    assert ch.find("atom:link", NS).get("href") == f"{BASE}/feed.xml"
    image = ch.find("itunes:image", NS).get("href")
    assert image == f"{BASE}/feed.png" and ch.findtext("image/url") == image
    assert (dist / "feed.png").read_bytes().startswith(b"\x89PNG")
    assert re.fullmatch(r"[0-9a-f-]{36}", ch.findtext("podcast:guid", namespaces=NS))

    items = ch.findall("item")
    # Newest first; the undated debate comes after, with no pubDate (never a made-up date such
    # as "Sat, 01 Jan 2000", never the clock).
    assert [i.findtext("title") for i in items] == ["Mariage pour tous", r.debate.title]
    assert email.utils.parsedate_to_datetime(items[0].findtext("pubDate")).date() == \
        datetime.date(2013, 2, 4)
    assert r.debate.date is None and items[1].find("pubDate") is None
    assert ch.findtext("lastBuildDate") == ch.findtext("pubDate") == items[0].findtext("pubDate")
    assert "2000" not in path.read_text("utf-8")

    item = items[1]
    enc = item.find("enclosure")
    assert enc.get("url") == f"{BASE}/{stem}/{stem}.mp3" and enc.get("type") == "audio/mpeg"
    assert int(enc.get("length")) == (dist / stem / f"{stem}.mp3").stat().st_size
    total = r.timeline.total / r.timeline.rate
    assert int(item.findtext("itunes:duration", namespaces=NS)) == round(total)
    assert item.findtext("guid") == f"hemicycle:{stem}"
    assert item.findtext("link") == f"{BASE}/{stem}/index.html"
    desc = item.findtext("description")
    for s in r.debate.speakers().values():
        assert speaker_display(s)[0] in desc
    chapters = item.find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters"
    transcript = item.find("podcast:transcript", NS)
    assert (transcript.get("type"), transcript.get("language")) == ("text/vtt", "fr")
    assert item.find("itunes:image", NS).get("href") == f"{BASE}/{stem}/cover.png"
    # Every URL in the feed names a file that is in dist/.
    for url in [enc.get("url"), chapters.get("url"), transcript.get("url"),
                item.find("itunes:image", NS).get("href"), item.findtext("link")]:
        assert url.startswith(BASE + "/") and (dist / url[len(BASE) + 1:]).is_file(), url


def test_feed_base_url_configurable_and_deterministic(dist):
    a = build_feed(dist, "https://a.example/x/")
    assert a == build_feed(dist, "https://a.example/x")           # trailing slash or not
    b = build_feed(dist, "http://localhost:8000/")
    assert b"https://a.example/x/" not in b and b"http://localhost:8000/" in b
    write_feed(dist, "https://a.example/x/")
    first = (dist / "feed.xml").read_bytes()
    write_feed(dist, "https://a.example/x/")
    assert (dist / "feed.xml").read_bytes() == first == a


def test_feed_skips_a_debate_whose_mp3_is_missing(dist):
    for mp3 in (dist / "an_2013-02-04_autre").glob("*.mp3"):
        mp3.unlink()
    items = etree.fromstring(build_feed(dist, BASE)).findall("channel/item")
    assert len(items) == 1
    # only the undated debate is left: the channel says no date at all
    channel = etree.fromstring(build_feed(dist, BASE)).find("channel")
    assert channel.find("pubDate") is None and channel.find("lastBuildDate") is None
    assert items[0].find("pubDate") is None
