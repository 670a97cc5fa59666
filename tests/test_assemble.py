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
    pcm, tl = assemble(utts, mastered, debate, OUTPUT_RATE, grid=(BLOCK, MARGIN))
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


def _heard(tl, audio):
    begins = _begins(tl)
    return [nxt - (b + len(a)) for b, a, nxt in zip(begins, audio, begins[1:] + [tl.total])]


def test_pauses_follow_structure(book):
    """The pauses follow the structure; each paragraph is a block of whole codec frames, and
    every heard pause stays inside the bounds of its kind (assembly.toml [heard])."""
    utts, audio, pcm, tl = book
    config = Assembly.load()
    heard = _heard(tl, audio)
    kinds = ("speaker", "sentence", "speaker", "section", "speaker", "end")
    for h, k in zip(heard, kinds):
        lo, hi = config.heard_ms[k]
        assert OUTPUT_RATE * lo // 1000 <= h <= OUTPUT_RATE * hi // 1000, (k, h)
    assert list(tl.blocks) == [tl.clips[i].start for i in (0, 1, 3, 4, 5)]   # one per paragraph
    for a, b in zip(tl.blocks, list(tl.blocks[1:]) + [tl.total]):
        assert (b - a) % BLOCK == 0
        assert not pcm[a:a + MARGIN].any() and not pcm[b - MARGIN:b].any()


@pytest.mark.parametrize("sizes,pauses", [([5000], [20000]), ([1, 2, 3], [6615, 6615, 14332]),
                                          ([30000, 41234], [6615, 4200]), ([9216 - 5512], [4096])])
def test_block_pauses_without_bounds_round_the_block_evenly(sizes, pauses):
    from pipeline.assemble import block_pauses
    out = block_pauses(sizes, pauses, 5512, (BLOCK, MARGIN))
    assert (5512 + sum(sizes) + sum(out)) % BLOCK == 0
    assert out[-1] >= MARGIN and min(out) > 0
    shares = [o - p for o, p in zip(out, pauses)]
    assert max(shares) - min(shares) < len(pauses)
    assert abs(sum(shares)) <= BLOCK // 2 or out[-1] - shares[-1] - BLOCK // 2 < MARGIN


def _seed_boundaries(path):
    """A seed's real utterances, and each one's pause kind."""
    from pipeline.assemble import pause_kind
    from pipeline.parse import parse_file
    from pipeline.segment import segment
    debate = parse_file(path)
    utts = segment(debate)
    return debate, utts, [pause_kind(u, n) for u, n in zip(utts, [*utts[1:], None])]


@pytest.mark.parametrize("seed", ["senat", "an"])
@pytest.mark.parametrize("jitter", [0, 1, 2])
def test_heard_pauses_keep_their_order_on_the_seeds(seed, jitter):
    """On every boundary of both seeds, whatever each utterance's length (as long as speech
    at 19 characters a second, jittered: the rounding depends on lengths only), the heard
    order sentence < paragraph < speaker < section holds, each pause inside its bounds."""
    from tests.conftest import AN, SENAT
    debate, utts, kinds = _seed_boundaries(SENAT if seed == "senat" else AN)
    rng = np.random.default_rng(jitter)
    audio = [np.ones(int(len(u.spoken) / 19 * OUTPUT_RATE * rng.uniform(0.7, 1.3)) + 1, np.int16)
             for u in utts]
    config = Assembly.load()
    pcm, tl = assemble(utts, audio, debate, OUTPUT_RATE, config, grid=(BLOCK, MARGIN))
    assert all((b - a) % BLOCK == 0 for a, b in zip(tl.blocks, [*tl.blocks[1:], tl.total]))
    by_kind: dict[str, list[int]] = {}
    for h, k in zip(_heard(tl, audio), kinds):
        by_kind.setdefault(k, []).append(h)
    order = [k for k in ("sentence", "paragraph", "speaker", "section") if k in by_kind]
    for shorter, longer in zip(order, order[1:]):
        assert max(by_kind[shorter]) < min(by_kind[longer]), (shorter, longer)
    for k, hs in by_kind.items():
        lo, hi = config.heard_ms[k]
        assert OUTPUT_RATE * lo // 1000 <= min(hs) and max(hs) <= OUTPUT_RATE * hi // 1000, k


def test_bounds_leave_room_for_a_whole_block():
    """A one-sentence paragraph between two boundaries of the same kind must absorb any rounding
    (up to one codec block) with its end alone: the bounds in assembly.toml allow it."""
    config = Assembly.load()
    lead = max(OUTPUT_RATE * config.pauses_ms["lead"] // 1000, MARGIN)
    for kind in ("paragraph", "speaker", "section"):
        lo, hi = (OUTPUT_RATE * x // 1000 for x in config.heard_ms[kind])
        nominal = OUTPUT_RATE * config.pauses_ms[kind] // 1000
        down = nominal - max(lo, lead + MARGIN)
        up = hi - nominal
        assert up + down >= BLOCK and up >= 0 and down >= 0, kind


def test_loudness_and_true_peak(book):
    utts, audio, pcm, tl = book
    x = pcm.astype(np.float64) / 32768
    assert abs(loudness(x, OUTPUT_RATE) - Assembly.load().target_lufs) <= 1.0
    assert true_peak(x, OUTPUT_RATE) <= -1.5
    # Even: every utterance within 2 LU of the others, whatever engine or voice said it.
    levels = [loudness(x[b:b + len(a)], OUTPUT_RATE) for b, a in zip(_begins(tl), audio)]
    assert max(levels) - min(levels) < 2.5, levels
