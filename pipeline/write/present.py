"""Shared presentation: how every output names the book, its speakers and voices, writes its
dates and times, and describes itself. Writers import this, never each other."""
from __future__ import annotations

import datetime
import json
import math
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.french import french_date, without_apostrophes
from pipeline.model import Debate, Speaker, Voice

NARRATION = "Narration"

_ENGINE_NAMES = {"piper": "Piper", "mbrola": "eSpeak NG + MBROLA", "pico": "SVOX Pico"}


# --- times ---------------------------------------------------------------------------------

def to_ms(samples: int, rate: int) -> int:
    """Integer sample position → whole milliseconds (round half up, exact integer arithmetic)."""
    return (2 * 1000 * int(samples) + rate) // (2 * rate)


def seconds(samples: int, rate: int) -> float:
    """Sample position → seconds, on the same millisecond grid as the EPUB overlays."""
    return to_ms(samples, rate) / 1000


def clock(ms: int) -> str:
    """SMIL full clock value with millisecond precision: 1:02:03.045."""
    h, rest = divmod(int(ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{milli:03d}"


def sitting_date(iso: str | None) -> datetime.date | None:
    """The sitting's date; None when the source gives none (never a made-up one)."""
    try:
        return datetime.date.fromisoformat(iso or "")
    except ValueError:
        return None


# --- the book ------------------------------------------------------------------------------

def book_title(debate: Debate) -> str:
    return debate.title.strip() or "Débat parlementaire"


def sync(worded: bool) -> str:
    """How finely the text follows the audio: word by word when the timeline has word times."""
    return "mot à mot" if worded else "phrase à phrase"


def description(debate: Debate) -> str:
    """The book's description, the same in every output (M4B/MP3 comment, EPUB dc:description,
    the feed's item): title, chamber and date in French, who speaks."""
    where = ", ".join(x for x in (debate.chamber, french_date(debate.date)) if x)
    people = [speaker_display(s) for s in debate.speakers().values()]
    names = ", ".join(name + (f" ({role})" if role else "") for name, role in people)
    return (f"{book_title(debate)}{' — ' + where if where else ''}. Compte rendu intégral "
            "lu par des voix de synthèse, une voix par orateur."
            + (f" Intervenants : {names}." if names else ""))


# --- speakers and voices -------------------------------------------------------------------

def loose(s: str) -> str:
    """For comparing a printed label with the parsed role: apostrophes may be missing or
    typographic in one and not the other ("dÉtat" / "d’État"), case may differ."""
    return without_apostrophes(s).casefold().strip()


def label_parts(speaker: Speaker) -> tuple[str, str | None]:
    """(who, role to show apart or None): "M. X, ministre de…" → ("M. X", "ministre de…");
    "M. le président" with role "président" → ("M. le président", None)."""
    label = speaker.label.strip()
    if label.endswith("."):
        label = label[:-1].rstrip()
    role = (speaker.role or "").strip().rstrip(".").strip() or None
    if role is None:
        return label, None
    i = label.find(", ")
    while i >= 0:
        if loose(label[i + 2:]) == loose(role):
            return label[:i], role
        i = label.find(", ", i + 1)
    if loose(role) in loose(label):
        return label, None
    return label, role


def speaker_display(speaker: Speaker) -> tuple[str, str | None]:
    """(name, role) as the page, the subtitles and the feed show them: the resolved name when
    known ("Loïc Hervé"), else the printed label ("M. le président"); the role unless the name
    already says it."""
    who, _ = label_parts(speaker)
    name = speaker.name or who
    role = (speaker.role or "").strip().rstrip(".").strip() or None
    if role and loose(role) in loose(name):
        role = None
    return name, role


def voice_label(v: Voice) -> str:
    label = f"{_ENGINE_NAMES.get(v.engine, v.engine)} {v.voice}"
    if v.speaker_id is not None:
        label += f" n° {v.speaker_id}"
    variants = []
    if v.length_scale != 1.0:
        variants.append(f"débit ×{1 / v.length_scale:.2f}")
    if v.pitch != 1.0:
        variants.append(f"hauteur ×{v.pitch:.2f}")
    if variants:
        label += " (" + ", ".join(variants) + ")"
    return label


# --- listen to the original ----------------------------------------------------------------

_MEDIA = (".mp4", ".m4a", ".mp3", ".webm", ".ogg", ".ogv", ".oga", ".wav")


def duration_fr(seconds_: float) -> str:
    """3723 → "1 h 02 min 03 s"; 65 → "1 min 05 s"."""
    h, rest = divmod(int(seconds_), 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min {s:02d} s" if h else f"{m} min {s:02d} s"


def web_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL, else None: a source's URL becomes a link in
    pages people publish, and a `javascript:` or `data:` one would run in the site's origin when
    clicked. No whitespace or control character anywhere (browsers drop some of them inside a
    scheme, so "java<tab>script:" would pass a naive check)."""
    if not url or any(c.isspace() or ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:                  # "http://[::1" and the like
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def source_link(source) -> tuple[str, str] | None:
    """(href, text) of the "écouter l'original" link of an intervention, or None without an
    http(s) URL (web_url). With an offset: a media file's URL carries it as a W3C media
    fragment (`#t=754`), which browsers' players honour; the chambers' pages and video portals
    accept no documented time parameter, so there the link is plain and the time is shown
    beside it."""
    if source is None or not web_url(source.url):
        return None
    url, text = source.url, "écouter l’original"
    if source.offset is not None:
        path = url.split("#")[0].split("?")[0].lower()
        if path.endswith(_MEDIA):
            url = f"{url.split('#')[0]}#t={source.offset:g}"
        else:
            text += f" (à {duration_fr(source.offset)} de la vidéo)"
    return url, text


# --- the built sittings --------------------------------------------------------------------

EPISODE = "episode.json"      # beside each sitting's outputs: what the feed and the index show
_FILES = ("audio", "chapters", "transcript", "page")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _plain_name(name) -> bool:
    """A file name beside the record: no folder part, nothing that climbs out or hides."""
    return (isinstance(name, str) and bool(name) and not _CONTROLS.search(name)
            and "/" not in name and "\\" not in name and not name.startswith("."))


def _fault(ep, folder: Path) -> str | None:
    """What makes `ep` not an episode record of the sitting in `folder` (None: it is one)."""
    if not isinstance(ep, dict):
        return "not a JSON object"
    if ep.get("stem") != folder.name:
        return "its stem is not its folder's name"
    for key in ("title", "description"):
        if not isinstance(ep.get(key), str):
            return f"no {key}"
    if ep.get("date") is not None and (not isinstance(ep["date"], str)
                                       or sitting_date(ep["date"]) is None):
        return "a date that is not ISO"
    if ep.get("chamber") is not None and not isinstance(ep["chamber"], str):
        return "a chamber that is not text"
    d = ep.get("duration")
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not math.isfinite(d) or d < 0:
        return "no duration"
    people = ep.get("speakers", [])
    if not isinstance(people, list) or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str)
            and isinstance(p.get("role"), (str, type(None))) for p in people):
        return "speakers that are not names and roles"
    files = ep.get("files")
    if not isinstance(files, dict) or not all(_plain_name(files.get(k)) for k in _FILES) or \
            not (files.get("image") is None or _plain_name(files["image"])):
        return "file names that are not plain names beside it"
    return None


def episodes(dist_dir: Path) -> list[tuple[dict, Path]]:
    """The built sittings of an out folder: dist/*/episode.json whose MP3 exists, newest first,
    undated last, then by name (the feed's and the index's order). A record that is not one
    Hémicycle writes (damaged, foreign, naming files elsewhere) is skipped with one warning:
    it must not stop every later build."""
    found = []
    for meta in sorted(Path(dist_dir).glob(f"*/{EPISODE}")):
        try:
            ep = json.loads(meta.read_bytes().decode("utf-8"))
            fault = _fault(ep, meta.parent)
        except OSError as e:
            fault = f"unreadable: {e.strerror or e}"
        except UnicodeDecodeError:
            fault = "not UTF-8"
        except (ValueError, RecursionError):
            fault = "not JSON"
        if fault:
            warnings.warn(f"{meta}: not an episode record of this build ({fault}): skipped")
            continue
        if (meta.parent / ep["files"]["audio"]).is_file():
            found.append((ep, meta.parent))

    def newest_first(x):
        d = sitting_date(x[0]["date"])
        return (d is None, -d.toordinal() if d else 0, x[0]["stem"])
    return sorted(found, key=newest_first)
