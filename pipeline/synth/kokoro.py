"""Kokoro-82M (int8 ONNX, Apache-2.0), the engine of the French voice `ff_siwis`.

The model reads ids of a 178-symbol IPA vocabulary wrapped in pads (0 … 0, at most MAX_TOKENS
between them), a style vector (the voice pack's row for that many ids) and a speed; it gives
24 kHz audio. Its phonemes are espeak-ng's French IPA with stress: here from the espeak-ng that
Piper ships (the same phonemes Piper's French voices read), rewritten as Kokoro's front end
does (data/kokoro.toml). Word times come from the model itself: its per-token durations (the
internal tensor DURATIONS, frames of FRAME samples) are made a graph output when the model is
loaded; they sum to the audio's length exactly, so no re-alignment.

Files: `<voices>/kokoro/<voice>.bin` (the voice pack, float32 [510, 256]) beside MODEL in the
same folder; `python -m pipeline.voices kokoro` assembles them (pipeline/voices.py).
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import numpy as np

from pipeline.model import Voice
from pipeline.normalize.phonemes import BLOCK, to_ipa
from pipeline.synth.engines import (_MARKS, OUTPUT_RATE, _share_cpu_arena, digest, shift_pitch,
                                    timed, to_output_rate)

MODEL = "kokoro-v1.0.int8.onnx"
RATE = 24000
FRAME = 600                    # audio samples per duration frame, at RATE
MAX_TOKENS = 509               # ids between the pads: the pack has style rows 0…509
DURATIONS = "/encoder/Clip_output_0"
STYLE = 256
_BREAKS = set(",;:.!?—…")      # where a sequence too long for the model is cut


@lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, int], list[tuple[str, str]]]:
    data = tomllib.loads(resources.files("pipeline").joinpath("data", "kokoro.toml")
                         .read_text("utf-8"))
    return data["vocab"], sorted(data["replace"].items(), key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=1)
def _phonemizer():
    from piper.phonemize_espeak import EspeakPhonemizer
    return EspeakPhonemizer()


def phonemes(spoken: str) -> list[str]:
    """espeak-ng's French IPA with stress for each of espeak's sentences in `spoken`, in
    Kokoro's symbols. An exact pronunciation ([[…]], see pipeline.normalize.phonemes) is read
    as the IPA to_ipa() gives, inside the sentence around it (as Piper does)."""
    sentences: list[str] = []
    joined = False                              # the last sentence ends in a [[…]] block
    text, parts, pos = to_ipa(spoken), [], 0
    for m in BLOCK.finditer(text):              # text, block, text, block, …, text
        parts += [text[pos:m.start()], m.group(1)]
        pos = m.end()
    parts.append(text[pos:])
    for i, part in enumerate(parts):
        if i % 2:
            if not sentences:
                sentences.append("")
            before = " " if parts[i - 1].endswith(" ") else ""
            after = " " if parts[i + 1].startswith(" ") else ""
            sentences[-1] += before + part.strip() + after
            joined = True
        elif part.strip():
            said = ["".join(s) for s in _phonemizer().phonemize("fr", part)]
            if joined and said:
                sentences[-1] += said.pop(0)
            sentences += said
            joined = False
    vocab, replace = _rules()
    out = []
    for s in sentences:
        s = unicodedata.normalize("NFD", s)
        for old, new in replace:
            s = s.replace(old, new)
        s = " ".join("".join(c for c in s if c in vocab).split())
        if s:
            out.append(s)
    return out


def chunks(sentences: list[str]) -> list[str]:
    """The sentences joined by spaces, cut where needed so that each piece has at most
    MAX_TOKENS symbols: after the last punctuation that fits, else the last space, else
    anywhere."""
    text, out = " ".join(sentences), []
    while len(text) > MAX_TOKENS:
        head = text[:MAX_TOKENS]
        cut = max((i + 1 for i, c in enumerate(head) if c in _BREAKS), default=0) \
            or head.rfind(" ") + 1 or MAX_TOKENS
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    return out + [text] if text else out


class KokoroEngine:
    """`models` maps "kokoro:<voice>" to a voice pack (the model beside it). The model is
    loaded once per process, lazily, with `threads` onnxruntime threads (1 per worker)."""
    name = "kokoro"

    def __init__(self, models: dict[str, Path], threads: int = 0):
        self.models = models
        self.threads = threads
        self._session = None
        self._packs: dict[str, np.ndarray] = {}

    def pack_path(self, voice: Voice) -> Path:
        path = self.models.get(f"kokoro:{voice.voice}")
        if path is None:
            raise FileNotFoundError(f"kokoro voice {voice.voice} is not installed "
                                    "(python -m pipeline.voices kokoro)")
        return Path(path)

    def fingerprint(self, voice: Voice, digest=digest) -> str:
        pack = self.pack_path(voice)
        # The phonemes come from Piper's espeak-ng: its version shapes the audio too.
        return f"{digest(pack.parent / MODEL)}-{digest(pack)}-piper{version('piper-tts')}"

    def _load(self, voice: Voice):
        pack = self.pack_path(voice)
        if self._session is None:
            import onnx
            import onnxruntime
            proto = onnx.load(str(pack.parent / MODEL))
            # The durations are an internal tensor: made an output too (same audio: the
            # graph computes it anyway).
            proto.graph.output.append(next(v for v in proto.graph.value_info
                                           if v.name == DURATIONS))
            opts = onnxruntime.SessionOptions()
            if self.threads:
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
            _share_cpu_arena(opts)
            self._session = onnxruntime.InferenceSession(proto.SerializeToString(), opts,
                                                         providers=["CPUExecutionProvider"])
        if voice.voice not in self._packs:
            self._packs[voice.voice] = np.fromfile(pack, dtype="<f4").reshape(-1, STYLE)
        return self._session, self._packs[voice.voice]

    def run(self, text: str, voice: Voice) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(symbols, audio at RATE, samples of each symbol) for each piece of `text`; the
        pads' samples are the first and last of the piece's audio, not counted."""
        session, pack = self._load(voice)
        vocab = _rules()[0]
        # Piper's convention: the pitch variant plays the audio `pitch` times faster, so
        # the model speaks `pitch` times slower first (duration = length_scale overall).
        speed = np.array([1.0 / (voice.length_scale * voice.pitch)], np.float32)
        out = []
        for piece in chunks(phonemes(text)):
            ids = [vocab[c] for c in piece]
            audio, frames = session.run(None, {
                "tokens": np.array([[0, *ids, 0]], np.int64),
                "style": pack[len(ids)][None, :], "speed": speed})
            out.append((piece, audio.reshape(-1), frames.reshape(-1).astype(np.int64) * FRAME))
        return out

    @staticmethod
    def _output(pieces: list, voice: Voice) -> np.ndarray:
        audio = (np.concatenate([a for _, a, _ in pieces]) if pieces
                 else np.zeros(0, np.float32))
        return to_output_rate(shift_pitch(audio, RATE, voice.pitch), RATE)

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        return self._output(self.run(text, voice), voice)

    def synthesize_timed(self, text: str, voice: Voice) -> tuple[np.ndarray, list[int] | None]:
        """The audio of synthesize(), and where each spoken word of `text` but the first starts
        in it (samples at OUTPUT_RATE), from the model's durations."""
        pieces = self.run(text, voice)
        return timed(text, self._output(pieces, voice), phoneme_stream(pieces), RATE, voice)


def phoneme_stream(pieces: list) -> tuple[list[int], list[int]] | None:
    """(index of the first phoneme of each espeak word, start sample at RATE of each spoken
    phoneme) over the pieces, as engines.phoneme_stream gives for Piper: words break at
    spaces and between pieces; punctuation and pads only take time."""
    groups, times, offset = [0], [], 0
    for symbols, audio, samples in pieces:
        if samples.size != len(symbols) + 2 or samples.sum() != audio.size:
            return None                  # durations not covering the audio
        if len(times) > groups[-1]:
            groups.append(len(times))
        offset += int(samples[0])
        for c, n in zip(symbols, samples[1:-1]):
            if c == " ":
                if len(times) > groups[-1]:
                    groups.append(len(times))
            elif c.isalpha() and c not in _MARKS:
                times.append(offset)
            offset += int(n)
        offset += int(samples[-1])
    if len(groups) > 1 and groups[-1] == len(times):
        groups.pop()
    return groups, times
