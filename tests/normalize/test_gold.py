"""Expected spoken forms as data, `written~spoken` lines:
- gold_*.txt: written by hand (each line a French reader's reading, checked by ear or phonemes);
- snapshot_*.txt: the normalizer's own output on seed sentences, a SNAPSHOT that catches
  changes (regenerate with `.venv/bin/python tools/snapshot_normalize.py`, review the diff)."""
from pathlib import Path

import pytest

from pipeline.normalize import normalize

HERE = Path(__file__).parent


def _cases(pattern: str):
    for path in sorted(HERE.glob(pattern)):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            written, sep, spoken = line.partition("~")
            assert sep, f"{path.name}:{i} has no ~"
            yield pytest.param(written, spoken, id=f"{path.stem}:{i}")


GOLD = list(_cases("gold_*.txt"))
SNAPSHOT = list(_cases("snapshot_*.txt"))


def test_case_counts():
    assert len(GOLD) >= 280 and len(SNAPSHOT) >= 600, (len(GOLD), len(SNAPSHOT))


@pytest.mark.parametrize("written, spoken", GOLD)
def test_gold(written, spoken):
    assert normalize(written) == spoken


@pytest.mark.parametrize("written, snapshot", SNAPSHOT)
def test_snapshot(written, snapshot):
    assert normalize(written) == snapshot
