"""`build … --cluster ADDRESS`: the run's synthesis on a Ray cluster (extra `hemicycle[cluster]`).

How (first stage, see docs/scale.md for what is left):
1. the driver plans every debate of the run as `build()` will (parse, segment, cast, cache keys)
   and gathers the utterances its cache lacks, over *all* the debates, longest first;
2. a pool of Ray actors, one per cluster CPU, each holding its engines (voices loaded lazily on
   first use, one onnxruntime thread, like a local worker process), synthesizes them; each
   result lands in the driver's cache (the single source of truth: nothing on the nodes needs
   to persist), written by the node itself where it sees that folder (a shared --cache, e.g. NFS)
   or else returned to the driver, which writes it. Actors restart and their calls are retried when a
   worker dies (`max_restarts`, `max_task_retries`), so a lost node costs only its current
   sentences;
3. the local `build()` of each debate then finds every utterance in the cache and assembles,
   encodes and writes as it always does: the outputs are the local build's, byte for byte,
   because they *are* produced by it. Anything the plan missed is synthesized locally.

ADDRESS: "auto" (a Ray already running on this machine, `ray start --head`), "ray://host:10001"
(Ray Client, a remote cluster) or a GCS "host:port". The nodes need the same hemicycle and
engines installed and the Piper voices at the same path (the voices folder is passed by path).
"""
from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from pipeline.model import InputError

# One actor per CPU of the cluster; each render call is one sentence (0.1–20 s of work).
ACTOR_CPUS = 1


def _ray():
    try:
        import ray
    except ImportError:
        raise InputError("--cluster needs Ray: pip install 'hemicycle[cluster]'") from None
    return ray


def _reachable(address: str) -> None:
    """A host:port that nobody answers is one line at once (ray.init would retry for minutes,
    logging from C++ to the terminal)."""
    import socket
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--cluster {address}: not auto, ray://HOST:PORT nor HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as e:
        raise InputError(f"--cluster {address}: no Ray cluster answers there "
                         f"({e.strerror or e})") from None


