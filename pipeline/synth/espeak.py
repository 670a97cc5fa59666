"""espeak-ng's own library (ctypes) driving an MBROLA voice: the audio `espeak-ng -w` writes
(the same calls, bit for bit) and, from the same run, where each phoneme starts in it.

espeak-ng hands mbrola one .pho line group per phoneme and, in its wave command queue, puts a
phoneme event just before reading that phoneme's duration of audio back: the event's sample is
the phoneme's start in the stream it returns, plus the constant `mbrola_delay` (1000 samples,
synth_mbrola.c) that it adds for sound cards. The first phoneme of each word carries the word's
character position in the text; the others carry their clause's start (espeak-ng 1.51 sends
no word events with MBROLA voices, only the sentence's first).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import tempfile
from contextlib import contextmanager

import numpy as np

MBROLA_DELAY = 1000          # samples espeak-ng adds to every event position with MBROLA voices

_SYNCHRONOUS = 2             # AUDIO_OUTPUT_SYNCHRONOUS: audio and events through the callback
_PHONEME_EVENTS = 0x0001     # espeakINITIALIZE_PHONEME_EVENTS
_RATE, _PITCH = 1, 3         # espeakRATE, espeakPITCH
_FLAGS = 0x0100 | 0x1000     # espeakCHARS_AUTO | espeakPHONEMES | espeakENDPAUSE: as the CLI
_EVENT_END, _EVENT_PHONEME = 0, 7


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


class Espeak:
    """The library, once per process (espeak-ng keeps global state): render() one text at a
    time."""

    def __init__(self):
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        self.lib = ctypes.CDLL(name)
        self.lib.espeak_Initialize.restype = ctypes.c_int
        if self.lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _PHONEME_EVENTS) < 0:
            raise RuntimeError("espeak-ng: the library does not initialize")
        self._chunks: list[bytes] = []
        self._marks: list[tuple[int, int, bytes]] = []
        self._callback = _CALLBACK(self._receive)        # kept alive as long as the library
        self.lib.espeak_SetSynthCallback(self._callback)

    def _receive(self, wav, n, events) -> int:
        if wav and n > 0:
            self._chunks.append(ctypes.string_at(wav, 2 * n))
        i = 0
        while events[i].type != _EVENT_END:
            e = events[i]
            if e.type == _EVENT_PHONEME:
                self._marks.append((e.text_position, e.sample, e.id))
            i += 1
        return 0

    def render(self, text: str, voice: str, speed: int, pitch: int
               ) -> tuple[np.ndarray, int, list[tuple[int, int, bool]]]:
        """int16 audio of `text` in espeak voice `voice` (e.g. "mb-fr1"), its sample rate, and
        (character index in `text`, start sample, is a pause) for every phoneme, in order."""
        # The voice is set again for every text: that restarts mbrola, which otherwise carries
        # the end of one text into the next (not the same audio twice, measured).
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng: no voice {voice}")
        self.lib.espeak_SetParameter(_RATE, speed, 0)
        self.lib.espeak_SetParameter(_PITCH, pitch, 0)
        self._chunks, self._marks = [], []
        data = text.encode("utf-8")
        with _stderr_captured() as messages:
            status = self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, _FLAGS, None, None)
            self.lib.espeak_Synchronize()
        if status != 0:
            raise RuntimeError(f"espeak-ng failed ({status}): {''.join(messages).strip()}")
        rate = self.lib.espeak_ng_GetSampleRate()
        audio = np.frombuffer(b"".join(self._chunks), dtype="<i2")
        # Positions count characters from 1. Pauses ("_:", and "_!" before an h aspiré or a
        # spelled letter) may carry the next word's position: words.mark_starts moves it on.
        marks = [(pos - 1, sample - MBROLA_DELAY, ph.startswith(b"_"))
                 for pos, sample, ph in self._marks]
        return audio, rate, marks


@contextmanager
def _stderr_captured():
    """espeak-ng copies mbrola's warnings ("Saturation on k-@") to file descriptor 2: kept
    aside, as the command line's were, and shown only when synthesis fails."""
    messages: list[str] = []
    with tempfile.TemporaryFile() as f:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(f.fileno(), 2)
        try:
            yield messages
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            f.seek(0)
            messages.append(f.read().decode(errors="replace"))


_INSTANCE: Espeak | None = None


def espeak() -> Espeak:
    global _INSTANCE
    if _INSTANCE is None:
        _INSTANCE = Espeak()
    return _INSTANCE
