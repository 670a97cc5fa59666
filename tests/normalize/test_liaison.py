"""A designation is invariable, and it matters by ear: espeak makes the "z" liaison after
"cents" ("deux cents_z_a"), not after "cent". Checked on phonemes, not only on spelling."""
import subprocess

import pytest

from pipeline.normalize import normalize


def ipa(text: str) -> str:
    return subprocess.run(["espeak-ng", "-q", "-v", "fr", "--ipa", text], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_plural_cents_would_make_the_liaison():
    assert "sˈɑ̃z a" in ipa("numéro deux cents a pour objet")       # the control: the defect


@pytest.mark.parametrize("written, said", [
    ("L'amendement n° 200 a pour objet de supprimer l'article.", "dˈø sˈɑ̃ a"),
    ("L'amendement numéro 300 est défendu.", "tʁwˈa sˈɑ̃ ɛ"),
    ("L'an 1900 a vu naître le métro.", "nˈœf sˈɑ̃ a"),
    ("Les amendements nos 200 et 400 ont été défendus.", "kˈatʁ sˈɑ̃ ˈɔ̃"),
])
def test_no_liaison_after_a_designation(written, said):
    phonemes = ipa(normalize(written))
    assert said in phonemes and "sˈɑ̃z" not in phonemes