def connect(address: str):
    """ray.init on the cluster at `address`; a cluster that cannot be reached is one line."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    if address != "auto":
        _reachable(address)
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False,
                 include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise InputError(f"--cluster {address}: cannot join the Ray cluster "
                         f"({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    return ray


def plan(files: list[Path], voices_dir: Path | None, engine: str | None, cache,
         cast_file: Path | None, stage: str | None, granularity: str):
    """The synthesis jobs (key, spoken, voice, timed) of every debate the cache lacks, deduped,
    longest first; what build() does up to its cache keys (pipeline/build.py), with the cast
    records of each debate seen by the next as build() saves them. A file that does not parse
    is left to build() to report."""
    from pipeline.assemble import Assembly
    from pipeline.cast import cast
    from pipeline.config import load_cast, load_catalog, records_path, voices_dir as default
    from pipeline.parse import parse_file
    from pipeline.segment import segment
    from pipeline.synth import TIMED_ENGINES, Synthesizer
    from pipeline.voices import piper_models, pool_for
    config = Assembly.load()
    if stage:
        config = replace(config, stage_mode=stage)
    recorded = load_cast(records_path(voices_dir, cast_file))
    vdir = default(voices_dir)
    pool, catalog = pool_for(vdir, engine), load_catalog(vdir)
    models = {p.name[: -len(".onnx")]: p for p in piper_models(vdir)}
    synth = Synthesizer(models, cache, 1)
    jobs: dict[str, tuple] = {}
    for f in files:
        try:
            debate = parse_file(f)
        except InputError:
            continue
        voices, new = cast(debate, pool, catalog, recorded)
        for fam, table in new.items():               # as save_records: first entry stays
            for name, entry in table.items():
                recorded.setdefault(fam, {}).setdefault(name, entry)
        for u in segment(debate):
            if u.kind == "stage" and config.stage_mode in ("skip", "cue"):
                continue
            voice = voices[u.speaker]
            k = synth.key(u.spoken, voice)
            timed = granularity == "word" and voice.engine in TIMED_ENGINES
            if k not in jobs and (cache.get(k) is None or (timed and not cache.has_words(k))):
                jobs[k] = (k, u.spoken, voice, timed)
    return models, sorted(jobs.values(), key=lambda j: (-len(j[1]), j[0]))


class _Synth:
    """A Ray actor: the engines of one worker process, kept for the whole run. When it sees the
    driver's cache (the probe file there holds the driver's token: the same folder, e.g. an NFS
    mount), it writes its results into it and returns only their length; else it returns them."""

    def __init__(self, models: dict, cache_root: str, probe: str, token: str):
        from pipeline.cache import Cache
        from pipeline.synth import Engines
        self.engines = Engines({k: Path(v) for k, v in models.items()}, threads=1)
        try:
            shared = Path(probe).read_text("utf-8") == token
        except OSError:
            shared = False
        self.cache = Cache(Path(cache_root)) if shared else None

    def render(self, job: tuple) -> tuple:
        k, spoken, voice, timed = job
        if timed:
            pcm, starts = self.engines.render_timed(spoken, voice)
        else:
            pcm, starts = self.engines.render(spoken, voice), None
        if self.cache is None:
            return k, pcm, starts, timed, len(pcm)
        if timed:
            self.cache.put_words(k, starts)
        self.cache.put(k, pcm)
        return k, None, None, timed, len(pcm)


def synthesize(ray, models: dict, jobs: list[tuple], cache, progress: bool = True,
               shared: bool | None = None) -> dict:
    """Run `jobs` on one actor per cluster CPU, each result landing in the driver's `cache`:
    written by the actors where they see that folder, else returned and written here.
    `shared`: None finds out; False never lets the actors write; True requires them to (an
    error otherwise). Returns the figures of the report line."""
    import uuid

    from ray.util import ActorPool
    t0 = time.perf_counter()
    cpus = int(ray.cluster_resources().get("CPU", 1))
    n = max(1, min(cpus // ACTOR_CPUS, len(jobs)))
    actor = ray.remote(num_cpus=ACTOR_CPUS, max_restarts=-1, max_task_retries=-1)(_Synth)
    token = uuid.uuid4().hex
    probe = cache.root / f".cluster-probe-{token}"
    samples = written = 0
    try:
        if shared is not False:
            cache.root.mkdir(parents=True, exist_ok=True)
            probe.write_text(token, "utf-8")
        paths = {k: str(v) for k, v in models.items()}
        pool = ActorPool([actor.remote(paths, str(cache.root.resolve()), str(probe.resolve()),
                                       token) for _ in range(n)])
        tty = progress and sys.stderr.isatty()
        for done, (k, pcm, starts, timed, length) in enumerate(
                pool.map_unordered(lambda a, job: a.render.remote(job), jobs), 1):
            if pcm is None:
                written += 1
            else:
                if timed:
                    cache.put_words(k, starts)
                cache.put(k, pcm)
            samples += length
            if tty:
                print(f"\rcluster: {done}/{len(jobs)} utterances", end="", file=sys.stderr)
        if tty:
            print(file=sys.stderr)
    finally:
        probe.unlink(missing_ok=True)
    if shared and written < len(jobs):
        raise InputError(f"{cache.root}: the cluster's nodes do not see this cache folder")
    return {"utterances": len(jobs), "samples": samples, "actors": n,
            "seconds": time.perf_counter() - t0, "written_by_nodes": written}


def presynthesize(args, files: list[Path]) -> None:
    """The CLI's --cluster: fill the cache from the cluster before the local builds."""
    from pipeline.cache import Cache
    from pipeline.synth.engines import OUTPUT_RATE
    ray = connect(args.cluster)
    cache = Cache(args.cache)
    models, jobs = plan(files, args.voices, args.engine, cache, getattr(args, "cast", None),
                        args.stage, args.granularity)
    if not jobs:
        print("cluster: every utterance already in the cache")
        return
    r = synthesize(ray, models, jobs, cache, shared=_shared_mode())
    where = ("written by the nodes into the shared cache" if r["written_by_nodes"]
             else "returned to the driver's cache")
    print(f"cluster: synthesized {r['utterances']} utterances on {r['actors']} actors, "
          f"{r['samples'] / OUTPUT_RATE / 60:.1f} min of audio in {r['seconds']:.1f} s, "
          f"{where}")


def _shared_mode() -> bool | None:
    """$HEMICYCLE_CLUSTER_CACHE: "shared" (the nodes must write into --cache), "driver" (results
    always return to the driver), unset: shared where the nodes see the folder."""
    import os
    mode = os.environ.get("HEMICYCLE_CLUSTER_CACHE", "")
    if mode not in ("", "shared", "driver"):
        raise InputError(f"HEMICYCLE_CLUSTER_CACHE={mode}: shared, driver or unset")
    return {"": None, "shared": True, "driver": False}[mode]
