"""The read-along page dist/<stem>/index.html: its markup and data, then for real in headless
Chromium (Debian's, driven by playwright-core through tests/web/readalong.mjs)."""
import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from conftest import ROOT
from pipeline.write.present import to_ms
from pipeline.write.web import build_page, page_data
from web.sample import build_sample

CHROMIUM = "/usr/bin/chromium"
SCRIPT = ROOT / "tests" / "web" / "readalong.mjs"


@pytest.fixture(scope="module")
def sample(tmp_path_factory, mbrola_dir):
    return build_sample(tmp_path_factory, mbrola_dir)


def _data(doc) -> dict:
    return json.loads(doc.get_element_by_id("hemicycle-data").text)


def test_page_is_one_self_contained_file(sample):
    r, stem = sample
    doc = lxml.html.parse(str(r.out_dir / "index.html")).getroot()
    assert doc.get("lang") == "fr"
    # Nothing fetched but the MP3 beside it: inline style and script, no CDN, no server.
    assert not doc.xpath("//link[@rel='stylesheet'] | //script[@src] | //img | //iframe")
    assert [a.get("src") for a in doc.xpath("//audio")] == [f"{stem}.mp3"]
    for a in doc.xpath("//a[@href]"):
        assert "://" not in a.get("href") and not a.get("href").startswith("/")
    assert "://" not in "".join(doc.xpath("//style/text()"))
    # Accessibility hooks: real buttons, a live region, visible focus, a skip link.
    assert len(doc.xpath("//button[@type='button']")) >= 5
    assert doc.xpath("//*[@aria-live='polite']")
    assert ":focus-visible" in "".join(doc.xpath("//style/text()"))
    assert doc.xpath("//a[@href='#texte']") and doc.get_element_by_id("texte") is not None


def test_embedded_timeline_is_the_books(sample):
    r, _ = sample
    doc = lxml.html.parse(str(r.out_dir / "index.html")).getroot()
    data = _data(doc)
    rate = r.timeline.rate
    assert [s[0] for s in data["sentences"]] == [u.id for u in r.utterances]
    for s, clip in zip(data["sentences"], r.timeline.clips):
        assert s[0] == clip.utterance
        assert (round(s[1] * 1000), round(s[2] * 1000)) == (to_ms(clip.start, rate),
                                                             to_ms(clip.end, rate))
        assert doc.get_element_by_id(s[0]).get("class") == "s"     # every sentence clickable
    by_id = {u.id: u for u in r.utterances}
    speakers = data["speakers"]
    assert speakers[0]["name"] == "Narration"
    for s in data["sentences"]:
        u = by_id[s[0]]
        name = speakers[s[3]]["name"]
        assert (s[3] == 0) == (u.speaker == "__narrator__")
        if u.speaker != "__narrator__":
            assert name == (r.debate.speakers()[u.speaker].name or name)
    assert [c["title"] for c in data["chapters"]] == [s.title for s in r.debate.sections]
    assert data["duration"] == to_ms(r.timeline.total, rate) / 1000
    # The displayed text is the EPUB's: each sentence's span holds the utterance's text.
    for u in r.utterances:
        assert doc.get_element_by_id(u.id).text_content() == u.text


def test_page_is_deterministic_and_escapes_its_data(sample):
    r, stem = sample
    links = [("MP3", f"{stem}.mp3"), ("EPUB", f"{stem}.epub")]
    a = build_page(r.debate, r.utterances, r.timeline, r.voices, f"{stem}.mp3", links)
    assert a == (r.out_dir / "index.html").read_text("utf-8")
    assert a == build_page(r.debate, r.utterances, r.timeline, r.voices, f"{stem}.mp3", links)
    evil = dataclasses.replace(r.debate, title="</script><script>alert(1)</script>")
    html = build_page(evil, r.utterances, r.timeline, r.voices, f"{stem}.mp3")
    assert "<script>alert(1)" not in html


def _pick(data: dict):
    """Sentences to drive the page with: one mid-turn of a speaker with a role (for the
    screenshot), a later one of another speaker to click."""
    S, people = data["sentences"], data["speakers"]
    seek = next(i for i, s in enumerate(S) if i and people[s[3]]["role"] and s[3] != 0
                and S[i - 1][4] == s[4] and s[2] - s[1] > 2)
    click = next(i for i, s in enumerate(S) if i > seek + 2 and s[3] not in (0, S[seek][3])
                 and s[2] - s[1] > 2)
    return seek, click


