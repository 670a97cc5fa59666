"""Speech engines behind one interface: text + Voice → mono float32 audio at OUTPUT_RATE.

Piper (neural, the real voices) and the offline engine (espeak-ng driving MBROLA diphones, and
SVOX pico2wave), so that a build works where no Piper voice can be downloaded.
"""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
import soxr

from pipeline.model import Voice
from pipeline.normalize.phonemes import to_ipa, to_letters

OUTPUT_RATE = 22050            # Piper medium's own rate: its audio is never resampled
ESPEAK_SPEED = 130             # espeak "words per minute" at length_scale 1: ≈ 180 real wpm on debates
ESPEAK_PITCH = 50              # espeak's default pitch, 0–99


@lru_cache(maxsize=None)
def file_digest(path: str, size: int, mtime: float) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def digest(path: Path) -> str:
    st = Path(path).stat()
    return file_digest(str(path), st.st_size, st.st_mtime)


def shift_pitch(audio: np.ndarray, rate: int, factor: float) -> np.ndarray:
    """Resampling pitch shift: play `factor` times faster (pitch × factor, duration ÷ factor)."""
    if factor == 1.0:
        return audio
    return soxr.resample(audio, rate * factor, rate, quality="HQ").astype(np.float32)


def to_output_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == OUTPUT_RATE:
        return audio.astype(np.float32)
    return soxr.resample(audio.astype(np.float32), rate, OUTPUT_RATE, quality="HQ").astype(np.float32)


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0, rate


_ARENA_SHARED = False


def _share_cpu_arena(opts) -> None:
    """All Piper sessions of a process draw on one CPU memory arena. Each session's own arena
    keeps the peak of its longest sentence, so six voices cast on a debate held 2.3 GB; one
    shared arena holds the longest sentence once (≈ 0.95 GB), at the same speed (measured;
    shrinking the arenas after every run instead cost 10 %)."""
    global _ARENA_SHARED
    import onnxruntime
    if not _ARENA_SHARED:
        info = onnxruntime.OrtMemoryInfo("Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR,
                                         0, onnxruntime.OrtMemType.DEFAULT)
        onnxruntime.create_and_register_allocator(info, onnxruntime.OrtArenaCfg(0, -1, -1, -1))
        _ARENA_SHARED = True
    opts.add_session_config_entry("session.use_env_allocators", "1")


