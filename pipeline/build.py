"""One debate from transcript to dist/<stem>/: the stages in order, and nothing redone when the
inputs, the voices and the code that shapes the outputs are unchanged."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.assemble import CONFIG as ASSEMBLY_CONFIG, Assembly, assemble, cue, master
from pipeline.atomic import write_text
from pipeline.cache import Cache
from pipeline.cast import cast
from pipeline.model import Debate, InputError, Timeline, Utterance, Voice
from pipeline.parse import parse_file
from pipeline.segment import segment
from pipeline.synth import Stats, Synthesizer
from pipeline.synth.engines import OUTPUT_RATE
from pipeline.voices import PROJECT_VOICES, installed, piper_models

STAMP = ".build.json"
OUTPUTS = (".m4b", ".mp3", ".epub", ".vtt", ".chapters.json")
PAGES = ("index.html", "episode.json")


@dataclass
class Result:
    out_dir: Path
    stats: Stats | None          # None when the outputs were already up to date
    debate: Debate
    utterances: list[Utterance]
    voices: dict[str, Voice]
    timeline: Timeline | None = None     # None when the outputs were already up to date


def _code_digest() -> str:
    """The package's own source and data: a change to any of them rebuilds the outputs."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".toml", ".tsv", ".txt", ".css", ".json", ".html",
                                        ".js"):
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def pool_for(voices_dir: Path, engine: str | None):
    pool = installed(voices_dir, engine)
    if not pool:
        raise InputError(f"no voice installed for engine {engine or 'piper/offline'}: run "
                         "`make voices` (Piper voices, needs the internet) or install the offline "
                         "engine (Debian: espeak-ng mbrola-fr1…fr7 libttspico-utils)")
    return pool


