"""One display for a whole run on a cluster: debates written, utterances synthesized, hours of
audio, ETA. On a terminal a live line (rich); elsewhere (a cluster job's log) the same words as
a plain line at most once a minute, so a long unattended run says where it is."""
from __future__ import annotations

import sys
import time

from pipeline.synth.engines import OUTPUT_RATE


def clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class RunProgress:
    EVERY = 60.0               # seconds between two plain lines

    def __init__(self, debates: int, utterances: int, enabled: bool = True, stream=None):
        self.debates, self.utterances = debates, utterances
        self.written = self.done = self.samples = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.t0 = self.last = time.monotonic()
        self.synth_end = None if utterances else self.t0
        self.live = None
        if enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn
            self.live = Progress(TextColumn("run"), BarColumn(), TextColumn("{task.fields[line]}"),
                                 console=Console(file=self.stream), transient=True)
            self.task = self.live.add_task("run", total=self._units(), line=self.line())
            self.live.start()

    def _units(self) -> int:
        return max(1, self.utterances + self.debates)

    def eta(self) -> str:
        """Synthesis left at its rate so far, then writing left at its rate (the time between
        two debates written, the tasks running side by side): '?' until a rate is known."""
        now = time.monotonic()
        left = self.utterances - self.done
        if left and not self.done:
            return "?"
        synth = (self.synth_end or now) - self.t0
        seconds = synth / self.done * left if left else 0.0
        to_write = self.debates - self.written
        if not to_write:
            return clock(seconds)
        if not self.written:
            return f"{clock(seconds)} + writing"
        writing = now - (self.synth_end or now)
        return clock(seconds + writing / self.written * to_write)

    def line(self) -> str:
        return (f"debates {self.written}/{self.debates} written · utterances "
                f"{self.done}/{self.utterances} · {self.samples / OUTPUT_RATE / 3600:.2f} h audio"
                f" · ETA {self.eta()}")

    def synthesized(self, samples: int) -> None:
        self.done += 1
        self.samples += samples
        if self.done == self.utterances:
            self.synth_end = time.monotonic()
        self._show()

    def wrote(self) -> None:
        self.written += 1
        self._show()

    def _show(self) -> None:
        if self.live:
            self.live.update(self.task, completed=self.done + self.written, line=self.line())
        elif self.enabled and time.monotonic() - self.last >= self.EVERY:
            self.last = time.monotonic()
            print(f"hemicycle: {self.line()}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.live:
            self.live.stop()
