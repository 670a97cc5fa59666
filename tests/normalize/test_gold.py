"""Gold cases as data: every tests/normalize/*.txt line `written~spoken`."""
from pathlib import Path

import pytest

from pipeline.normalize import normalize

HERE = Path(__file__).parent


def _cases():
    for path in sorted(HERE.glob("*.txt")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            written, sep, spoken = line.partition("~")
            assert sep, f"{path.name}:{i} has no ~"
            yield pytest.param(written, spoken, id=f"{path.stem}:{i}")


CASES = list(_cases())


def test_enough_gold_cases():
    assert len(CASES) >= 400


@pytest.mark.parametrize("written, spoken", CASES)
def test_gold(written, spoken):
    assert normalize(written) == spoken
