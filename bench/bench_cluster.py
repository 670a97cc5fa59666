"""Ray vs the local process pool, on the Sénat seed, in one run (issue 16's benchmarks).

    python bench/bench_cluster.py [VOICES_DIR]

VOICES_DIR: the medium bench voices `make bench` generates (as costly as real Piper voices);
without it, an empty folder: the offline engine (far cheaper per sentence, so Ray's per-call
overhead weighs more). Every phase starts from an empty cache; it reports the synthesis (the
build's own figure: "… in X s" of the local pool, "cluster: … in X s" of Ray) and the whole
command (parse to the last output written, Ray's connection included), and for Ray the peak
RSS of one synthesis process (a Ray actor, a local pool's worker). Ray's clusters are ray.cluster_utils.Cluster on this machine.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "senat_territoires-d-industrie.txt"


def _worker_rss_mb() -> int:
    """The largest synthesis process now: a Ray actor or a local pool's worker."""
    ps = subprocess.run(["ps", "-eo", "rss=,args="], capture_output=True, text=True).stdout
    return max([int(l.split()[0]) // 1024 for l in ps.splitlines()
                if "ray::_Synth" in l or "multiprocessing.spawn" in l], default=0)


def _build(tmp: Path, voices: Path, *extra: str) -> dict:
    tmp.mkdir(parents=True)
    peak, done = [0], threading.Event()

    def watch():
        while not done.wait(0.5):
            peak[0] = max(peak[0], _worker_rss_mb())
    threading.Thread(target=watch, daemon=True).start()
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pipeline", "build", str(SEED), "--voices",
                        str(voices), "--cache", str(tmp / "cache"), "--out", str(tmp / "dist"),
                        "--cast", str(tmp / "cast.toml"), *extra],
                       cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    done.set()
    if r.returncode:
        sys.exit(f"bench_cluster: build failed:\n{r.stderr}")
    m = re.search(r"cluster: synthesized .* in ([\d.]+) s", r.stdout) or \
        re.search(r"synthesized \d+ utterances.* in ([\d.]+) s", r.stdout)
    return {"synthesis": float(m.group(1)), "command": wall, "worker_mb": peak[0]}


def _on_ray(tmp: Path, voices: Path, nodes: list[int]) -> dict:
    from ray.cluster_utils import Cluster
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": nodes[0],
                                                      "include_dashboard": False})
    for n in nodes[1:]:
        c.add_node(num_cpus=n)
    c.wait_for_nodes()
    try:
        return _build(tmp, voices, "--cluster", c.address)
    finally:
        c.shutdown()


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        voices = Path(sys.argv[1]) if len(sys.argv) > 1 else tmp / "no-voices"
        voices.mkdir(exist_ok=True)
        t = {"local pool, 2 workers": _build(tmp / "l2", voices, "--workers", "2"),
             "Ray, 1 node × 2 CPUs": _on_ray(tmp / "r2", voices, [2]),
             "Ray, 1 node × 1 CPU": _on_ray(tmp / "r1", voices, [1]),
             "Ray, 2 nodes × 1 CPU": _on_ray(tmp / "r11", voices, [1, 1])}
    print("\nRay vs the local pool, Sénat seed, fresh cache each    synthesis   command  worker RSS")
    for k, v in t.items():
        print(f"  {k:50} {v['synthesis']:7.1f} s {v['command']:7.1f} s  {v['worker_mb']:5d} MB")
    for what in ("synthesis", "command"):
        print(f"Ray overhead vs the local pool (2 CPUs), {what}: "
              f"{(t['Ray, 1 node × 2 CPUs'][what] / t['local pool, 2 workers'][what] - 1) * 100:+.1f} %"
              " (target ≤ 10 %)")
    print(f"two nodes vs one (1 CPU each), synthesis: "
          f"×{t['Ray, 1 node × 1 CPU']['synthesis'] / t['Ray, 2 nodes × 1 CPU']['synthesis']:.2f}"
          " (target ≥ 1.8)")


if __name__ == "__main__":
    main()
