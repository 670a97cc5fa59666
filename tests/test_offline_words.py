"""Word times of the offline engine (espeak-ng + MBROLA), checked on real speech against truths
the code under test does not compute:

- mbrola's own rendering of the .pho that `espeak-ng --pho` writes, cut before each word: which
  .pho line begins a word comes from rendering each word alone (its phonemes), not from the
  espeak-ng library's events the engine reads;
- the sound onsets after pauses in the audio itself;
- the `espeak-ng -w` command line's audio, which the library must give bit for bit (the cache
  keys did not change when the engine moved from the command to the library).

Then the tolerances on real seed sentences, the seed's numbers, dates and civilities, and a
word-level build with the default engine (EPUB, page, WebVTT).
"""
from __future__ import annotations

import re
import subprocess
import wave
from collections import defaultdict

import numpy as np
import pytest

from pipeline.cache import Cache
from pipeline.model import Voice
from pipeline.synth import Engines, trim
from pipeline.synth.engines import (ESPEAK_PITCH, ESPEAK_SPEED, OUTPUT_RATE, OfflineEngine,
                                    read_wav, to_output_rate)
from pipeline.words import display_starts, display_words, spoken_words

from conftest import AN, SENAT, excerpt

TOLERANCE_MS = 30
CONTINUOUS = ["Monsieur le président, mes chers collègues, la séance est ouverte à quatorze "
              "heures trente.",
              "Le groupe socialiste votera cet amendement sans la moindre hésitation."]
MBROLA = [f"fr{n}" for n in range(1, 8)]


def _espeak_args(voice: Voice) -> list[str]:
    speed = round(ESPEAK_SPEED / voice.length_scale)
    pitch = max(0, min(99, round(ESPEAK_PITCH * voice.pitch ** 4)))
    return ["espeak-ng", "-v", f"mb-{voice.voice}", "-s", str(speed), "-p", str(pitch)]


def _pho(text: str, voice: Voice) -> list[str]:
    out = subprocess.run(_espeak_args(voice) + ["--pho", "-q"], input=text.encode(),
                         capture_output=True, check=True).stdout.decode()
    return [line for line in out.splitlines() if line.strip()]


def _mbrola_ms(lines: list[str], voice: str, tmp_path) -> float:
    """Milliseconds mbrola renders from these .pho lines."""
    if not lines:
        return 0.0
    pho, out = tmp_path / "cut.pho", tmp_path / "cut.wav"
    pho.write_text("\n".join(lines) + "\n")
    subprocess.run(["mbrola", "-e", f"/usr/share/mbrola/{voice}/{voice}", pho, out],
                   check=True, capture_output=True)
    with wave.open(str(out)) as w:
        return 1000 * w.getnframes() / w.getframerate()


