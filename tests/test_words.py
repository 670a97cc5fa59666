"""Word-level read-along (`--granularity word`): Piper's phoneme alignments → word times →
one SMIL par per displayed word; checked on a Sénat excerpt with the multi-speaker test voice."""
from __future__ import annotations

import re
from pathlib import Path
from collections import defaultdict

import numpy as np
import pytest

from pipeline.build import build
from pipeline.cache import Cache
from pipeline.model import Voice
from pipeline.normalize import normalize
from pipeline.words import (display_starts, display_words, mark_starts, spoken_words,
                            word_starts)

from conftest import SENAT, excerpt
from test_epub import NS, Book, _problems, epubcheck, parse_clock


@pytest.fixture(scope="module")
def worded(tmp_path_factory, piper_dir):
    tmp = tmp_path_factory.mktemp("words")
    src = excerpt(SENAT, tmp / "extrait.txt", 15)
    cache = Cache(tmp / "cache")
    r = build(src, tmp / "dist", piper_dir, cache=cache, workers=1, progress=False,
              cast_file=tmp / "cast.toml", granularity="word")
    return r, src, tmp, cache


def test_piper_alignments_sum_to_the_audio(worded, piper_dir):
    from pipeline.synth.engines import PiperEngine
    from pipeline.voices import piper_models
    r, *_ = worded
    engine = PiperEngine({p.name[: -len(".onnx")]: p for p in piper_models(piper_dir)}, 1)
    assert any(v.engine == "piper" and v.speaker_id for v in r.voices.values()), \
        "the multi-speaker voice is cast"
    for u in r.utterances:
        _, chunks = engine.chunks(u.spoken, r.voices[u.speaker], aligned=True)
        for c in chunks:
            assert c.phoneme_alignments, u.spoken
            assert sum(a.num_samples for a in c.phoneme_alignments) == len(c.audio_float_array)
            assert " " in [a.phoneme for a in c.phoneme_alignments] or len(u.spoken.split()) == 1


def test_word_clips_tile_every_utterance_clip(worded):
    r, *_ = worded
    words = defaultdict(list)
    for w in r.timeline.words:
        words[w.utterance].append(w)
    assert set(words) == {u.id for u in r.utterances}, "every Piper utterance is word-timed"
    for clip in r.timeline.clips:
        ws = words[clip.utterance]
        u = next(u for u in r.utterances if u.id == clip.utterance)
        assert [w.index for w in ws] == list(range(len(display_words(u.text))))
        assert ws[0].start == clip.start and ws[-1].end == clip.end
        assert all(a.end == b.start for a, b in zip(ws, ws[1:]))
        assert all(w.start < w.end for w in ws), clip.utterance


def test_smil_word_pars_ids_order_and_epubcheck(worded):
    r, src, *_ = worded
    path = r.out_dir / f"{src.stem}.epub"
    report = epubcheck(path)
    assert _problems(report) == [], report["_stdout"]
    assert report["checker"]["nError"] == report["checker"]["nWarning"] == 0
    book = Book(path)
    n_words = 0
    for doc, smil_item in book.overlays():
        html = book.xml(doc)
        doc_ids = html.xpath("//@id")
        prev_end, prev_index = "0:00:00.000", -1
        for par in book.xml(smil_item).xpath("//smil:par", namespaces=NS):
            frag = par.find("smil:text", NS).get("src").partition("#")[2]
            assert frag in doc_ids
            index = doc_ids.index(frag)
            assert index > prev_index, "pars out of document order"
            prev_index = index
            audio = par.find("smil:audio", NS)
            assert audio.get("clipBegin") == prev_end, "clips not contiguous"
            assert parse_clock(audio.get("clipBegin")) < parse_clock(audio.get("clipEnd"))
            prev_end = audio.get("clipEnd")
            if re.search(r"-w\d{3}$", frag):
                n_words += 1
                [span] = html.xpath("//*[@id=$i]", i=frag)
                assert span.getparent().get("id") == frag.rpartition("-w")[0]
        [duration] = book.meta("media:duration", "#" + smil_item.get("id"))
        assert parse_clock(duration) == parse_clock(prev_end)
    assert n_words == len(r.timeline.words)
    [summary] = book.meta("schema:accessibilitySummary")
    assert "Chaque mot du texte est synchronisé" in summary
    # the displayed text is unchanged by the word spans (no-break spaces, punctuation)
    text = "".join(t for d, _ in book.overlays() for t in book.xml(d).xpath("//x:body//text()",
                                                                          namespaces=NS))
    para = next(l for l in src.read_text("utf-8").splitlines() if "\u00a0" in l or "’" in l)
    assert para.split(". ", 1)[-1][:80] in text


