"""The one error besides InputError (pipeline.model) that the CLI prints as one line: an external
tool (ffmpeg, espeak-ng, pico2wave, a Piper voice) failed, or gave what it must not."""
from __future__ import annotations


class ToolError(Exception):
    """A tool failed: the message names it and ends with its last stderr line."""


def last_line(stderr: bytes | str) -> str:
    """The last non-empty line a tool wrote: where it says what went wrong."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