def _align(a: list[str], b: list[str]) -> dict[int, int]:
    """Levenshtein alignment of two phoneme-name sequences: b's index → a's, where matched or
    substituted."""
    n, m = len(a), len(b)
    d = np.zeros((n + 1, m + 1), int)
    d[:, 0], d[0, :] = range(n + 1), range(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1,
                          d[i - 1, j - 1] + (a[i - 1] != b[j - 1]))
    pairs, i, j = {}, n, m
    while i and j:
        if d[i, j] == d[i - 1, j - 1] + (a[i - 1] != b[j - 1]):
            pairs[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs


@pytest.mark.parametrize("name", MBROLA)
def test_word_starts_are_where_mbrola_renders_each_word(name, tmp_path):
    """Each word said alone gives its phonemes; aligned on the sentence's .pho they tell which
    line begins each word; mbrola renders the lines before it: that duration is the word's
    start. The engine's starts (untrimmed audio) are within 30 ms of it, and its audio is
    mbrola's rendering of that .pho (same length, same loudness contour)."""
    voice = Voice("mbrola", name)
    for text in CONTINUOUS:
        lines = _pho(text, voice)
        sounds = [k for k, line in enumerate(lines) if not line.startswith("_")]
        words = spoken_words(text)
        alone, owner = [], []
        for k, w in enumerate(words):
            phonemes = [line.split()[0] for line in _pho(w, voice) if not line.startswith("_")]
            alone += phonemes
            owner += [k] * len(phonemes)
        pairs = _align([lines[k].split()[0] for k in sounds], alone)
        first_line: dict[int, int] = {}
        for j, k in enumerate(owner):
            if k not in first_line and j in pairs:
                first_line[k] = sounds[pairs[j]]
        assert sorted(first_line) == list(range(len(words))), (text, first_line)
        truth = [_mbrola_ms(lines[:first_line[k]], name, tmp_path) for k in range(len(words))]

        audio, starts = OfflineEngine().synthesize_timed(text, voice)
        got = [0.0] + [1000 * s / OUTPUT_RATE for s in starts]
        errors = {w: round(g - t, 1) for w, g, t in zip(words, got, truth)}
        assert all(abs(e) <= TOLERANCE_MS for e in errors.values()), errors

        whole = _mbrola_ms(lines, name, tmp_path)
        assert abs(1000 * audio.size / OUTPUT_RATE - whole) < 25
        rendered = to_output_rate(*read_wav((tmp_path / "cut.wav").read_bytes()))
        # the loudness contours (in amplitude: espeak scales mbrola's samples)
        a, b = (10 ** (_contour(x, OUTPUT_RATE) / 20) for x in (audio, rendered))
        n = min(a.size, b.size)
        assert np.corrcoef(a[:n], b[:n])[0, 1] > 0.97, (text, a.size, b.size)


def _contour(audio: np.ndarray, rate: int, ms: int = 10) -> np.ndarray:
    f = rate * ms // 1000
    frames = audio[: audio.size // f * f].astype(np.float64).reshape(-1, f)
    return 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-5)


# Every word begins with a sound that starts loud (vowel, nasal, liquid, fricative, no stop's
# silent closure), after the pause of a comma.
TOWNS = "Amiens, Orléans, Nantes, Lille, Rouen, Nice, Lyon, Vannes, Meaux, Evreux."


@pytest.mark.parametrize("voice", [Voice("mbrola", f"fr{n}", length_scale=ls, pitch=p)
                                   for n in (1, 2, 3, 4) for ls, p in ((1, 1), (1.15, 0.93))],
                         ids=lambda v: f"{v.voice}-{v.length_scale}")
def test_word_starts_land_on_the_sound_after_each_pause(voice):
    """In the stored (trimmed) audio, each town after the first starts within 30 ms of the
    onset that follows an 80 ms silence: onsets measured on the samples, 5 ms frames louder
    than the pauses' floor + 12 dB. (fr5–fr7 are left out: their diphones out of a silence
    begin with up to 50 ms of near-silence, measured, so the sound lags the phoneme there.)"""
    pcm, starts = Engines({}, 1).render_timed(TOWNS, voice)
    f = OUTPUT_RATE // 200
    db = _contour(pcm.astype(np.float32) / 32768, OUTPUT_RATE, 5)
    loud = db > max(-55.0, np.percentile(db, 10) + 12)
    quiet = 16
    onsets = [i * f for i in range(quiet, loud.size) if loud[i] and not loud[i - quiet:i].any()]
    assert len(onsets) == len(starts) == len(spoken_words(TOWNS)) - 1, onsets
    errors = [round(1000 * (o - s) / OUTPUT_RATE, 1) for o, s in zip(onsets, starts)]
    assert all(abs(e) <= TOLERANCE_MS for e in errors), errors


@pytest.mark.parametrize("voice", [Voice("mbrola", "fr1"), Voice("mbrola", "fr4", 0, 1.1, 1.08),
                                   Voice("mbrola", "fr6", 0, 0.9, 0.95)], ids=lambda v: v.voice)
def test_library_audio_is_the_command_lines(voice, tmp_path):
    """The engine speaks through espeak-ng's library (for its events): after the trimming, the
    audio `espeak-ng -w` wrote, sample for sample, so audio cached before stays valid."""
    text = CONTINUOUS[0]
    out = tmp_path / "cli.wav"
    subprocess.run(_espeak_args(voice) + ["-w", out, "--stdin"], input=text.encode(),
                   capture_output=True, check=True)
    cli = to_output_rate(*read_wav(out.read_bytes()))
    assert np.array_equal(trim(OfflineEngine().synthesize(text, voice)), trim(cli))


def test_same_text_same_audio_and_times_whatever_came_before():
    """The library keeps one mbrola running: a text rendered after another gives the bytes
    and times it gives first (mbrola once carried the end of one text into the next)."""
    engine, voice = OfflineEngine(), Voice("mbrola", "fr1")
    first = engine.synthesize_timed(CONTINUOUS[1], voice)
    engine.synthesize_timed(CONTINUOUS[0], voice)
    again = engine.synthesize_timed(CONTINUOUS[1], voice)
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]