def build(file: Path, out: Path = Path("dist"), voices_dir: Path = PROJECT_VOICES,
          engine: str | None = None, cache: Cache | None = None, workers: int | None = None,
          cast_file: Path | None = None, progress: bool = True, force: bool = False,
          stage: str | None = None, granularity: str = "sentence") -> Result:
    """`stage`: how stage directions are heard, "read" | "skip" | "cue" (default: assembly.toml).
    `granularity`: what the EPUB highlights, "sentence" | "word" (word: Piper utterances get word
    times from the phoneme alignments; the offline engine's stay whole sentences)."""
    if granularity not in ("sentence", "word"):
        raise InputError(f"unknown granularity {granularity!r}: sentence or word")
    file = Path(file)
    config = Assembly.load()
    if stage:
        config = replace(config, stage_mode=stage)
    debate = parse_file(file)
    utterances = segment(debate)
    if config.stage_mode == "skip":
        utterances = [u for u in utterances if u.kind != "stage"]
    if not utterances:
        raise InputError(f"{file}: nothing to read aloud")
    pool = pool_for(voices_dir, engine)
    if cast_file is None:
        cast_file = Path(voices_dir) / "cast.toml"
    voices = cast(debate, pool, cast_file, voices_dir)
    models = {p.name[: -len(".onnx")]: p for p in piper_models(voices_dir)}
    synth = Synthesizer(models, cache or Cache(), workers)
    cued = config.stage_mode == "cue"
    spoken = [u for u in utterances if not (cued and u.kind == "stage")]
    requests = [(u.spoken, voices[u.speaker]) for u in spoken]

    keys = [synth.key(*r) for r in requests]
    out_dir = Path(out) / file.stem
    stamp = hashlib.sha256(json.dumps({
        "code": _code_digest(), "debate": debate.to_json(),
        "audio": [[u.id, k] for u, k in zip(spoken, keys)],
        "assembly": [ASSEMBLY_CONFIG.read_text("utf-8"), config.stage_mode],
        "granularity": granularity,
    }, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    outputs = [out_dir / f"{file.stem}{ext}" for ext in OUTPUTS] + [out_dir / p for p in PAGES]
    if not force and _read_stamp(out_dir) == stamp and all(p.exists() for p in outputs):
        return Result(out_dir, None, debate, utterances, voices)

    timed = granularity == "word"
    synthesized, stats = synth.run(requests, progress=progress, keys=keys, words=timed)
    mastered = _master_all(synth.cache, keys, synthesized, config)
    by_id = {u.id: a for u, a in zip(spoken, mastered)}
    chime = master(cue(OUTPUT_RATE, config.cue_ms), OUTPUT_RATE, config)
    audio = [by_id.get(u.id, chime) for u in utterances]
    starts = None
    if timed:
        from pipeline.words import display_starts
        spoken_starts = dict(zip((u.id for u in spoken), synth.word_starts(keys)))
        starts = [display_starts(u.text, spoken_starts.get(u.id)) for u in utterances]
    pcm, timeline = assemble(utterances, audio, debate, OUTPUT_RATE, config, starts)
    _write(out_dir, file.stem, debate, utterances, timeline, pcm, voices,
           synth.cache.root / "encoded")
    _write_stamp(out_dir, stamp)
    return Result(out_dir, stats, debate, utterances, voices, timeline)


def _master_all(cache: Cache, keys: list[str], audio: list, config: Assembly) -> list:
    """Mastered utterances, through the cache: a rebuild re-masters only what changed."""
    out = []
    for k, pcm in zip(keys, audio):
        mk = hashlib.sha256(f"{k}|master|{config.target_lufs}|{config.true_peak_dbtp}"
                            .encode()).hexdigest()
        m = cache.get(mk)
        if m is None:
            m = master(pcm, OUTPUT_RATE, config)
            cache.put(mk, m)
        out.append(m)
    return out


def _write(out_dir, stem, debate, utterances, timeline, pcm, voices, audio_store) -> None:
    from pipeline.write.audiobook import cover, describe, write_m4b, write_mp3
    from pipeline.write.epub import write_epub
    from pipeline.write.feed import write_chapters_json, write_episode
    from pipeline.write.splice import AAC, MP3, encode_blocks
    from pipeline.write.vtt import write_vtt
    from pipeline.write.web import write_page
    names = [k for k in debate.speakers()]
    description = describe(debate, names)
    art = cover(debate)
    # The book's audio, block by block: only the blocks that changed are encoded (the M4B and
    # the EPUB share the AAC). Each writer mostly waits on ffmpeg: run them side by side.
    aac, mp3 = encode_blocks(pcm, timeline, (AAC, MP3), audio_store)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(3) as pool:
        jobs = [pool.submit(write_m4b, out_dir / f"{stem}.m4b", aac, timeline, debate, description, art),
                pool.submit(write_mp3, out_dir / f"{stem}.mp3", mp3, timeline, debate, description, art),
                pool.submit(write_epub, out_dir / f"{stem}.epub", debate, utterances, timeline, aac,
                            voices, art)]
        # The read-along page, subtitles and the podcast record: light, from the same timeline.
        write_page(out_dir / "index.html", debate, utterances, timeline, voices, f"{stem}.mp3",
                   downloads=[("MP3", f"{stem}.mp3"), ("M4B", f"{stem}.m4b"),
                              ("EPUB", f"{stem}.epub"), ("Sous-titres (WebVTT)", f"{stem}.vtt")])
        write_vtt(out_dir / f"{stem}.vtt", debate, utterances, timeline)
        write_chapters_json(out_dir / f"{stem}.chapters.json", debate, timeline)
        write_episode(out_dir, stem, debate, timeline, cover_png=art)
        for job in jobs:
            job.result()


def _read_stamp(out_dir: Path) -> str | None:
    try:
        return json.loads((out_dir / STAMP).read_text("utf-8"))["inputs"]
    except (OSError, ValueError, KeyError):
        return None


def _write_stamp(out_dir: Path, stamp: str) -> None:
    write_text(out_dir / STAMP, json.dumps({"inputs": stamp}))
