"""`build … --cluster ADDRESS`: a run's builds spread over a Ray cluster (extra
`hemicycle[cluster]`).

How:
1. the driver plans every debate of the run with build.plan() (parse, segment, cast, cache
   keys, stamp: the plans run in order, each seeing the cast records the previous saved) and
   gathers the utterances its cache lacks, over *all* the debates, longest first;
2. a pool of Ray actors, one per cluster CPU, each holding its engines (voices loaded lazily on
   first use, one onnxruntime thread, like a local worker process), synthesizes them; each
   result lands in the driver's cache (the single source of truth: nothing on the nodes needs
   to persist), written by the node itself where it sees that folder (a shared --cache, e.g. NFS)
   or else returned to the driver, which writes it. Actors restart and their calls are retried when a
   worker dies (`max_restarts`, `max_task_retries`), so a lost node costs only its current
   sentences;
3. each stale debate is then finished (mastered, assembled, encoded, written: build.finish())
   by a Ray task of one CPU, on a node that sees both the cache and the out folder at the
   driver's paths (all of them when both are shared, else the driver's own node; with none,
   the driver finishes them itself). finish() is the local build's own code, which finds every
   utterance in the cache: the outputs are the local build's, byte for byte. The driver holds
   the out folder's lock for the whole run.

ADDRESS: "auto" (a Ray already running on this machine, `ray start --head`), "ray://host:10001"
(Ray Client, a remote cluster) or a GCS "host:port". The nodes need the same hemicycle and
engines installed and the Piper voices at the same path (the voices folder is passed by path).
"""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ToolError
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


def remote(address: str) -> bool:
    """Ray Client: the driver is not a node of the cluster (its folders are not theirs)."""
    return address.startswith("ray://")


