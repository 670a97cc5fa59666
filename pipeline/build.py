"""One debate from transcript to dist/<stem>/: the stages in order, and nothing redone when the
inputs, the voices and the code that shapes the outputs are unchanged."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline.assemble import (CONFIG as ASSEMBLY_CONFIG, Assembly, block_clips, cue, layout,
                               lead_of, master, parts, render)
from pipeline.cache import Cache
from pipeline.cast import cast, cast_notes
from pipeline.config import load_cast, load_catalog, records_path, save_records, voices_dir as default_voices
from pipeline.errors import ToolError
from pipeline.mastered import get_master, master_key
from pipeline.model import Debate, InputError, Timeline, Utterance, Voice
from pipeline.outdir import STAMP, publish, sitting_folder, up_to_date, writing
from pipeline.parse import parse_file
from pipeline.segment import segment
from pipeline.synth import Stats, Synthesizer
from pipeline.synth.engines import OUTPUT_RATE
from pipeline.write.splice import BLOCK, MARGIN
from pipeline.voices import engine_models, pool_for

GRID = (BLOCK, MARGIN)         # the audiobooks are spliced from blocks of whole codec frames


@dataclass
class Result:
    out_dir: Path
    stats: Stats | None          # None when the outputs were already up to date
    debate: Debate
    utterances: list[Utterance]
    voices: dict[str, Voice]
    timeline: Timeline | None = None     # None when the outputs were already up to date
    warnings: tuple[str, ...] = ()       # for the CLI to say (a chosen voice not installed…)


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


@dataclass
class Plan:
    """A debate up to its audio: what it says, who says it, the cache key of each utterance and
    the stamp its outputs are built for. Made on the driver (plans run in order: each sees the
    cast records the previous saved); finish() may then run anywhere that sees the cache and
    the out folder (pipeline/cluster.py runs it as a Ray task)."""
    file: Path
    out: Path
    debate: Debate
    utterances: list[Utterance]
    spoken: list[Utterance]             # those synthesized (not the cued stage directions)
    voices: dict[str, Voice]
    models: dict[str, Path]
    requests: list[tuple[str, Voice]]
    keys: list[str]
    stamp: str
    config: Assembly
    granularity: str
    warnings: tuple[str, ...]

    @property
    def out_dir(self) -> Path:
        return sitting_folder(self.out, self.file)      # a safe name, inside `out`


def build(file: Path, out: Path = Path("dist"), voices_dir: Path | None = None,
          engine: str | None = None, cache: Cache | None = None, workers: int | None = None,
          cast_file: Path | None = None, progress: bool = True, force: bool = False,
          stage: str | None = None, granularity: str = "sentence",
          lexicon: dict[str, str] | None = None) -> Result:
    """`stage`: how stage directions are heard, "read" | "skip" | "cue" (default: assembly.toml).
    `granularity`: what the EPUB highlights, "sentence" | "word" (word: Piper and MBROLA
    utterances get word times from their engines; pico's stay whole sentences)."""
    cache = cache or Cache()
    p = plan(file, out, voices_dir, engine, cache, cast_file, stage, granularity, lexicon)
    return finish(p, cache, workers, progress, force)


def plan(file: Path, out: Path = Path("dist"), voices_dir: Path | None = None,
         engine: str | None = None, cache: Cache | None = None, cast_file: Path | None = None,
         stage: str | None = None, granularity: str = "sentence",
         lexicon: dict[str, str] | None = None) -> Plan:
    """Parse, segment, cast (saving the new cast records) and key one debate; no audio."""
    if granularity not in ("sentence", "word"):
        raise InputError(f"unknown granularity {granularity!r}: sentence or word")
    file = Path(file)
    cache = cache or Cache()
    config = Assembly.load()
    if stage:
        config = replace(config, stage_mode=stage)
    debate = parse_file(file)
    code = _code_digest()
    # The sentences and spoken forms of the paragraphs an earlier build of this sitting made.
    memo_path = cache.segments_path(file.name, code, lexicon)
    known = cache.get_segments(memo_path)
    memo = dict(known)
    utterances = segment(debate, lexicon, memo)
    if memo != known:
        cache.put_segments(memo_path, memo)
    if config.stage_mode == "skip":
        utterances = [u for u in utterances if u.kind != "stage"]
    if not utterances:
        raise InputError(f"{file}: nothing to read aloud")
    cast_file = records_path(voices_dir, cast_file)
    voices_dir = default_voices(voices_dir)
    pool = pool_for(voices_dir, engine)
    recorded = load_cast(cast_file)
    voices, new_records = cast(debate, pool, load_catalog(voices_dir), recorded)
    save_records(cast_file, new_records)
    warnings = cast_notes(debate, pool, recorded)
    models = engine_models(voices_dir)
    synth = Synthesizer(models, cache, 1)
    cued = config.stage_mode == "cue"
    spoken = [u for u in utterances if not (cued and u.kind == "stage")]
    requests = [(u.spoken, voices[u.speaker]) for u in spoken]
    keys = [synth.key(*r) for r in requests]
    stamp = hashlib.sha256(json.dumps({
        "code": code, "debate": debate.to_json(),
        "audio": [[u.id, k] for u, k in zip(spoken, keys)],
        "assembly": [ASSEMBLY_CONFIG.read_text("utf-8"), config.stage_mode],
        "granularity": granularity,
    }, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return Plan(file, Path(out), debate, utterances, spoken, voices, models, requests, keys,
                stamp, config, granularity, tuple(warnings))


def finish(plan: Plan, cache: Cache, workers: int | None = None, progress: bool = True,
           force: bool = False, locked: bool = False) -> Result:
    """Synthesize what the cache lacks, master, assemble, encode and write the outputs of a
    plan. `locked`: the caller holds the out folder's lock for the whole run (a cluster's
    driver), so this may run in another process."""
    p, config, out_dir = plan, plan.config, plan.out_dir
    synth = Synthesizer(p.models, cache, workers)
    keys, utterances = p.keys, p.utterances
    # One build at a time in `out`; the outputs are published together at the end, so the
    # folder holds the previous complete set or the new one (see pipeline/outdir.py).
    with writing(p.out, out_dir, synth.cache.root, locked) as w:
        if not force and up_to_date(out_dir, p.stamp):
            return unchanged(p)
        synth.scratch = w.stage.scratch
        timed = p.granularity == "word"
        # Synthesized and mastered where missing (mastering in the workers). Into a folder
        # that holds a build already (a rebuild after an edit), the others' lengths alone are
        # read, their audio only where a block of the book changed; a first build reads and
        # checks all of it (a damaged entry is then found, made again and counted).
        again = (out_dir / STAMP).exists()
        got, stats = synth.run(p.requests, progress=progress, keys=keys, words=timed,
                               master=config, audio=not again)
        sizes = got if again else [a.size for a in got]
        read = {} if again else dict(enumerate(got))
        chime = master(cue(OUTPUT_RATE, config.cue_ms), OUTPUT_RATE, config)
        spoken = {u.id: i for i, u in enumerate(p.spoken)}
        lengths = [sizes[spoken[u.id]] if u.id in spoken else chime.size for u in utterances]
        starts = None
        if timed:
            from pipeline.words import display_starts
            spoken_starts = dict(zip((u.id for u in p.spoken), synth.word_starts(keys)))
            starts = [display_starts(u.text, spoken_starts.get(u.id)) for u in utterances]
        timeline = layout(utterances, lengths, p.debate, OUTPUT_RATE, config, starts, GRID)

        def audio(i: int) -> np.ndarray:
            j = spoken.get(utterances[i].id)
            if j is None:
                return chime
            m = read[j] if j in read else get_master(synth.cache, keys[j], config)
            if m is None:            # damaged since it was measured: made again, same length
                (m,), _ = synth.run([p.requests[j]], progress=False, keys=[keys[j]],
                                    master=config)
            if m.size != lengths[i]:
                raise ToolError(f"{synth.cache.root}: an utterance's audio changed length "
                                "during the build (a cache shared with another version?)")
            return m

        # Each block named by what it is made of (mastered audio keys and silences): an
        # unchanged block is found encoded without reading its audio.
        pieces = parts(timeline, lengths, lead_of(OUTPUT_RATE, config, GRID))
        cue_name = f"cue|{config.cue_ms}|" + master_key("", config)
        names = [master_key(keys[spoken[u.id]], config) if u.id in spoken else cue_name
                 for u in utterances]
        groups = block_clips(timeline)
        contents = [hashlib.sha256(repr([(names[i], pieces[i]) for i in g]).encode())
                    .hexdigest() for g in groups]
        book = lambda j: render([pieces[i] for i in groups[j]],                # noqa: E731
                                [audio(i) for i in groups[j]])
        w.where = out_dir
        _write(out_dir, out_dir.name, p.debate, utterances, timeline, (book, contents), p.voices,
               synth.cache.root / "encoded")
        publish(w, p.stamp)
    return Result(out_dir, stats, p.debate, utterances, p.voices, timeline, p.warnings)


def unchanged(p: Plan) -> Result:
    """The Result of a plan whose outputs are already up to date: nothing was built."""
    return Result(p.out_dir, None, p.debate, p.utterances, p.voices, warnings=p.warnings)


def _write(out_dir, stem, debate, utterances, timeline, book, voices, audio_store) -> None:
    from pipeline.write.audiobook import write_m4b, write_mp3
    from pipeline.write.cover import cover
    from pipeline.write.present import description as describe
    from pipeline.write.epub import write_epub
    from pipeline.write.feed import write_chapters_json, write_episode
    from pipeline.write.markup import book_documents
    from pipeline.write.splice import AAC, MP3, encode_blocks
    from pipeline.write.vtt import write_vtt
    from pipeline.write.web import write_page
    from concurrent.futures import ThreadPoolExecutor
    description = describe(debate)
    with ThreadPoolExecutor(3) as pool:
        # The cover drawn while the blocks are read (PIL lets go of the GIL as it draws).
        drawn = pool.submit(cover, debate)
        # The book's audio, block by block: only the blocks that changed are encoded (the M4B
        # and the EPUB share the AAC). The writers run side by side.
        aac, mp3 = encode_blocks(book[0], timeline, (AAC, MP3), audio_store, book[1])
        art = drawn.result()
        jobs = [pool.submit(write_m4b, out_dir / f"{stem}.m4b", aac, timeline, debate, description, art),
                pool.submit(write_mp3, out_dir / f"{stem}.mp3", mp3, timeline, debate, description, art)]
        # The section markup the EPUB and the page share, made once for both.
        docs = book_documents(debate, utterances, timeline)
        jobs.append(pool.submit(write_epub, out_dir / f"{stem}.epub", debate, utterances,
                                timeline, aac, voices, art, docs))
        # The read-along page, subtitles and the podcast record: light, from the same timeline.
        write_page(out_dir / "index.html", debate, utterances, timeline, voices, f"{stem}.mp3",
                   downloads=[("MP3", f"{stem}.mp3"), ("M4B", f"{stem}.m4b"),
                              ("EPUB", f"{stem}.epub"), ("Sous-titres (WebVTT)", f"{stem}.vtt")],
                   docs=docs)
        write_vtt(out_dir / f"{stem}.vtt", debate, utterances, timeline)
        write_chapters_json(out_dir / f"{stem}.chapters.json", debate, timeline)
        write_episode(out_dir, stem, debate, timeline, cover_png=art)
        for job in jobs:
            job.result()
