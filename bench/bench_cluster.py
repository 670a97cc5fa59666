"""Ray vs the local process pool, on the Sénat seed, in one run (issue 16's benchmarks).

    python bench/bench_cluster.py [VOICES_DIR]

VOICES_DIR: the medium bench voices `make bench` generates (as costly as real Piper voices);
without it, an empty folder: the offline engine (far cheaper per sentence, so Ray's per-call
overhead weighs more). Every phase starts from an empty cache and times the synthesis alone
(the build's own figure: "… in X s" of the local pool, "cluster: … in X s" of Ray), so the
ratios compare like with like. Ray's clusters are ray.cluster_utils.Cluster on this machine.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "senat_territoires-d-industrie.txt"


def _build(tmp: Path, voices: Path, *extra: str) -> float:
    tmp.mkdir(parents=True)
    r = subprocess.run([sys.executable, "-m", "pipeline", "build", str(SEED), "--voices",
                        str(voices), "--cache", str(tmp / "cache"), "--out", str(tmp / "dist"),
                        "--cast", str(tmp / "cast.toml"), *extra],
                       cwd=ROOT, capture_output=True, text=True, check=True)
    m = re.search(r"cluster: synthesized .* in ([\d.]+) s", r.stdout) or \
        re.search(r"synthesized \d+ utterances.* in ([\d.]+) s", r.stdout)
    return float(m.group(1))


def _on_ray(tmp: Path, voices: Path, nodes: list[int]) -> float:
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
    for k, v in t.items():
        print(f"{k:24} {v:7.1f} s")
    print(f"Ray overhead vs the local pool (2 CPUs): "
          f"{(t['Ray, 1 node × 2 CPUs'] / t['local pool, 2 workers'] - 1) * 100:+.0f} %")
    print(f"two nodes vs one (1 CPU each): "
          f"×{t['Ray, 1 node × 1 CPU'] / t['Ray, 2 nodes × 1 CPU']:.2f}")


if __name__ == "__main__":
    main()
