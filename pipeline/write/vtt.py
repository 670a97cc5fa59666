"""WebVTT subtitles and transcript, dist/<stem>/<stem>.vtt: one cue per sentence, the speaker as
a voice tag (`<v Marc Ferracci>`), times from the timeline (the MP3's, clips tile the book).
Narration (titles, stage directions) carries no voice tag: nobody says it."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from pipeline.model import NARRATOR, Debate, Timeline, Utterance
from pipeline.write.epub import to_ms
from pipeline.atomic import write_bytes
from pipeline.write.web import speaker_display


def timestamp(ms: int) -> str:
    """WebVTT timestamp: hours always two digits or more (the spec's form), 00:01:02.345."""
    h, rest = divmod(int(ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def _escape(text: str) -> str:
    # "&", "<" would start markup; ">" escaped too so that no "-->" can appear in a cue.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_vtt(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline) -> str:
    speakers = debate.speakers()
    names = {k: speaker_display(s)[0] for k, s in speakers.items()}
    by_id = {u.id: u for u in utterances}
    out = ["WEBVTT", ""]
    for clip in timeline.clips:
        u = by_id[clip.utterance]
        # One line per cue; other whitespace kept (French no-break spaces before ; : ! ?).
        text = _escape(" ".join(u.text.splitlines()))
        if u.speaker != NARRATOR:
            text = f"<v {_escape(names.get(u.speaker, u.speaker))}>{text}"
        out += [u.id, f"{timestamp(to_ms(clip.start, timeline.rate))} --> "
                      f"{timestamp(to_ms(clip.end, timeline.rate))}", text, ""]
    return "\n".join(out)


def write_vtt(path: Path, debate: Debate, utterances: Sequence[Utterance],
              timeline: Timeline) -> None:
    write_bytes(Path(path), build_vtt(debate, utterances, timeline).encode("utf-8"))