def test_digits_map_to_their_spoken_words(worded):
    """The seed prints "la loi du 5 juillet 2000" with no-break spaces: one displayed word,
    read "cinq juillet deux mille"; "l’article 9" (no-break space too) → "l'article neuf"."""
    r, *_ = worded
    shown = {}
    for u in r.utterances:
        spoken = spoken_words(u.spoken)
        words = display_words(u.text)
        # every spoken word belongs to exactly one displayed word, in order
        assert [i for _, _, f, e in words for i in range(f, e)] == list(range(len(spoken)))
        shown.update({u.text[a:b]: spoken[f:e] for a, b, f, e in words
                      if any(ch.isdigit() for ch in u.text[a:b])})
    assert shown["5\u00a0juillet\u00a02000"] == ["cinq", "juillet", "deux", "mille"], shown
    assert shown["l’article\u00a09"] == ["l'article", "neuf"], shown


@pytest.mark.parametrize("text, expected", [
    ("Les 183 territoires d’industrie sont retenus.",
     {"183": "cent quatre-vingt-trois", "territoires": "territoires"}),
    ("La séance est ouverte à 14 h 30.", {"14": "quatorze", "h": "heures", "30.": "trente."}),
    ("Il y a 12\u00a0000 élus, monsieur le président !",
     {"12\u00a0000": "douze mille", "président !": "président"}),
])
def test_display_words_follow_normalization(text, expected):
    words = display_words(text)
    spoken = spoken_words(normalize(text))
    shown = {text[a:b]: " ".join(spoken[f:e]) for a, b, f, e in words}
    for k, v in expected.items():
        assert shown.get(k) == v, shown
    assert "".join(text[a:b] for a, b, _, _ in words).replace(" ", "") == text.replace(" ", "")


def test_word_starts_when_espeak_joins_or_splits_words():
    times = list(range(0, 1000, 10))             # 100 phonemes, 10 samples each
    words = ["aaaa", "bbbb", "cccc", "dddd"]
    assert word_starts(words, [0, 25, 50, 75], times) == [250, 500, 750]
    # espeak joined the last two words: their boundary falls where the letters put it
    assert word_starts(words, [0, 25, 50], times) == [250, 500, 750]
    # espeak split the first word in two: that break is not a word start
    assert word_starts(words, [0, 12, 25, 50, 75], times) == [250, 500, 750]
    assert display_starts("Oui.", []) == []


def test_rebuild_reuses_words_and_sentence_mode_has_none(worded, piper_dir):
    r, src, tmp, cache = worded
    again = build(src, tmp / "dist", piper_dir, cache=cache, workers=1, progress=False,
                  cast_file=tmp / "cast.toml", granularity="word", force=True)
    assert again.stats.synthesized == 0 and again.timeline.words == r.timeline.words
    plain = build(src, tmp / "plain", piper_dir, cache=cache, workers=1, progress=False,
                  cast_file=tmp / "cast.toml")
    assert plain.stats.synthesized == 0 and plain.timeline.words == ()
    assert plain.timeline.clips == r.timeline.clips


def test_mark_starts_reads_espeak_positions():
    """espeak-ng's phoneme events as the MBROLA engine gets them: (character, sample, pause).
    A word's first phoneme carries its position, the others their clause's start (a space
    here); the clause pause carries the next word's position and hands it on; "parce que" is
    one espeak word: "que" is placed by letters; "quatre-vingts" is two espeak words, one
    of ours."""
    text = "Parce que, quatre-vingts élus."
    marks = [(0, 0, False), (-1, 10, False), (-1, 20, False), (-1, 30, False),   # p a r s
             (-1, 40, False), (-1, 50, False),                                   # k @
             (11, 60, True), (10, 70, False), (10, 80, False), (10, 90, False),   # _: k a t
             (18, 100, False), (10, 110, False), (25, 120, False), (10, 130, False)]  # v E~ e l
    assert mark_starts(text, marks) == [40, 70, 120]
    assert mark_starts("Oui.", [(0, 0, False)]) == []


@pytest.mark.parametrize("voice", [Voice("piper", "fr_FR-testmulti-tiny", 2, pitch=1.12),
                                   Voice("piper", "fr_FR-test-tiny", length_scale=1.1,
                                         pitch=0.9),
                                   Voice("mbrola", "fr1"),
                                   Voice("mbrola", "fr3", length_scale=1.1, pitch=0.95),
                                   Voice("pico", "fr-FR")])