def connect(address: str):
    """ray.init on the cluster at `address`; a cluster that cannot be reached is one line.
    Through Ray Client the driver's own `pipeline` package goes with the job (py_modules): the
    nodes run the driver's code, so their outputs are its own; they need its dependencies and
    the engines installed (the same image)."""
    import os
    ray = _ray()
    if ray.is_initialized():
        return ray
    # A failed sentence is said once, by the driver: not again by Ray for each sentence that was
    # in flight on the other actors when the run stopped.
    os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")
    if address != "auto":
        _reachable(address)
    # Ray records the command line as the job's, in UTF-8: a file name's undecodable bytes
    # would stop ray.init (its private helper, wrapped while it runs; absent: nothing to do).
    from ray._private import utils as ray_utils
    entrypoint = getattr(ray_utils, "get_entrypoint_name", None)
    if entrypoint:
        ray_utils.get_entrypoint_name = lambda: entrypoint().encode("utf-8", "replace").decode()
    try:
        if remote(address):
            import pipeline
            ray.init(address=address, logging_level="ERROR", log_to_driver=False,
                     runtime_env={"py_modules": [str(Path(pipeline.__file__).parent)]})
        else:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False,
                     include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise InputError(f"--cluster {address}: cannot join the Ray cluster "
                         f"({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    finally:
        if entrypoint:
            ray_utils.get_entrypoint_name = entrypoint
    return ray


def plan(files: list[Path], args, cache, lexicon: dict | None):
    """Each file's Plan (build.plan) or the one-line error that stopped it, in order."""
    from pipeline.build import plan as plan_one
    out = []
    for f in files:
        try:
            out.append((f, plan_one(f, args.out, args.voices, args.engine, cache,
                                    getattr(args, "cast", None), args.stage, args.granularity,
                                    lexicon)))
        except (InputError, ToolError) as e:
            out.append((f, str(e)))
        except (KeyboardInterrupt, OSError):
            raise
        except Exception as e:        # as a local build: one line, the other files go on
            from pipeline.cli import unexpected
            out.append((f, unexpected(f, e)))
    return out


def jobs_of(plans: list, cache) -> list[tuple]:
    """The synthesis jobs (key, spoken, voice, timed) the cache lacks, deduped over all the
    plans, longest first. Entries are looked up, not read: finish() synthesizes again a damaged
    one (and counts it)."""
    from pipeline.mastered import master_path
    from pipeline.synth import TIMED_ENGINES
    jobs: dict[str, tuple] = {}
    for p in plans:
        for k, (spoken, voice) in zip(p.keys, p.requests):
            timed = p.granularity == "word" and voice.engine in TIMED_ENGINES
            if k in jobs or (timed and cache.has_words(k)) or (not timed and (
                    k in cache or master_path(cache, k, p.config).exists())):
                continue
            jobs[k] = (k, spoken, voice, timed)
    return sorted(jobs.values(), key=lambda j: (-len(j[1]), j[0]))


class _Synth:
    """A Ray actor: the engines of one worker process, kept for the whole run. When it sees the
    driver's cache (the probe file there holds the driver's token: the same folder, e.g. an NFS
    mount), it writes its results into it and returns only their length; else it returns them."""

    def __init__(self, models: dict, cache_root: str, probe: str, token: str,
                 shipped: dict | None = None):
        from pipeline.cache import Cache
        from pipeline.synth import Engines
        if shipped:                       # through Ray Client: the driver's voices, copied here
            models = _unship(shipped)
        self.engines = Engines({k: Path(v) for k, v in models.items()}, threads=1)
        self.cache = Cache(Path(cache_root)) if _sees([probe], token) else None

    def render(self, job: tuple) -> tuple:
        from pipeline.synth import render
        k, spoken, voice, timed = job
        pcm, starts = render(self.engines, spoken, voice, timed)
        if self.cache is None:
            return k, pcm, starts, timed, len(pcm)
        if timed:
            self.cache.put_words(k, starts)
        self.cache.put(k, pcm)
        return k, None, None, timed, len(pcm)


def _files(name: str, path) -> list[Path]:
    """The files a voice is: a Piper model and its config; a Kokoro pack and the model beside
    it (pipeline.synth.kokoro). The first is the path the engines are given."""
    path = Path(path)
    if name.startswith("kokoro:"):
        from pipeline.synth.kokoro import MODEL
        return [path, path.parent / MODEL]
    return [path, Path(f"{path}.json")]


def ship(ray, models: dict) -> dict:
    """Each voice's files into the object store, for nodes that do not have the driver's voices
    folder: {name: (ref, sha256 of its files, their names)}."""
    import hashlib
    out = {}
    for name, path in models.items():
        files = _files(name, path)
        blobs = [f.read_bytes() for f in files]
        out[name] = (ray.put(tuple(blobs)), hashlib.sha256(b"".join(blobs)).hexdigest(),
                     tuple(f.name for f in files))
    return out


def _unship(shipped: dict) -> dict:
    """The shipped voices as files on this node, once per node (named by their content, so
    the same bytes as the driver's: the same audio)."""
    import tempfile

    import ray

    from pipeline.atomic import write_bytes
    root = Path(tempfile.gettempdir()) / "hemicycle-voices"
    models = {}
    for name, (ref, digest, names) in shipped.items():
        folder = root / digest
        done = folder / f".{names[0]}.complete"
        if not done.exists():
            for fname, blob in zip(names, ray.get(ref)):
                write_bytes(folder / fname, blob)
            write_bytes(done, b"")            # last: its presence means every file is there
        models[name] = str(folder / names[0])
    return models


def _sees(probes: list[str], token: str) -> bool:
    """This process sees the driver's folders: each probe file there holds the run's token."""
    try:
        return all(Path(p).read_text("utf-8") == token for p in probes)
    except OSError:
        return False


def _clear_probes(out: Path, cache_root: Path) -> None:
    """Probes a killed driver left: all of the out folder's (its lock is ours), the cache's
    after a day (another run may share the cache)."""
    for probe in Path(out).glob(".cluster-probe-*"):
        probe.unlink(missing_ok=True)
    for probe in Path(cache_root).glob(".cluster-probe-*"):
        try:
            if time.time() - probe.stat().st_mtime > 86400:
                probe.unlink()
        except OSError:
            pass


@contextmanager
def _probes(folders: list[Path], token: str, write: bool = True):
    """A file holding `token` in each folder for the nodes to look for, removed on leaving."""
    paths = [Path(f).resolve() / f".cluster-probe-{token}" for f in folders]
    try:
        if write:
            for path in paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(token, "utf-8")
        yield [str(p) for p in paths]
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def synthesize(ray, models: dict, jobs: list[tuple], cache, progress=None,
               shared: bool | None = None, shipped: dict | None = None) -> dict:
    """Run `jobs` on one actor per cluster CPU, each result landing in the driver's `cache`:
    written by the actors where they see that folder, else returned and written here.
    `shared`: None finds out; False never lets the actors write; True requires them to (an
    error otherwise). `progress`: a RunProgress. `shipped`: the voices from ship(), for nodes
    without the driver's voices folder. Returns the figures of the report line."""
    from ray.util import ActorPool
    t0 = time.perf_counter()
    cpus = int(ray.cluster_resources().get("CPU", 1))
    n = max(1, min(cpus // ACTOR_CPUS, len(jobs)))
    actor = ray.remote(num_cpus=ACTOR_CPUS, max_restarts=-1, max_task_retries=-1)(_Synth)
    token = uuid.uuid4().hex
    samples = written = 0
    with _probes([cache.root], token, write=shared is not False) as (probe,):
        paths = {k: str(v) for k, v in models.items()}
        actors = [actor.remote(paths, str(cache.root.resolve()), probe, token, shipped)
                  for _ in range(n)]
        pool = ActorPool(actors)
        try:
            for k, pcm, starts, timed, length in pool.map_unordered(
                    lambda a, job: a.render.remote(job), jobs):
                if pcm is None:
                    written += 1
                else:
                    if timed:
                        cache.put_words(k, starts)
                    cache.put(k, pcm)
                samples += length
                if progress:
                    progress.synthesized(length)
        except ray.exceptions.RayError as e:
            raise one_line(e) from None
        for a in actors:                  # their CPUs go to the writing tasks
            ray.kill(a)
    if shared and written < len(jobs):
        raise InputError(f"{cache.root}: the cluster's nodes do not see this cache folder")
    return {"utterances": len(jobs), "samples": samples, "actors": n,
            "seconds": time.perf_counter() - t0, "written_by_nodes": written}


def one_line(e: Exception) -> Exception:
    """What the CLI says of a failure on the cluster: the task's own InputError or ToolError,
    else a ToolError with the last line of Ray's message."""
    from pipeline.errors import last_line
    cause = getattr(e, "cause", None)
    if isinstance(cause, (InputError, ToolError)):
        return cause
    return ToolError(f"on the cluster: {type(e).__name__}: {last_line(str(cause or e))}")


def _finish(p, cache_root: str, force: bool, workers: int | None = 1):
    """build.finish() of one plan, under the driver's lock: a Ray task of one CPU on a node that
    sees the cache and out folder, or the driver itself (`workers` None: all its cores)."""
    from pipeline.build import finish
    from pipeline.cache import Cache
    try:
        return finish(p, Cache(Path(cache_root)), workers=workers, progress=False, force=force,
                      locked=True)
    except (InputError, ToolError) as e:
        return str(e)                     # the driver says it, as a local build would


def writers(ray, folders: list[Path], shared: bool | None) -> list[tuple[str, int]]:
    """The nodes (id, CPUs) that may finish debates: those that see every folder at the
    driver's path; with `shared` False only the driver's own node (when it sees them). True:
    every node must see them."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    nodes = [(n["NodeID"], int(n["Resources"].get("CPU", 0))) for n in ray.nodes()
             if n.get("Alive") and n["Resources"].get("CPU", 0) >= 1]
    if shared is False:
        try:
            here = ray.get_runtime_context().get_node_id()
        except Exception:                 # Ray Client: the driver is on no node
            here = None
        nodes = [n for n in nodes if n[0] == here]
    token = uuid.uuid4().hex
    check = ray.remote(num_cpus=0)(_sees)
    with _probes(folders, token) as probes:
        seen = ray.get([check.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            node, soft=False)).remote(probes, token) for node, _ in nodes], timeout=120)
    if shared and not all(seen):
        raise InputError(f"{', '.join(map(str, folders))}: not every node of the cluster sees "
                         "these folders")
    return [n for n, s in zip(nodes, seen) if s]


def write_all(ray, plans: list, cache, nodes: list[tuple[str, int]], force: bool, progress):
    """finish() of every plan as Ray tasks pinned to `nodes` (the longest debate to the least
    loaded node first), or here when no node may; results in the plans' order."""
    root = str(cache.root.resolve())
    if not nodes:
        results = []
        for p in plans:
            results.append(_finish(p, root, force, workers=None))
            progress.wrote()
        return results
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    task = ray.remote(num_cpus=1, max_retries=3)(_finish)
    load = {node: 0.0 for node, _ in nodes}
    cpus = dict(nodes)
    size = [sum(len(s) for s, _ in p.requests) for p in plans]      # characters to say
    refs = {}
    for i in sorted(range(len(plans)), key=lambda i: -size[i]):
        node = min(load, key=lambda n: (load[n], n))
        load[node] += size[i] / cpus[node]
        refs[task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
             .remote(plans[i], root, force)] = i
    results: list = [None] * len(plans)
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        try:
            results[refs[done[0]]] = ray.get(done[0])
        except ray.exceptions.RayError as e:      # not the debate's fault: the cluster's
            results[refs[done[0]]] = str(one_line(e))
        progress.wrote()
    return results


# A head that refuses connections this many times, PROBE_EVERY seconds apart, is gone (Ray
# itself would retry for a minute, then end the driver with pages of its own logs).
PROBE_EVERY = 2.0
LOST_AFTER = 3


def _head_address(ray, address: str) -> tuple[str, int] | None:
    """Where the cluster's head answers: its Ray Client port, else its GCS."""
    try:
        hostport = (address.removeprefix("ray://") if remote(address)
                    else ray.get_runtime_context().gcs_address)
        host, _, port = hostport.rpartition(":")
        return host, int(port)
    except Exception:                      # an older Ray: no watch, Ray's own timeout
        return None


@contextmanager
def _watched(ray, address: str, cache_root: Path):
    """The run, with Ray's own stderr (its C++ logs, which no logging level silences) sent to a
    log file in the cache folder for the rest of the process, and the head watched: when it stops answering, the run ends
    at once with one line. Everything the build writes is atomic (cache entries, staged
    outputs), so stopping there leaves only complete entries and what the next build sweeps:
    what was synthesized stays in the cache."""
    import os
    import socket
    import sys
    import threading
    head = _head_address(ray, address)
    log = Path(cache_root) / "ray-driver.log"
    saved = os.dup(2)
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 2)
    os.close(fd)
    old_stderr = sys.stderr
    sys.stderr = open(os.dup(saved), "w", encoding=old_stderr.encoding, errors="replace",
                      buffering=1)
    stop = threading.Event()

    def watch():
        misses = 0
        while not stop.wait(PROBE_EVERY):
            try:
                socket.create_connection(head, timeout=PROBE_EVERY).close()
                misses = 0
            except OSError:
                misses += 1
            if misses >= LOST_AFTER and not stop.is_set():
                os.write(saved, (f"hemicycle: error: --cluster {address}: the Ray cluster's "
                                 f"head stopped answering; what was synthesized is in the "
                                 f"cache: build again to finish (Ray's log: {log})\n")
                         .encode(old_stderr.encoding or "utf-8", "replace"))
                os._exit(1)                 # Ray's shutdown would wait for the lost head

    watcher = threading.Thread(target=watch, name="cluster-watch", daemon=True)
    if head:
        watcher.start()
    try:
        yield
    finally:
        stop.set()
        # fd 2 stays on the log until the process ends: Ray's threads still log from C++ at
        # its shutdown ("Failed to push error to driver"); Python's own lines (sys.stderr)
        # go to the terminal.


def run(args, files: list[Path], lexicon: dict | None) -> list[tuple[Path, object]]:
    """The CLI's --cluster: every file's Result, or its one-line error, in order."""
    from pipeline.cache import Cache
    from pipeline.outdir import lock, up_to_date
    from pipeline.progress import RunProgress
    from pipeline.synth.engines import OUTPUT_RATE
    ray = connect(args.cluster)
    cache = Cache(args.cache)
    shared = _shared_mode()
    with lock(args.out), _watched(ray, args.cluster, cache.root):
        _clear_probes(args.out, cache.root)
        planned = plan(files, args, cache, lexicon)
        plans = [p for _, p in planned if not isinstance(p, str)]
        stale = [p for p in plans if args.force or not up_to_date(p.out_dir, p.stamp)]
        jobs = jobs_of(stale, cache)
        progress = RunProgress(len(stale), len(jobs))
        try:
            if jobs:
                models = {k: v for p in stale for k, v in p.models.items()}
                shipped = ship(ray, models) if remote(args.cluster) else None
                r = synthesize(ray, models, jobs, cache, progress, shared, shipped)
                where = ("written by the nodes into the shared cache" if r["written_by_nodes"]
                         else "returned to the driver's cache")
                say = (f"cluster: synthesized {r['utterances']} utterances on {r['actors']} "
                       f"actors, {r['samples'] / OUTPUT_RATE / 60:.1f} min of audio in "
                       f"{r['seconds']:.1f} s, {where}")
            else:
                say = "cluster: every utterance already in the cache"
            nodes = writers(ray, [cache.root, args.out], shared) if stale else []
            finished = dict(zip(map(id, stale),
                                write_all(ray, stale, cache, nodes, args.force, progress)))
        finally:
            progress.close()
    print(say)
    if stale:
        print(f"cluster: {len(stale)} debates written on {len(nodes) or 'no'} node(s)"
              + ("" if nodes else ", by the driver (no node sees the cache and out folders)"))
    out = []
    for f, p in planned:
        if isinstance(p, str):
            out.append((f, p))
        elif id(p) in finished:
            out.append((f, finished[id(p)]))
        else:
            from pipeline.build import unchanged
            out.append((f, unchanged(p)))
    return out


def _shared_mode() -> bool | None:
    """$HEMICYCLE_CLUSTER_CACHE: "shared" (the nodes must write into --cache), "driver" (results
    always return to the driver), unset: shared where the nodes see the folder."""
    import os
    mode = os.environ.get("HEMICYCLE_CLUSTER_CACHE", "")
    if mode not in ("", "shared", "driver"):
        raise InputError(f"HEMICYCLE_CLUSTER_CACHE={mode}: shared, driver or unset")
    return {"": None, "shared": True, "driver": False}[mode]
