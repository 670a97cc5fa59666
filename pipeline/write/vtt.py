"""WebVTT subtitles and transcript, dist/<stem>/<stem>.vtt: one cue per sentence, the speaker as
a voice tag (`<v Marc Ferracci>`), times from the timeline (the MP3's, clips tile the book).
Narration (titles, stage directions) carries no voice tag: nobody says it. With word times
(word mode), each word after the first is preceded by its start as a cue timestamp
(`<00:00:01.234>`), which players use to show karaoke-style progress within the cue."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from pipeline.atomic import write_bytes
from pipeline.model import NARRATOR, Debate, Timeline, Utterance
from pipeline.write.present import speaker_display, to_ms


def timestamp(ms: int) -> str:
    """WebVTT timestamp: hours always two digits or more (the spec's form), 00:01:02.345."""
    h, rest = divmod(int(ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def _escape(text: str) -> str:
    # "&", "<" would start markup; ">" escaped too so that no "-->" can appear in a cue.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _timed_text(text: str, words, start_ms: int, end_ms: int, rate: int) -> str:
    """The sentence escaped, a timestamp tag before each word after the first: strictly
    increasing and inside the cue, as WebVTT requires (a word that would break that gets none)."""
    from pipeline.words import display_words
    spans = display_words(text)
    if len(spans) != len(words):
        return _escape(text)
    out, pos, last = [], 0, start_ms
    for (a, _, _, _), w in zip(spans, words):
        ms = to_ms(w.start, rate)
        if a > 0 and last < ms < end_ms:
            out += [_escape(text[pos:a]), f"<{timestamp(ms)}>"]
            pos, last = a, ms
    out.append(_escape(text[pos:]))
    return "".join(out)


def build_vtt(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline) -> str:
    speakers = debate.speakers()
    names = {k: speaker_display(s)[0] for k, s in speakers.items()}
    by_id = {u.id: u for u in utterances}
    words: dict[str, list] = {}
    for w in timeline.words:
        words.setdefault(w.utterance, []).append(w)
    out = ["WEBVTT", ""]
    for clip in timeline.clips:
        u = by_id[clip.utterance]
        start, end = to_ms(clip.start, timeline.rate), to_ms(clip.end, timeline.rate)
        # One line per cue (a newline is one character, like the space that replaces it, so
        # word offsets hold); other whitespace kept (no-break spaces before ; : ! ?).
        flat = "".join(" " if c in "\r\n" else c for c in u.text)
        text = (_timed_text(flat, words[u.id], start, end, timeline.rate) if u.id in words
                else _escape(flat))
        if u.speaker != NARRATOR:
            text = f"<v {_escape(names.get(u.speaker, u.speaker))}>{text}"
        out += [u.id, f"{timestamp(start)} --> {timestamp(end)}", text, ""]
    return "\n".join(out)


def write_vtt(path: Path, debate: Debate, utterances: Sequence[Utterance],
              timeline: Timeline) -> None:
    write_bytes(Path(path), build_vtt(debate, utterances, timeline).encode("utf-8"))
