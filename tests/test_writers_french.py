"""pipeline/french.py: the French facts the stages share."""
from __future__ import annotations

import pytest

from pipeline import french


def test_french_dates():
    assert french.french_date("2013-02-04") == "lundi 4 février 2013"
    assert french.french_date("2025-08-01") == "vendredi 1er août 2025"
    assert french.french_date("2024-12-31") == "mardi 31 décembre 2024"
    assert french.french_date(None) is None and french.french_date("") is None
    assert french.french_date("février 2013") == "février 2013"      # not ISO: as given


def test_civility_gender_one_vocabulary():
    assert {french.gender_of(c) for c in ("M.", "MM.", "Monsieur")} == {"male"}
    assert {french.gender_of(c) for c in ("Mme", "Mmes", "Mlle", "Madame")} == {"female"}
    assert french.gender_of(None) is None and french.gender_of("Plusieurs") is None
    assert set(french.CIVILITY_GENDER.values()) == set(french.GENDERS)


def test_typography_folding():
    assert french.fold("d’État\u00a0: l’ʼ‘x\u202f!") == "d'État : l'''x !"
    assert french.without_apostrophes("ministre d’État, de l'intérieur") == \
        "ministre dÉtat, de lintérieur"


@pytest.mark.parametrize("ref, parsed", [
    ("piper:fr_FR-upmc-medium:1", ("piper", "fr_FR-upmc-medium", 1)),
    ("mbrola:fr1", ("mbrola", "fr1", None)),
    ("pico:fr-FR", ("pico", "fr-FR", None)),
])
def test_voice_reference_round_trip(ref, parsed):
    from pipeline.config import format_ref, parse_ref
    assert parse_ref(ref) == parsed
    assert format_ref(*parsed) == ref


@pytest.mark.parametrize("bad", ["fr3", "piper:", ":fr1", "piper:x:y", "a:b:1:2", ""])
def test_voice_reference_refused_with_the_expected_form(bad):
    from pipeline.config import parse_ref
    expected = "whole number" if bad == "piper:x:y" else "engine:voice"
    with pytest.raises(ValueError, match=expected):
        parse_ref(bad)
