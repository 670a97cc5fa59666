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
        self._loaded: dict[str, object] = {}

    def fingerprint(self, voice: Voice, digest=digest) -> str:
        return f"{digest(self.models[voice.voice])}-noise0"   # noise_scale = noise_w = 0

    def _load(self, name: str):
        if name not in self._loaded:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig
            import json
            path = self.models[name]
            opts = onnxruntime.SessionOptions()
            if self.threads:
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
            _share_cpu_arena(opts)
            session = onnxruntime.InferenceSession(str(path), sess_options=opts,
                                                   providers=["CPUExecutionProvider"])
            self._loaded[name] = PiperVoice(
                config=PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text("utf-8"))),
                session=session)
        return self._loaded[name]

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        from piper import SynthesisConfig
        pv = self._load(voice.voice)
        config = SynthesisConfig(speaker_id=voice.speaker_id,
                                 length_scale=voice.length_scale * voice.pitch,
                                 noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
        # One of our sentences may still be several for espeak's splitter: join its chunks.
        chunks = [c.audio_float_array for c in pv.synthesize(text, syn_config=config)]
        rate = pv.config.sample_rate
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return to_output_rate(shift_pitch(audio, rate, voice.pitch), rate)


class OfflineEngine:
    """espeak-ng + MBROLA (voices "fr1"…"fr7") and pico2wave ("fr-FR"), run as subprocesses."""
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
        with tempfile.TemporaryDirectory(prefix="hemicycle-") as tmp:
            out = os.path.join(tmp, "out.wav")
            if voice.engine == "mbrola":
                # espeak's own speed and pitch make the variants: no resampling artefacts.
                speed = round(ESPEAK_SPEED / voice.length_scale)
                pitch = max(0, min(99, round(ESPEAK_PITCH * voice.pitch ** 4)))
                cmd = ["espeak-ng", "-v", f"mb-{voice.voice}", "-s", str(speed), "-p", str(pitch),
                       "-w", out, "--stdin"]
                proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True)
            else:
                proc = subprocess.run(["pico2wave", "-l", voice.voice, "-w", out, "--", text],
                                      capture_output=True)
            if proc.returncode != 0 or not os.path.exists(out):
                raise RuntimeError(f"{cmd[0] if voice.engine == 'mbrola' else 'pico2wave'} "
                                   f"failed: {proc.stderr.decode(errors='replace').strip()}")
            audio, rate = read_wav(Path(out).read_bytes())
        if voice.engine == "pico":
            audio = shift_pitch(audio, rate, voice.pitch)
        return to_output_rate(audio, rate)


@lru_cache(maxsize=1)
def _espeak_version() -> str:
    return subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split()[3]


@lru_cache(maxsize=1)
def _pico_version() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libttspico0"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"
