"""The voice pool: what the catalog knows, what is installed, and `voices fetch`.

Piper voices are `<name>.onnx` + `<name>.onnx.json` in a voices folder; the offline engine's
voices are Debian's mbrola-frN databases (spoken through espeak-ng) and pico2wave.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.model import InputError, Voice

PROJECT_VOICES = Path(__file__).resolve().parent.parent / "voices"
CATALOG = "catalog.toml"
MEASURED = "measured.toml"   # genders measured by pipeline.gender
MBROLA_DIRS = (Path("/usr/share/mbrola"), Path("/usr/lib/mbrola"))
FETCH = ("fr_FR-siwis-medium", "fr_FR-upmc-medium", "fr_FR-tom-medium", "fr_FR-gilles-low",
         "fr_FR-mls-medium", "fr_FR-siwis-low", "fr_FR-mls_1840-low")


@dataclass(frozen=True)
class InstalledVoice:
    """One speaker of one installed voice, with what we know of it."""
    engine: str
    voice: str
    speaker_id: int | None
    gender: str                # "male" | "female" | "unknown"
    path: Path | None = None   # the .onnx of a Piper voice

    def as_voice(self, **variant) -> Voice:
        return Voice(self.engine, self.voice, self.speaker_id,
                     None if self.gender == "unknown" else self.gender, **variant)

    @property
    def ref(self) -> str:
        """"engine:voice[:speaker]", the form used in catalog roles and cast.toml."""
        return ":".join([self.engine, self.voice] + ([str(self.speaker_id)]
                                                        if self.speaker_id is not None else []))


def _merge(into: dict, extra: dict) -> None:
    for name, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(name), dict):
            _merge(into[name], value)
        else:
            into[name] = value


def load_catalog(voices_dir: Path | None = None) -> dict:
    """The project catalog, then what a voices folder adds: its own catalog.toml, and the
    genders measured there (measured.toml, written by `voices measure`)."""
    catalog = tomllib.loads((PROJECT_VOICES / CATALOG).read_text("utf-8"))
    folders = [PROJECT_VOICES] + ([Path(voices_dir)] if voices_dir is not None else [])
    seen = {(PROJECT_VOICES / CATALOG).resolve()}
    for folder in folders:
        for name in (CATALOG, MEASURED):
            f = (folder / name).resolve()
            if f not in seen and f.exists():
                seen.add(f)
                _merge(catalog, tomllib.loads(f.read_text("utf-8")))
    return catalog


def piper_models(voices_dir: Path) -> list[Path]:
    """Complete Piper voices (model and config both present) in a folder, sorted by name."""
    d = Path(voices_dir)
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("*.onnx") if Path(f"{p}.json").is_file())


def mbrola_installed() -> list[str]:
    if not shutil.which("espeak-ng"):
        return []
    found = set()
    for d in MBROLA_DIRS:
        for n in range(1, 8):
            if (d / f"fr{n}").exists():
                found.add(f"fr{n}")
    return sorted(found)


def pico_installed() -> bool:
    return shutil.which("pico2wave") is not None


@lru_cache(maxsize=64)
def _piper_config(path: Path) -> dict:
    return json.loads(Path(f"{path}.json").read_text("utf-8"))


def installed(voices_dir: Path, engine: str | None = None) -> list[InstalledVoice]:
    """Every installed speaker of the chosen engine ("piper", "mbrola" = the offline engine,
    None = Piper when any Piper voice is installed, else the offline engine)."""
    catalog = load_catalog(voices_dir)
    if engine is None:
        engine = "piper" if piper_models(voices_dir) else "mbrola"
    out: list[InstalledVoice] = []
    if engine == "piper":
        for model in piper_models(voices_dir):
            name = model.name[: -len(".onnx")]
            entry = catalog.get("piper", {}).get(name, {})
            genders = {int(k): v for k, v in entry.get("speakers", {}).items()}
            n = int(_piper_config(model).get("num_speakers", 1))
            for sid in range(n):
                out.append(InstalledVoice("piper", name, sid if n > 1 else None,
                                          genders.get(sid, "unknown"), model))
    else:
        for v in mbrola_installed():
            out.append(InstalledVoice("mbrola", v, None,
                                      catalog.get("mbrola", {}).get(v, {}).get("gender", "unknown")))
        if pico_installed():
            out.append(InstalledVoice("pico", "fr-FR", None,
                                      catalog.get("pico", {}).get("fr-FR", {}).get("gender", "female")))
    return out


def fetch(voices_dir: Path, names: tuple[str, ...] = FETCH) -> list[str]:
    """Download missing French Piper voices with piper's own downloader. Each voice is fetched
    into a temporary folder and moved in only when complete: never a partial file in voices/."""
    from urllib.error import URLError

    from piper.download_voices import download_voice

    voices_dir = Path(voices_dir)
    voices_dir.mkdir(parents=True, exist_ok=True)
    fetched = []
    for name in names:
        if (voices_dir / f"{name}.onnx").exists() and (voices_dir / f"{name}.onnx.json").exists():
            continue
        with tempfile.TemporaryDirectory(dir=voices_dir, prefix=".fetch-") as tmp:
            try:
                download_voice(name, Path(tmp))
            except (URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise InputError(f"cannot download Piper voice {name} from Hugging Face "
                                 f"({reason}); offline? use the offline engine instead "
                                 f"(espeak-ng + mbrola-fr*)") from None
            for suffix in (".onnx.json", ".onnx"):   # the model last: it marks completion
                (Path(tmp) / f"{name}{suffix}").replace(voices_dir / f"{name}{suffix}")
        fetched.append(name)
    return fetched


def ensure(voices_dir: Path) -> int:
    """`make audio`'s first step: end with a usable voice or say exactly how to get one.
    Piper voices where the internet allows; else the offline engine, installed from Debian's
    packages when we are root on Debian/Ubuntu."""
    import os
    import socket
    import subprocess
    import sys
    if piper_models(voices_dir):
        return 0
    socket.setdefaulttimeout(20)
    try:
        fetch(voices_dir)
        return 0
    except InputError as e:
        print(f"hemicycle: {e}", file=sys.stderr)
    if mbrola_installed():
        print("hemicycle: no Piper voice in voices/: using the offline engine (espeak-ng + mbrola)",
              file=sys.stderr)
        return 0
    script = PROJECT_VOICES.parent / "tools" / "install-system-deps.sh"
    if os.geteuid() == 0 and shutil.which("apt-get") and script.exists():
        print("hemicycle: installing the offline engine from Debian's packages "
              "(espeak-ng, mbrola-fr1…fr7, libttspico-utils)…", file=sys.stderr)
        subprocess.run(["bash", str(script)], check=False)
        if mbrola_installed():
            return 0
    raise InputError("no voice to speak with: run `make voices` where huggingface.co is "
                     "reachable, or install the offline engine (Debian contrib/non-free: "
                     "espeak-ng mbrola-fr1 … mbrola-fr7)")
