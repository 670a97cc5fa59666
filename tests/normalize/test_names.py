"""data/names.tsv: each shipped name is misread by espeak-ng as written and read right as
respelled, by the system's espeak-ng (the offline engine) and by Piper's own espeak data.
The expected phonemes are written by hand (how the French say these names)."""
import os
import subprocess

import pytest

from pipeline.normalize import lexicon, normalize

# written -> how it is said (espeak's IPA, stress marks left out)
SAID = {
    "Tardy": "taʁdi", "Glavany": "ɡlavani", "Door": "dɔʁ", "Berthet": "bɛʁtɛ", "Levy": "levi",
    "Duby-Muller": "dybimylɛʁ", "Fekl": "fɛkl", "Schneider": "ʃnɛdɛʁ", "Ferracci": "feʁatʃi",
    "Lellouche": "leluʃ", "Morizet": "moʁizɛ", "Élisabeth": "elizabɛt", "Ferry": "feʁi",
}
NAMES = dict(r[:2] for r in lexicon.table("names.tsv"))


def _system(word: str) -> str:
    out = subprocess.run(["espeak-ng", "-q", "-v", "fr", "--ipa", word], capture_output=True,
                         text=True, check=True).stdout
    return out.strip().replace("ˈ", "").replace("ˌ", "")


@pytest.fixture(scope="module")
def piper_espeak():
    import piper
    from piper.phonemize_espeak import EspeakPhonemizer
    p = EspeakPhonemizer(os.path.join(os.path.dirname(piper.__file__), "espeak-ng-data"))
    return lambda word: "".join(ph for s in p.phonemize("fr", word) for ph in s
                                if ph not in "ˈˌ")


def test_every_entry_has_its_expected_phonemes():
    assert set(NAMES) == set(SAID)


@pytest.mark.parametrize("written", sorted(SAID))
def test_wrong_as_written_right_as_respelled(written, piper_espeak):
    spoken = NAMES[written]
    assert _system(written) != SAID[written] and piper_espeak(written) != SAID[written]
    assert _system(spoken) == SAID[written] == piper_espeak(spoken)
    assert normalize(f"M. {written}.") == f"Monsieur {spoken}."