# --- real seed sentences --------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_words(mbrola_dir):
    """All the Sénat seed's utterances and every 8th of the Assemblée's, with their cast
    voices, rendered as the build stores them: (utterance, voice, samples, displayed starts)."""
    from pipeline.build import pool_for
    from pipeline.cast import cast
    from pipeline.config import load_cast, load_catalog
    from pipeline.parse import parse_file
    from pipeline.segment import segment
    engines = Engines({}, 1)
    out = {}
    for src, step in ((SENAT, 1), (AN, 8)):
        debate = parse_file(src)
        voices, _ = cast(debate, pool_for(mbrola_dir, None), load_catalog(mbrola_dir),
                         load_cast(None))
        rows = []
        for u in segment(debate)[::step]:
            voice = voices[u.speaker]
            pcm, starts = engines.render_timed(u.spoken, voice)
            rows.append((u, voice, len(pcm), display_starts(u.text, starts)))
        out[src.stem] = rows
    return out


def test_seed_word_clips_tolerances(seed_words):
    """Every MBROLA sentence of the seeds gets word times; pico's none. Each word clip is
    non-empty, inside its sentence's audio, in order; none longer than 2.5 s but the last
    (which holds the final pause)."""
    for rows in seed_words.values():
        for u, voice, n, starts in rows:
            if voice.engine == "pico":
                assert starts is None
                continue
            assert starts is not None, u.spoken
            edges = [0, *starts, n]
            assert all(a < b for a, b in zip(edges, edges[1:])), (u.text, edges)
            assert all(b - a <= 2.5 * OUTPUT_RATE for a, b in zip(edges, edges[1:-1])), u.text
    assert sum(len(rows) for rows in seed_words.values()) > 350


def test_numbers_dates_and_civilities_span_their_spoken_words(seed_words):
    """"183" said "cent quatre-vingt-trois" is one displayed word holding its three spoken
    words, and lasts as long as saying them; "M." said "monsieur" lasts a word, not two
    letters; a date held by no-break spaces is one word."""
    said: dict[str, list[float]] = defaultdict(list)
    for rows in seed_words.values():
        for u, voice, n, starts in rows:
            if starts is None:
                continue
            spoken = spoken_words(u.spoken)
            edges = [0, *starts, n]
            for k, (a, b, first, end) in enumerate(display_words(u.text)):
                raw = u.text[a:b].strip(" ,;:!?()«»\u00a0")
                shown = raw if raw in ("M.", "Mme") else raw.rstrip(".")
                words = [w.lower() for w in spoken[first:end]]
                if shown == "183":
                    assert words == ["cent", "quatre-vingt-trois"]
                elif shown in ("M.", "Mme"):
                    assert words == [{"M.": "monsieur", "Mme": "madame"}[shown]]
                elif shown == "5\u00a0juillet\u00a02000":
                    assert words == ["cinq", "juillet", "deux", "mille"]
                elif not shown.isdigit():
                    continue
                seconds = (edges[k + 1] - edges[k]) / OUTPUT_RATE
                said[shown if not shown.isdigit() or shown == "183" else "digits"].append(seconds)
    assert min(said["183"]) > 0.6 and min(said["M."]) > 0.25 and min(said["Mme"]) > 0.25, said
    assert said["5\u00a0juillet\u00a02000"] and min(said["5\u00a0juillet\u00a02000"]) > 0.8
    assert len(said["digits"]) > 10 and min(said["digits"]) > 0.1


