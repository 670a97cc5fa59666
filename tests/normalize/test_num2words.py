"""num2words does the cardinals; each place the project overrides it in French, the
num2words output it corrects (asserted, so an upgrade that fixes it shows here) and ours."""
import pytest
from num2words import num2words

from pipeline.normalize import normalize
from pipeline.normalize.numbers import cardinal, ordinal


@pytest.mark.parametrize("n, words", [
    (0, "zéro"), (21, "vingt et un"), (71, "soixante et onze"), (80, "quatre-vingts"),
    (81, "quatre-vingt-un"), (200, "deux cents"), (1001, "mille un"), (80_000, "quatre-vingt mille"),
    (200_000_000, "deux cents millions"), (1_234_567, "un million deux cent trente-quatre mille cinq cent soixante-sept"),
])
def test_cardinals_are_num2words(n, words):
    assert num2words(n, lang="fr") == words == cardinal(n)


@pytest.mark.parametrize("n, theirs, ours", [
    (80, "quatre-vingtsième", "quatre-vingtième"),
    (200, "deux centsième", "deux centième"),
    (180, "cent quatre-vingtsième", "cent quatre-vingtième"),
    (2_000_000, "deux millionsième", "deux millionième"),
    (1_000_000_000, "un milliardième", "milliardième"),      # as "millième", not "un millième"
])
def test_ordinals_of_plural_words(n, theirs, ours):
    assert num2words(n, lang="fr", to="ordinal") == theirs
    assert ordinal(n) == ours


def test_feminine_un():
    assert num2words(21, lang="fr") == "vingt et un"
    assert cardinal(21, feminine=True) == "vingt et une"
    assert normalize("21 voix") == "vingt et une voix"
    assert num2words(1, lang="fr", to="ordinal") == "premier"
    assert normalize("la 1re lecture") == "la première lecture"


def test_decimals_read_as_numbers_not_digit_by_digit():
    assert num2words(3.14, lang="fr") == "trois virgule un quatre"
    assert normalize("3,14") == "trois virgule quatorze"
    assert normalize("0,05") == "zéro virgule zéro cinq"


def test_currency():
    assert num2words(12.5, lang="fr", to="currency") == "douze euros et cinquante centimes"
    assert normalize("12,50 €") == "douze euros cinquante"
    assert num2words(12, lang="fr", to="currency") == "zéro euros et douze centimes"  # cents!
    assert normalize("12 €") == "douze euros"


def test_designations_are_invariable():
    assert num2words(200, lang="fr") == "deux cents"
    assert num2words(1900, lang="fr", to="year") == "mille neuf cents"
    assert normalize("page 200") == "page deux cent"
    assert normalize("l'an 1900") == "l'an mille neuf cent"


def test_numbers_too_long_to_be_one():
    assert num2words(10**21, lang="fr") == "un trilliard"
    assert cardinal(10**21) == " ".join(["un"] + ["zéro"] * 21)
    with pytest.raises(ValueError):
        num2words(int("1" * 5000), lang="fr")          # Python refuses the int itself
    assert normalize("1" * 5000) == " ".join(["un"] * 5000)
