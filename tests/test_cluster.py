"""`build --cluster`: real Ray, a cluster of two nodes of one CPU each on this machine (Ray's own
ray.cluster_utils.Cluster). The outputs are byte-identical to a local build of the same inputs,
also when a synthesis actor's worker process is killed mid-run (Ray restarts it and retries)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import AN, ROOT, SENAT, excerpt

OUTPUTS = ("{s}.m4b", "{s}.mp3", "{s}.epub", "{s}.vtt", "{s}.chapters.json", "index.html",
           "episode.json", "cover.png")


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    yield c
    c.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("cluster-in")
    return [excerpt(SENAT, d / "senat_extrait.txt", 7), excerpt(AN, d / "an_extrait.txt", 9)]


def build(d, files, *extra, cache_mode=None):
    (d / "voices").mkdir(exist_ok=True)          # empty: the offline engine
    env = {**os.environ, "HEMICYCLE_CLUSTER_CACHE": cache_mode or ""}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", *files, "--voices", d / "voices",
         "--cache", d / "cache", "--out", d / "dist", "--cast", d / "cast.toml", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(p):
    out, err = p.communicate(timeout=900)
    assert p.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def local(tmp_path_factory, inputs):
    d = tmp_path_factory.mktemp("local")
    finish(build(d, inputs))
    return d / "dist"


def same_outputs(a, b, files):
    for f in files:
        for name in OUTPUTS:
            name = name.format(s=f.stem)
            assert (a / f.stem / name).read_bytes() == (b / f.stem / name).read_bytes(), name


@pytest.mark.parametrize("mode, where", [
    ("driver", "returned to the driver's cache"),
    ("shared", "written by the nodes into the shared cache")])
def test_cluster_build_is_the_local_build(cluster, inputs, local, tmp_path, mode, where):
    """Both ways the results reach the cache: returned to the driver, or written by the nodes
    into a cache folder they share with it (here the same disk, as an NFS mount would be)."""
    out = finish(build(tmp_path, inputs, "--cluster", cluster.address, cache_mode=mode))
    assert "cluster: synthesized" in out and "on 2 actors" in out and where in out
    # Every utterance came from the cluster: the local builds only read the cache.
    for f in inputs:
        assert f"{f.stem}: synthesized 0 utterances" in out
    same_outputs(local, tmp_path / "dist", inputs)
    again = finish(build(tmp_path, inputs, "--cluster", cluster.address))
    assert "cluster: every utterance already in the cache" in again
    assert all(f"{f.stem}: up to date" in again for f in inputs)


def _actor_pids() -> list[int]:
    ps = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return [int(l.split()[0]) for l in ps.splitlines() if "ray::_Synth" in l]


def test_killed_worker_the_run_completes_identical(cluster, inputs, local, tmp_path):
    p = build(tmp_path, inputs, "--cluster", cluster.address)
    deadline, killed, during = time.monotonic() + 300, None, False
    while killed is None and p.poll() is None and time.monotonic() < deadline:
        cached = list((tmp_path / "cache").rglob("*")) if (tmp_path / "cache").exists() else []
        pids = _actor_pids()
        if pids and len([c for c in cached if c.is_file()]) >= 3:   # mid-synthesis
            os.kill(pids[0], signal.SIGKILL)
            # Before any debate was written: still in the cluster's synthesis.
            killed, during = pids[0], not list((tmp_path / "dist").glob("*/episode.json"))
        time.sleep(0.05)
    out = finish(p)
    assert killed, "no synthesis actor was seen running"
    assert during, "killed after the cluster's synthesis ended"
    assert "cluster: synthesized" in out
    same_outputs(local, tmp_path / "dist", inputs)


@pytest.mark.parametrize("address, message", [
    ("127.0.0.1:1", "--cluster 127.0.0.1:1: no Ray cluster answers there (Connection refused)"),
    ("nowhere", "--cluster nowhere: not auto, ray://HOST:PORT nor HOST:PORT"),
])
def test_unreachable_cluster_is_one_line(inputs, tmp_path, address, message):
    p = build(tmp_path, inputs[:1], "--cluster", address)
    out, err = p.communicate(timeout=120)
    assert (p.returncode, err) == (2, f"hemicycle: error: {message}\n")
    assert not (tmp_path / "dist").exists()
