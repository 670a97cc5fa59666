"""The voice pool: what the catalog knows, what is installed, and `voices fetch`.

Piper voices are `<name>.onnx` + `<name>.onnx.json` in a voices folder (by default the user's
data folder, ~/.local/share/hemicycle/voices; see pipeline.config); the offline engine's voices
are Debian's mbrola-frN databases (spoken through espeak-ng) and pico2wave.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import format_ref, load_catalog
from pipeline.model import InputError, Voice

MEASURED = "measured.toml"   # genders measured by pipeline.voice_pitch
MBROLA_DIRS = (Path("/usr/share/mbrola"), Path("/usr/lib/mbrola"))
INSTALL_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "install-system-deps.sh"


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
        """"engine:voice[:speaker]", the form used in catalog roles and cast records."""
        return format_ref(self.engine, self.voice, self.speaker_id)


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
    try:
        return json.loads(Path(f"{path}.json").read_text("utf-8"))
    except (ValueError, OSError) as e:
        raise InputError(f"{path}.json: not a Piper voice config ({e})") from None


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


def pool_for(voices_dir: Path, engine: str | None) -> list[InstalledVoice]:
    """The installed voices a build casts from; InputError naming the ways to get one."""
    pool = installed(voices_dir, engine)
    if not pool:
        raise InputError(f"no voice installed for engine {engine or 'piper/offline'}: run "
                         "`make voices` (Piper voices, needs the internet) or install the offline "
                         "engine (Debian: espeak-ng mbrola-fr1…fr7 libttspico-utils)")
    return pool


def fetch(voices_dir: Path, names: list[str] | None = None) -> list[str]:
    """Download missing French Piper voices (by default every Piper voice of the catalog) with
    piper's own downloader. Each voice is fetched into a temporary folder and moved in only when
    complete: never a partial file in the voices folder."""
    from urllib.error import URLError

    from piper.download_voices import download_voice

    voices_dir = Path(voices_dir)
    if names is None:
        names = list(load_catalog(voices_dir).get("piper", {}))
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


def ensure(voices_dir: Path, say=None) -> list[str]:
    """`make audio`'s first step: end with a usable voice or say exactly how to get one.
    Piper voices where the internet allows; else the offline engine, installed from Debian's
    packages when we are root on Debian/Ubuntu. Returns what happened, one line each (also given
    to `say` as it happens, for the CLI to print); raises InputError when no voice can be had."""
    import os
    import subprocess
    said: list[str] = []

    def tell(line: str) -> None:
        said.append(line)
        if say:
            say(line)
    if piper_models(voices_dir):
        return said
    try:
        got = fetch(voices_dir)
        tell(f"fetched {len(got)} Piper voice(s) into {voices_dir}")
        return said
    except InputError as e:
        tell(str(e))
    if mbrola_installed():
        tell(f"no Piper voice in {voices_dir}: using the offline engine (espeak-ng + mbrola)")
        return said
    if os.geteuid() == 0 and shutil.which("apt-get") and INSTALL_SCRIPT.exists():
        tell("installing the offline engine from Debian's packages "
             "(espeak-ng, mbrola-fr1…fr7, libttspico-utils)…")
        subprocess.run(["bash", str(INSTALL_SCRIPT)], check=False)
        if mbrola_installed():
            return said
    raise InputError("no voice to speak with: run `make voices` where huggingface.co is "
                     "reachable, or install the offline engine (Debian contrib/non-free: "
                     "espeak-ng mbrola-fr1 … mbrola-fr7)")