# --- a word-level build with the default engine -----------------------------------------------

@pytest.fixture(scope="module")
def worded(tmp_path_factory, mbrola_dir):
    from pipeline.build import build
    tmp = tmp_path_factory.mktemp("offline-words")
    src = excerpt(SENAT, tmp / "extrait.txt", 10)
    r = build(src, tmp / "dist", mbrola_dir, cache=Cache(tmp / "cache"), workers=2,
              progress=False, cast_file=tmp / "cast.toml", granularity="word")
    return r, src


def test_offline_word_build_epub_page_and_vtt(worded):
    """The default engine's build at word level: every MBROLA utterance's words tile its clip
    in the timeline; the EPUB (0 error, 0 warning under EPUBCheck) has one par per word; the
    page carries the word begins; the WebVTT cues carry word timestamps."""
    import json
    import lxml.html
    from test_epub import NS, Book, _problems, epubcheck
    r, src = worded
    words = defaultdict(list)
    for w in r.timeline.words:
        words[w.utterance].append(w)
    by_id = {u.id: u for u in r.utterances}
    mbrola = {u.id for u in r.utterances if r.voices[u.speaker].engine == "mbrola"}
    assert mbrola and set(words) == mbrola & {c.utterance for c in r.timeline.clips}
    for clip in r.timeline.clips:
        ws = words.get(clip.utterance)
        if not ws:
            continue
        assert [w.index for w in ws] == list(range(len(display_words(by_id[clip.utterance].text))))
        assert ws[0].start == clip.start and ws[-1].end == clip.end
        assert all(a.end == b.start for a, b in zip(ws, ws[1:]))
        assert all(w.start < w.end for w in ws)
    epub = r.out_dir / f"{src.stem}.epub"
    report = epubcheck(epub)
    assert _problems(report) == [] and report["checker"]["nError"] == 0, report["_stdout"]
    assert report["checker"]["nWarning"] == 0, report["_stdout"]
    book = Book(epub)
    pars = sum(1 for _, smil in book.overlays() for text in book.xml(smil).xpath(
        "//smil:text/@src", namespaces=NS) if re.search(r"-w\d{3}$", text))
    assert pars == len(r.timeline.words)
    page = lxml.html.parse(str(r.out_dir / "index.html")).getroot()
    data = json.loads(page.get_element_by_id("hemicycle-data").text)
    assert set(data["words"]) == set(words)
    from pipeline.write.present import to_ms
    from pipeline.write.vtt import timestamp
    stamps_of = {uid: [timestamp(to_ms(w.start, r.timeline.rate)) for w in ws[1:]]
                 for uid, ws in words.items()}
    tagged = 0
    for cue in filter(None, (r.out_dir / f"{src.stem}.vtt").read_text("utf-8").split("\n\n")[1:]):
        uid, times, text = cue.strip("\n").split("\n", 2)
        stamps = re.findall(r"<(\d\d:\d\d:\d\d\.\d{3})>", text)
        assert set(stamps) <= set(stamps_of.get(uid, [])), cue
        tagged += bool(stamps) and len(stamps) >= len(stamps_of[uid]) - 1
    assert tagged >= 0.9 * sum(len(ws) > 2 for ws in words.values())
