"""Shared fixtures. Nothing is skipped: a missing engine or tool fails the test (`make test` and
.ci/run install them)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SENAT = SEEDS / "senat_territoires-d-industrie.txt"
AN = SEEDS / "an_2013-02-04_mariage-pour-tous_seance2.txt"
FIXTURE_VOICES = ROOT / "tests" / "fixtures" / "voices"
TINY = FIXTURE_VOICES / "fr_FR-test-tiny.onnx"
MULTI = FIXTURE_VOICES / "fr_FR-testmulti-tiny.onnx"


@pytest.fixture(autouse=True, scope="session")
def _user_data(tmp_path_factory):
    """Tests never read or write the user's own records (cast, voices): a data folder of their
    own, for the whole session and its subprocesses."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def mbrola_dir(tmp_path_factory) -> Path:
    """An empty voices folder: the build falls back to the offline engine."""
    return tmp_path_factory.mktemp("no-piper-voices")


@pytest.fixture(scope="session")
def piper_dir(tmp_path_factory) -> Path:
    """A voices folder holding the two test Piper voices and their catalog (genders)."""
    d = tmp_path_factory.mktemp("piper-voices")
    for p in FIXTURE_VOICES.iterdir():
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture()
def cache(tmp_path):
    from pipeline.cache import Cache
    return Cache(tmp_path / "cache")


def excerpt(src: Path, dest: Path, lines: int) -> Path:
    """The first `lines` non-empty lines of a real transcript: real text, short to synthesize."""
    kept = [l for l in src.read_text("utf-8").splitlines() if l.strip()][:lines]
    dest.write_text("\n\n".join(kept) + "\n", "utf-8")
    return dest


def unshare() -> list[str]:
    """The command that runs the rest in a private mount namespace (tmpfs and read-only mounts
    of a test's own). Root needs no user namespace, which a chroot or a container may forbid."""
    return ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