def test_in_headless_chromium(sample, tmp_path, record_property):
    r, stem = sample
    node = shutil.which("node")
    assert node, "node is required (Debian: nodejs)"
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (tools/install-system-deps.sh)"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run `npm install`"
    data = page_data(r.debate, r.utterances, r.timeline, r.voices)
    S, people = data["sentences"], data["speakers"]
    seek, click = _pick(data)
    later = [i for i in range(len(S)) if S[i][3] not in (0,) and S[i][3] != S[click][3]]
    button = S[later[-1]][3]
    shot, phone = tmp_path / "read-along.png", tmp_path / "read-along-phone.png"
    plan = {"page": str(r.out_dir / "index.html"), "screenshot": str(shot),
            "phone_screenshot": str(phone), "seek_time": (S[seek][1] + S[seek][2]) / 2,
            "click_id": S[click][0], "speaker_button": button,
            "chapter": len(data["chapters"]) - 1}
    (tmp_path / "plan.json").write_text(json.dumps(plan), "utf-8")
    run = subprocess.run([node, str(SCRIPT), str(tmp_path / "plan.json")], cwd=ROOT,
                         capture_output=True, text=True, timeout=180)
    assert run.stdout.strip(), run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    print(json.dumps(out, ensure_ascii=False, indent=1))
    assert "error" not in out, out.get("error")
    assert run.returncode == 0, run.stderr
    assert out["errors"] == []
    record_property("screenshot", str(shot))
    print(f"screenshot: {shot}  phone: {phone}")

    # The MP3 loads from file:// and lasts as long as the timeline.
    assert out["load"]["canPlayMp3"] and out["load"]["readyState"] >= 1
    assert abs(out["load"]["duration"] - data["duration"]) < 0.1
    assert out["load"]["sentences"] == len(S) and out["load"]["clickableNonButtons"] == 0

    # currentTime set → that sentence highlighted, in view, its speaker and role shown and
    # announced.
    who = people[S[seek][3]]
    st = out["seek"]
    assert st["highlighted"] == [S[seek][0]] and st["ariaCurrent"] == "true" and st["inView"]
    assert (st["speakerName"], st["speakerRole"]) == (who["name"], who["role"])
    assert st["live"] == f"Orateur : {who['name']}, {who['role']}"

    # Click a sentence → playback from its start.
    st = out["click"]
    assert st["highlighted"] == [S[click][0]] and not st["paused"]
    assert S[click][1] - 0.001 <= st["currentTime"] < S[click][1] + 0.5
    assert st["speakerName"] == people[S[click][3]]["name"]
    assert out["afterClick"]["currentTime"] > st["currentTime"]     # it does play

    # Keyboard: ←/→ sentences, ↑/↓ speaker turns, space play/pause.
    keys = out["keys"]
    i = [s[0] for s in S].index(keys["start"]["highlighted"][0])
    assert keys["right"]["highlighted"] == [S[i + 1][0]]
    assert round(keys["right"]["currentTime"], 3) == S[i + 1][1]
    assert keys["left"]["highlighted"] == [S[i][0]]
    j = [s[0] for s in S].index(keys["down"]["highlighted"][0])
    assert j > i and S[j][3] != 0 and S[j - 1][4] != S[j][4]            # start of a turn
    assert all(S[k][4] == S[i][4] or S[k][3] == 0 for k in range(i, j))   # the next one
    k = [s[0] for s in S].index(keys["up"]["highlighted"][0])
    assert k < j and S[k][3] != 0 and (k == 0 or S[k - 1][4] != S[k][4])
    assert keys["space"]["paused"] is False and keys["space2"]["paused"] is True

    # Speaker list, chapter menu, speed.
    b = [s[0] for s in S].index(out["speakerButton"]["highlighted"][0])
    assert S[b][3] == button and S[b - 1][4] != S[b][4]
    ch = data["chapters"][-1]
    assert round(out["chapter"]["currentTime"], 3) == ch["begin"]
    assert out["chapter"]["chapter"] == str(len(data["chapters"]) - 1)
    assert out["rate"]["playbackRate"] == 1.5

    # Focus visible on a real button; dark mode; a phone gets no sideways scrolling.
    assert out["focus"]["tag"] == "BUTTON" and out["focus"]["outline"] != "none"
    assert out["dark"]["light"] != out["dark"]["dark"]
    assert out["phone"]["scrollWidth"] <= out["phone"]["width"] and out["phone"]["playVisible"]
    assert out["phone"]["state"]["highlighted"] == [S[seek][0]] and out["phone"]["state"]["inView"]
    assert out["final"]["highlighted"] == [S[seek][0]]
    assert shot.stat().st_size > 20_000 and phone.stat().st_size > 10_000
