import numpy as np
import pytest

from pipeline.assemble import Assembly, assemble, loudness, master, true_peak
from pipeline.model import Debate, Section, Utterance, Voice
from pipeline.synth import Synthesizer
from pipeline.synth.engines import OUTPUT_RATE
from pipeline.write.splice import BLOCK, MARGIN

TEXTS = [("title", "__narrator__", "Programme territoires d'industrie."),
         ("speech", "a", "Monsieur le président, monsieur le ministre, mes chers collègues."),
         ("speech", "a", "La réindustrialisation demeure un objectif essentiel."),
         ("speech", "b", "Je vous remercie."),
         ("title", "__narrator__", "Débat interactif."),
         ("speech", "c", "Oui.")]
VOICES = {"__narrator__": Voice("mbrola", "fr6"), "a": Voice("mbrola", "fr2"),
          "b": Voice("mbrola", "fr1", pitch=1.1), "c": Voice("pico", "fr-FR")}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    from pipeline.cache import Cache
    utts = []
    for i, (kind, who, text) in enumerate(TEXTS):
        section = 0 if i < 4 else 1
        turn = {0: 0, 1: 1, 2: 1, 3: 2, 4: 0, 5: 3}[i]
        utts.append(Utterance(f"u{i}", section, kind, who, text, text, turn, i if i != 2 else 1))
    audio, _ = Synthesizer({}, Cache(tmp_path_factory.mktemp("c")), 1).run(
        [(u.spoken, VOICES[u.speaker]) for u in utts], progress=False)
    debate = Debate("T", None, None, (Section("Programme", ()), Section("Débat interactif", ())))
    config = Assembly.load()
    mastered = [master(a, OUTPUT_RATE, config) for a in audio]
    assert [len(m) for m in mastered] == [len(a) for a in audio]
    pcm, tl = assemble(utts, mastered, debate, OUTPUT_RATE)
    return utts, audio, pcm, tl


def test_timeline_tiles_the_book(book):
    utts, audio, pcm, tl = book
    assert tl.total == len(pcm) and tl.rate == OUTPUT_RATE
    assert [c.utterance for c in tl.clips] == [u.id for u in utts]
    assert tl.clips[0].start == 0 and tl.clips[-1].end == tl.total
    assert all(a.end == b.start for a, b in zip(tl.clips, tl.clips[1:]))
    assert all(c.end - c.start >= len(a) for c, a in zip(tl.clips, audio))
    assert [(c.title, c.start, c.end) for c in tl.chapters] == [
        ("Programme", 0, tl.clips[4].start), ("Débat interactif", tl.clips[4].start, tl.total)]


def _begins(tl):
    """Where each utterance's audio begins: a block opens with the lead silence."""
    lead = max(OUTPUT_RATE * Assembly.load().pauses_ms["lead"] // 1000, MARGIN)
    return [c.start + (lead if c.start in tl.blocks else 0) for c in tl.clips]


def test_pauses_follow_structure(book):
    """The pauses follow the structure; each paragraph is a block of whole codec frames, its
    pauses evened out by one share of the rounding (at most half a block for the whole block)."""
    utts, audio, pcm, tl = book
    pauses = Assembly.load().pauses_ms
    begins = _begins(tl)
    heard = [nxt - (b + len(a)) for b, a, nxt in zip(begins, audio, begins[1:] + [tl.total])]
    nominal = [OUTPUT_RATE * pauses[k] // 1000 for k in
               ("speaker", "sentence", "speaker", "section", "speaker", "end")]
    off = [h - n for h, n in zip(heard, nominal)]
    assert list(tl.blocks) == [tl.clips[i].start for i in (0, 1, 3, 4, 5)]   # one per paragraph
    for block in ([0], [1, 2], [3], [4], [5]):
        shares = [off[i] for i in block]
        assert abs(sum(shares)) <= BLOCK // 2 and max(shares) - min(shares) < len(block), shares
    for a, b in zip(tl.blocks, list(tl.blocks[1:]) + [tl.total]):
        assert (b - a) % BLOCK == 0
        assert not pcm[a:a + MARGIN].any() and not pcm[b - MARGIN:b].any()


@pytest.mark.parametrize("sizes,pauses", [([5000], [20000]), ([1, 2, 3], [6615, 6615, 14332]),
                                          ([30000, 41234], [6615, 4200]), ([9216 - 5512], [4096])])
def test_block_pauses_round_the_block_evenly(sizes, pauses):
    from pipeline.assemble import block_pauses
    out = block_pauses(sizes, pauses, 5512)
    assert (5512 + sum(sizes) + sum(out)) % BLOCK == 0
    assert out[-1] >= MARGIN and min(out) > 0
    shares = [o - p for o, p in zip(out, pauses)]
    assert max(shares) - min(shares) < len(pauses)
    assert abs(sum(shares)) <= BLOCK // 2 or out[-1] - shares[-1] - BLOCK // 2 < MARGIN


def test_loudness_and_true_peak(book):
    utts, audio, pcm, tl = book
    x = pcm.astype(np.float64) / 32768
    assert abs(loudness(x, OUTPUT_RATE) - Assembly.load().target_lufs) <= 1.0
    assert true_peak(x, OUTPUT_RATE) <= -1.5
    # Even: every utterance within 2 LU of the others, whatever engine or voice said it.
    levels = [loudness(x[b:b + len(a)], OUTPUT_RATE) for b, a in zip(_begins(tl), audio)]
    assert max(levels) - min(levels) < 2.5, levels
