"""Exact pronunciations: a lexicon entry's [[phonemes]] (espeak's French mnemonics) pass through
normalize() untouched, espeak-ng (the offline engine) reads them as phonemes, and Piper reads
them once phonemes.to_ipa() has spelled them in IPA; either way the audio changes."""
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.model import Voice
from pipeline.normalize import normalize, split_sentences
from pipeline.normalize.phonemes import to_ipa, to_letters
from pipeline.synth.engines import OUTPUT_RATE, OfflineEngine, PiperEngine

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "voices" / "fr_FR-test-tiny.onnx"
# Gérard Sebaoun: espeak says "səbaˈun"; a user wants "sebaˈun". Capitals, "@" and "~" in the
# entries are what the acronym, symbol and finishing passes would otherwise rewrite.
LEXICON = {"Sebaoun": "[[seba'un]]", "Lemorton": "[[l@mOrt'O~]]", "Schneider": "[[SnEd'Er]]"}


def espeak(*args: str, text: str) -> str:
    return subprocess.run(["espeak-ng", "-q", "-v", "fr", *args, text], capture_output=True,
                          text=True, check=True).stdout.strip()


def _seed_words(n: int) -> list[str]:
    words = []
    for line in (ROOT / "seeds" / "senat_territoires-d-industrie.txt").read_text("utf-8").splitlines():
        for s in split_sentences(line):
            words += [w for w in re.findall(r"[a-zàâçéèêëîïôûùüœ]{4,}", s) if w not in words]
    return words[:n]


def test_to_ipa_spells_espeaks_own_phonemes_as_espeak_does():
    """For real words: espeak's mnemonics (-x) through our table = espeak's own IPA (--ipa)."""
    words = _seed_words(150) + ["Bartolone", "Hervé", "huit", "brun", "gagner", "Urvoas"]
    text = "".join(w + ".\n" for w in words)      # one clause, so one output line, per word
    mnemonics = subprocess.run(["espeak-ng", "-q", "-v", "fr", "-x", "--stdin"], input=text,
                               capture_output=True, text=True, check=True).stdout.splitlines()
    ipa = subprocess.run(["espeak-ng", "-q", "-v", "fr", "--ipa", "--stdin"], input=text,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(mnemonics) == len(ipa) == len(words)
    pairs = [(m.strip(), i.strip()) for m, i in zip(mnemonics, ipa) if "(" not in m]  # no (en)
    assert len(pairs) >= 140
    assert [to_ipa(f"[[{m}]]") for m, _ in pairs] == [f"[[{i}]]" for _, i in pairs]


def test_phonemes_pass_through_normalize_untouched():
    text = "M. Schneider, Mme Lemorton et M. Sebaoun ont déposé 3 amendements."
    assert normalize(text, LEXICON) == ("Monsieur [[SnEd'Er]], madame [[l@mOrt'O~]] et monsieur "
                                        "[[seba'un]] ont déposé trois amendements.")
    # Brackets typed in the transcript itself are no phonemes: they stay punctuation.
    assert normalize("Il a dit [[non]] hier.") == "Il a dit, non, hier."


def test_offline_engine_reads_the_phonemes():
    spoken = normalize("M. Sebaoun.", LEXICON)
    assert espeak("-x", text=spoken) == "m@sj'Y seba'un"
    assert espeak("-x", text=normalize("M. Sebaoun.")) == "m@sj'Y s@ba'un"
    voice = Voice(engine="mbrola", voice="fr1")
    with_entry = OfflineEngine().synthesize(spoken, voice)
    without = OfflineEngine().synthesize(normalize("M. Sebaoun."), voice)
    assert with_entry.size > 0.3 * OUTPUT_RATE and without.size > 0.3 * OUTPUT_RATE
    assert with_entry.size != without.size or not np.array_equal(with_entry, without)


def test_piper_reads_the_phonemes_in_ipa():
    from piper import PiperVoice
    pv = PiperVoice.load(str(TINY))
    id_map = json.loads(Path(f"{TINY}.json").read_text("utf-8"))["phoneme_id_map"]
    spoken = normalize("M. Lemorton.", LEXICON)
    # Piper takes [[…]] as IPA characters: the raw mnemonics hold letters it has no id for.
    assert {"O", "~"} - set(id_map) == {"O", "~"}
    ipa = to_ipa(spoken)
    assert ipa == "Monsieur [[ləmɔʁtˈɔ̃]]."
    phonemes = [p for sentence in pv.phonemize(ipa) for p in sentence]
    assert "".join(phonemes) == "məsjˈø ləmɔʁtˈɔ̃" and set(phonemes) <= set(id_map)
    engine = PiperEngine({"tiny": TINY}, threads=1)
    voice = Voice(engine="piper", voice="tiny")
    with_entry = engine.synthesize(ipa, voice)
    sebaoun = engine.synthesize(to_ipa(normalize("M. Sebaoun.", LEXICON)), voice)
    plain = engine.synthesize(normalize("M. Sebaoun."), voice)
    assert with_entry.size and sebaoun.size and plain.size
    assert sebaoun.size != plain.size or not np.array_equal(sebaoun, plain)


@pytest.mark.parametrize("written", ["Lemorton", "Sebaoun"])
def test_display_text_is_left_alone(written):
    """normalize() gives the spoken form only; the sentence shown is the input, unchanged."""
    sentence = f"Mme {written}."
    assert split_sentences(sentence) == [sentence]
    assert written not in normalize(sentence, LEXICON) and "[[" in normalize(sentence, LEXICON)


def test_pico_gets_a_respelling_instead():
    """pico reads no phonemes: to_letters() respells the block in French letters."""
    spoken = normalize("M. Lemorton et M. Sebaoun.", LEXICON)
    letters = to_letters(spoken)
    assert letters == "Monsieur lemorton et monsieur sébaounne."
    voice = Voice(engine="pico", voice="fr-FR")
    respelled = OfflineEngine().synthesize(to_letters(normalize("M. Sebaoun.", LEXICON)), voice)
    plain = OfflineEngine().synthesize(normalize("M. Sebaoun."), voice)
    assert respelled.size > 0.3 * OUTPUT_RATE and plain.size > 0.3 * OUTPUT_RATE
    assert respelled.size != plain.size or not np.array_equal(respelled, plain)