class PiperEngine:
    """Each model loaded once per process, lazily; `threads` onnxruntime threads per session
    (1 when several worker processes share the cores)."""
    name = "piper"

    def __init__(self, models: dict[str, Path], threads: int = 0):
        self.models = models
        self.threads = threads
        self._loaded: dict[tuple[str, bool], object] = {}   # (name, aligned)

    def fingerprint(self, voice: Voice, digest=digest) -> str:
        return f"{digest(self.models[voice.voice])}-noise0"   # noise_scale = noise_w = 0

    def _load(self, name: str, aligned: bool = False):
        if (name, aligned) not in self._loaded:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig
            import json
            path = self.models[name]
            model: str | bytes = str(path)
            if aligned:
                # As PiperVoice.load(include_alignments=True): the graph patched in memory to
                # also output its durations tensor (samples per phoneme id). Same audio, bit
                # for bit (checked), so the cache keys do not depend on it.
                import onnx
                from piper.patch_voice_with_alignment import add_alignment_output
                proto = onnx.load(str(path))
                try:
                    add_alignment_output(proto)
                except ValueError:          # already patched on disk
                    pass
                model = proto.SerializeToString()
            opts = onnxruntime.SessionOptions()
            if self.threads:
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
            _share_cpu_arena(opts)
            session = onnxruntime.InferenceSession(model, sess_options=opts,
                                                   providers=["CPUExecutionProvider"])
            self._loaded[(name, aligned)] = PiperVoice(
                config=PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text("utf-8"))),
                session=session)
        return self._loaded[(name, aligned)]

    def chunks(self, text: str, voice: Voice, aligned: bool = False) -> tuple[int, list]:
        """Piper's AudioChunks for one of our sentences (espeak may cut it in several), with
        phoneme alignments when `aligned`; and the model's sample rate."""
        from piper import SynthesisConfig
        pv = self._load(voice.voice, aligned)
        config = SynthesisConfig(speaker_id=voice.speaker_id,
                                 length_scale=voice.length_scale * voice.pitch,
                                 noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
        # Exact pronunciations come as espeak mnemonics in [[…]]: Piper reads IPA there.
        return pv.config.sample_rate, list(pv.synthesize(to_ipa(text), syn_config=config,
                                                         include_alignments=aligned))

    @staticmethod
    def _output(chunks: list, rate: int, voice: Voice) -> np.ndarray:
        # One of our sentences may still be several for espeak's splitter: join its chunks.
        audio = (np.concatenate([c.audio_float_array for c in chunks]) if chunks
                 else np.zeros(0, np.float32))
        return to_output_rate(shift_pitch(audio, rate, voice.pitch), rate)

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        rate, chunks = self.chunks(text, voice)
        return self._output(chunks, rate, voice)

    def synthesize_timed(self, text: str, voice: Voice) -> tuple[np.ndarray, list[int] | None]:
        """The audio of synthesize(), and where each spoken word of `text` but the first starts
        in it (samples at OUTPUT_RATE); None when the voice gives no alignments."""
        rate, chunks = self.chunks(text, voice, aligned=True)
        return timed(text, self._output(chunks, rate, voice), phoneme_stream(chunks), rate, voice)


def timed(text: str, audio: np.ndarray, stream: tuple[list[int], list[int]] | None, rate: int,
          voice: Voice) -> tuple[np.ndarray, list[int] | None]:
    """`audio` and where each spoken word of `text` but the first starts in it (samples at
    OUTPUT_RATE), from a neural engine's phoneme stream in its own `rate`; None without one."""
    from pipeline.words import spoken_words, word_starts
    if stream is None:
        return audio, None
    raw = word_starts(spoken_words(text), *stream)
    # Raw model samples → the pitch variant's resampling (duration ÷ pitch) → OUTPUT_RATE.
    scale = OUTPUT_RATE / (rate * voice.pitch)
    return audio, [min(round(s * scale), audio.size) for s in raw]


_MARKS = set("ˈˌːˑ")          # stress and length marks: letters for Unicode, not sounds


def phoneme_stream(chunks: list) -> tuple[list[int], list[int]] | None:
    """From Piper's alignments: (index of the first phoneme of each espeak word, start sample
    of each spoken phoneme) over the joined chunks. Words break at the space phonemes and
    between chunks (espeak's sentences); punctuation, pads, BOS/EOS only take time."""
    groups, times, offset = [0], [], 0
    for c in chunks:
        alignments = c.phoneme_alignments
        if not alignments or sum(a.num_samples for a in alignments) != len(c.audio_float_array):
            return None                  # no durations, or durations not covering the audio
        if len(times) > groups[-1]:
            groups.append(len(times))
        for a in alignments:
            if a.phoneme == " ":
                if len(times) > groups[-1]:
                    groups.append(len(times))
            elif any(ch.isalpha() and ch not in _MARKS for ch in a.phoneme):
                times.append(offset)
            offset += a.num_samples
    if len(groups) > 1 and groups[-1] == len(times):
        groups.pop()
    return groups, times


class OfflineEngine:
    """espeak-ng + MBROLA (voices "fr1"…"fr7"), through espeak-ng's library in this process,
    and pico2wave ("fr-FR"), run as a subprocess."""
    name = "offline"
    settings = f"espeak-s{ESPEAK_SPEED}-p{ESPEAK_PITCH}"   # shape the audio: in every cache key

    def fingerprint(self, voice: Voice, digest=digest) -> str:
        if voice.engine == "mbrola":
            from pipeline.voices import MBROLA_DIRS
            for d in MBROLA_DIRS:
                db = d / voice.voice / voice.voice
                if db.exists():
                    return f"{digest(db)}-{_espeak_version()}-{self.settings}"
            raise FileNotFoundError(f"mbrola voice {voice.voice} is not installed")
        return "pico-" + _pico_version()

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        return self.synthesize_timed(text, voice)[0]

    def synthesize_timed(self, text: str, voice: Voice) -> tuple[np.ndarray, list[int] | None]:
        """The audio, and where each spoken word of `text` but the first starts in it (samples
        at OUTPUT_RATE): from espeak-ng's phoneme events with MBROLA; None with pico, which
        tells no times."""
        if voice.engine != "mbrola":
            return self._pico(text, voice), None
        from pipeline.synth.espeak import espeak
        from pipeline.words import mark_starts
        # espeak's own speed and pitch make the variants: no resampling artefacts.
        speed = round(ESPEAK_SPEED / voice.length_scale)
        pitch = max(0, min(99, round(ESPEAK_PITCH * voice.pitch ** 4)))
        pcm, rate, marks = espeak().render(text, f"mb-{voice.voice}", speed, pitch)
        audio = to_output_rate(pcm.astype(np.float32) / 32768.0, rate)
        scale = OUTPUT_RATE / rate
        return audio, [min(max(round(s * scale), 0), audio.size)
                       for s in mark_starts(text, marks)]

    @staticmethod
    def _pico(text: str, voice: Voice) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="hemicycle-") as tmp:
            out = os.path.join(tmp, "out.wav")
            # pico takes no phonemes: a [[…]] pronunciation is respelled in letters
            proc = subprocess.run(["pico2wave", "-l", voice.voice, "-w", out, "--",
                                   to_letters(text)],
                                  capture_output=True)
            if proc.returncode != 0 or not os.path.exists(out):
                raise RuntimeError(f"pico2wave failed: "
                                   f"{proc.stderr.decode(errors='replace').strip()}")
            audio, rate = read_wav(Path(out).read_bytes())
        return to_output_rate(shift_pitch(audio, rate, voice.pitch), rate)


@lru_cache(maxsize=1)
def _espeak_version() -> str:
    return subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split()[3]


@lru_cache(maxsize=1)
def _pico_version() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libttspico0"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"
