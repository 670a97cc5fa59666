"""split_sentences: the rules of the brief and the lossless-join contract."""
import pytest
from hypothesis import given, settings, strategies as st

from pipeline.normalize import split_sentences
from pipeline.normalize.sentences import collapse


@pytest.mark.parametrize("paragraph, expected", [
    ("M. le président. La séance est ouverte.", ["M. le président.", "La séance est ouverte."]),
    ("La parole est à M. Marc Le Fur. Il a la parole.", ["La parole est à M. Marc Le Fur.", "Il a la parole."]),
    ("Je salue MM. Dupont et Durand. Merci.", ["Je salue MM. Dupont et Durand.", "Merci."]),
    ("Je salue Mme. Dupont. Merci.", ["Je salue Mme. Dupont.", "Merci."]),
    ("Voir art. L. 34 du code. Ensuite.", ["Voir art. L. 34 du code.", "Ensuite."]),
    ("Voir p. 7 du rapport. Ensuite.", ["Voir p. 7 du rapport.", "Ensuite."]),
    ("Les lois, décrets, etc. Martin les connaît.", ["Les lois, décrets, etc. Martin les connaît."]),
    ("Les lois, décrets, etc. Mais passons.", ["Les lois, décrets, etc.", "Mais passons."]),
    ("Il y a 1.000 personnes. Et 2,5 millions.", ["Il y a 1.000 personnes.", "Et 2,5 millions."]),
    ("Quoi ? Vraiment ! Oui… Bon.", ["Quoi ?", "Vraiment !", "Oui…", "Bon."]),
    ("Il a dit « Je viens. Tu viens » puis il est parti. Fin.",
     ["Il a dit « Je viens. Tu viens » puis il est parti.", "Fin."]),
    ("Il a dit : « Je viens. » Puis il est parti.", ["Il a dit : « Je viens. »", "Puis il est parti."]),
    ("Ça va coûter de l’encre ! (Sourires.) Bien.", ["Ça va coûter de l’encre !", "(Sourires.)", "Bien."]),
    ("(« Très bien ! » sur plusieurs bancs du groupe UMP.)", ["(« Très bien ! » sur plusieurs bancs du groupe UMP.)"]),
    ("de la PMA… M. Olivier Véran. …qui", ["de la PMA…", "M. Olivier Véran. …qui"]),
    ("Le n° 84. Le suivant.", ["Le n° 84.", "Le suivant."]),
    ("", []),
])
def test_rules(paragraph, expected):
    assert split_sentences(paragraph) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "M.", "Mme", "MM.", "Dupont", "le", "président", ".", "!", "?", "…", "«", "»", "(", ")", "12", "000",
    "n°", "art.", "etc.", "Il", "vient", ",", "\u00a0", "\u202f", "  ", "\n", "p.", "La", "3,5"]), max_size=40))
def test_join_gives_back_collapsed_paragraph(tokens):
    paragraph = " ".join(tokens)
    pieces = split_sentences(paragraph)
    assert " ".join(pieces) == collapse(paragraph)
    assert all(p and p == p.strip() for p in pieces)