def test_render_timed_follows_variants_and_trimming(voice, piper_dir):
    """Word starts are in samples of the stored audio: after the pitch variant's resampling and
    the trimming of edge silence; same audio as an untimed render. Pico tells none."""
    from pipeline.synth import Engines
    from pipeline.voices import piper_models
    engines = Engines({p.name[: -len(".onnx")]: p for p in piper_models(piper_dir)}, 1)
    text = "Monsieur le président, mes chers collègues, la séance est ouverte."
    pcm, starts = engines.render_timed(text, voice)
    assert np.array_equal(pcm, engines.render(text, voice))
    if voice.engine == "pico":
        assert starts is None
        return
    assert len(starts) == len(spoken_words(text)) - 1
    assert 0 < starts[0] and all(a < b for a, b in zip(starts, starts[1:])) and starts[-1] < len(pcm)
    # the last word ("ouverte") takes about its share of the speech, not the trimmed tail
    assert 0.05 < (len(pcm) - starts[-1]) / len(pcm) < 0.4


def test_vtt_cues_carry_word_timestamps(worded):
    """Word mode: each cue's words after the first are preceded by their start, strictly
    increasing inside the cue; without the tags the cue is the sentence."""
    from pipeline.write.vtt import timestamp
    from pipeline.write.present import to_ms
    r, src, *_ = worded
    cues = (r.out_dir / f"{src.stem}.vtt").read_text("utf-8").split("\n\n")[1:]
    by_id = {u.id: u for u in r.utterances}
    starts: dict[str, list[str]] = defaultdict(list)
    for w in r.timeline.words:
        starts[w.utterance].append(timestamp(to_ms(w.start, r.timeline.rate)))
    tagged = 0
    for cue in filter(None, cues):
        uid, times, text = cue.strip("\n").split("\n", 2)
        begin, end = times.split(" --> ")
        stamps = re.findall(r"<(\d\d:\d\d:\d\d\.\d{3})>", text)
        chain = [begin, *stamps, end]
        assert all(a < b for a, b in zip(chain, chain[1:])), cue
        assert set(stamps) <= set(starts[uid][1:])
        tagged += len(stamps) >= len(starts[uid]) - 2
        plain = re.sub(r"<\d\d:\d\d:\d\d\.\d{3}>|<v [^>]*>", "", text)
        assert plain == by_id[uid].text.replace("\n", " ").replace("&", "&amp;")
    assert tagged >= 0.9 * len(r.utterances)


def test_page_marks_and_follows_words(worded, tmp_path):
    """The read-along page of a word-mode build: the EPUB's word spans, each word's begin in its
    data, and in headless Chromium the word said at a time underlined; a click on a word plays
    from it."""
    import json
    import shutil
    import subprocess
    import lxml.html
    from conftest import ROOT
    from test_web import CHROMIUM, SCRIPT
    r, *_ = worded
    doc = lxml.html.parse(str(r.out_dir / "index.html")).getroot()
    data = json.loads(doc.get_element_by_id("hemicycle-data").text)
    words = defaultdict(list)
    for w in r.timeline.words:
        words[w.utterance].append(w)
    assert set(data["words"]) == set(words)
    for uid, begins in data["words"].items():
        spans = doc.xpath("//span[@id=$i]//span[@class='w']", i=uid)
        assert [s.get("id") for s in spans] == [f"{uid}-w{n:03d}" for n in range(len(begins))]
        assert begins == sorted(begins) and begins[0] == next(
            s[1] for s in data["sentences"] if s[0] == uid)
    # a sentence of several words, its third word: seek to its middle, then click the fifth
    uid = next(u for u, b in data["words"].items() if len(b) >= 6 and b[3] - b[2] > 0.05)
    b = data["words"][uid]
    plan = {"page": str(r.out_dir / "index.html"),
            "words": {"seek_time": (b[2] + b[3]) / 2, "click_id": f"{uid}-w004"}}
    (tmp_path / "plan.json").write_text(json.dumps(plan), "utf-8")
    assert Path(CHROMIUM).exists() and shutil.which("node")
    run = subprocess.run([shutil.which("node"), str(SCRIPT), str(tmp_path / "plan.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert "error" not in out and out["errors"] == [], out
    assert out["wordSeek"]["now"] == [f"{uid}-w002"] and out["wordSeek"]["sentence"] == [uid]
    assert out["wordSeek"]["underline"] == "underline"
    assert out["wordClick"]["now"] == [f"{uid}-w004"]
    assert b[4] - 0.001 <= out["wordClick"]["currentTime"] < b[4] + 0.5
