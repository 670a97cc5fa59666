"""`build --cluster`: real Ray, a cluster of two nodes of one CPU each on this machine (Ray's own
ray.cluster_utils.Cluster). The outputs are byte-identical to a local build of the same inputs,
also when a synthesis actor's worker process is killed mid-run (Ray restarts it and retries)
and when the driver itself is killed and the command run again."""
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import AN, FIXTURE_VOICES, ROOT, SENAT, excerpt, unshare

OUTPUTS = ("{s}.m4b", "{s}.mp3", "{s}.epub", "{s}.vtt", "{s}.chapters.json", "index.html",
           "episode.json", "cover.png")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    """Two nodes of one CPU; the head also serves Ray Client (ray://) on `client_port`."""
    from ray.cluster_utils import Cluster
    port = _free_port()
    c = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False, "ray_client_server_port": port})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    c.client_port = port
    yield c
    c.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("cluster-in")
    return [excerpt(SENAT, d / "senat_extrait.txt", 7), excerpt(AN, d / "an_extrait.txt", 9)]


def build(d, files, *extra, cache_mode=None, **env):
    (d / "voices").mkdir(exist_ok=True)          # empty: the offline engine
    env = {**os.environ, "HEMICYCLE_CLUSTER_CACHE": cache_mode or "", **env}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", *files, "--voices", d / "voices",
         "--cache", d / "cache", "--out", d / "dist", "--cast", d / "cast.toml", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(p):
    out, err = p.communicate(timeout=900)
    assert p.returncode == 0, err
    return out


LOCAL = {}                 # what the local build synthesized


@pytest.fixture(scope="module")
def local(tmp_path_factory, inputs):
    d = tmp_path_factory.mktemp("local")
    out = finish(build(d, inputs))
    LOCAL['utterances'] = sum(int(n) for n in re.findall(r"synthesized (\d+) utterances", out))
    return d / "dist"


def same_outputs(a, b, files):
    for f in files:
        for name in OUTPUTS:
            name = name.format(s=f.stem)
            assert (a / f.stem / name).read_bytes() == (b / f.stem / name).read_bytes(), name


@pytest.mark.parametrize("mode, where, writers", [
    ("driver", "returned to the driver's cache", 1),
    ("shared", "written by the nodes into the shared cache", 2)])
def test_cluster_build_is_the_local_build(cluster, inputs, local, tmp_path, mode, where,
                                          writers):
    """Both ways the results reach the cache: returned to the driver, or written by the nodes
    into a cache folder they share with it (here the same disk, as an NFS mount would be). The
    debates are then written by Ray tasks: on the driver's node when the results came back to
    it, on every node when they all see the cache and out folder."""
    out = finish(build(tmp_path, inputs, "--cluster", cluster.address, cache_mode=mode))
    assert f"cluster: synthesized {LOCAL['utterances']} utterances on 2 actors" in out
    assert where in out
    assert f"cluster: 2 debates written on {writers} node(s)" in out
    assert not list((tmp_path / "dist").glob(".cluster-probe-*"))
    assert not list((tmp_path / "cache").glob(".cluster-probe-*"))
    # Every utterance came from the cluster: the local builds only read the cache.
    for f in inputs:
        assert f"{f.stem}: synthesized 0 utterances" in out
    same_outputs(local, tmp_path / "dist", inputs)
    again = finish(build(tmp_path, inputs, "--cluster", cluster.address))
    assert "cluster: every utterance already in the cache" in again
    assert all(f"{f.stem}: up to date" in again for f in inputs)


def _actor_pids(name="ray::_Synth") -> list[int]:
    ps = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return [int(l.split()[0]) for l in ps.splitlines() if name in l.split(None, 1)[1]]


def test_killed_writing_task_the_run_completes_identical(cluster, inputs, local, tmp_path):
    """SIGKILL of the process writing a debate (a Ray task): Ray runs the task again, which
    clears what the killed one left and writes the same outputs."""
    p = build(tmp_path, inputs, "--cluster", cluster.address)
    deadline, killed = time.monotonic() + 300, None
    while killed is None and p.poll() is None and time.monotonic() < deadline:
        if pids := _actor_pids("ray::_finish"):
            os.kill(pids[0], signal.SIGKILL)
            killed = pids[0]
        time.sleep(0.02)
    out = finish(p)
    assert killed, "no writing task was seen running"
    assert "cluster: 2 debates written" in out
    same_outputs(local, tmp_path / "dist", inputs)
    assert not list((tmp_path / "dist").glob("*/.hemicycle-tmp*"))


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


def test_the_user_lexicon_reaches_the_cluster(cluster, inputs, local, tmp_path):
    """The cluster synthesizes the sentences as the user's lexicon says them: the debates'
    builds then find all of them in the cache."""
    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text("Darcos\tDarkoss\n", "utf-8")         # in the Sénat excerpt only
    out = finish(build(tmp_path, inputs, "--cluster", cluster.address,
                       HEMICYCLE_LEXICON=str(lexicon)))
    for f in inputs:
        assert f"{f.stem}: synthesized 0 utterances" in out
    senat, an = (f.stem for f in inputs)
    assert (local / senat / f"{senat}.m4b").read_bytes() != \
        (tmp_path / "dist" / senat / f"{senat}.m4b").read_bytes()
    assert (local / an / f"{an}.m4b").read_bytes() == \
        (tmp_path / "dist" / an / f"{an}.m4b").read_bytes()


def _entries(cache) -> int:
    """Audio entries of the cache: not its memo of model digests, nor the temp file of a write
    the kill interrupted (".<key>.part-…pcm")."""
    return len([e for e in cache.glob("??/*.pcm") if not e.name.startswith(".")])


def test_killed_driver_the_command_run_again_finishes_identical(cluster, inputs, local, tmp_path):
    """SIGKILL of the driver while the cluster synthesizes: the utterances already returned
    are in its cache, the command run again synthesizes only the others."""
    p = build(tmp_path, inputs, "--cluster", cluster.address, cache_mode="driver")
    deadline = time.monotonic() + 300
    while p.poll() is None and time.monotonic() < deadline:
        if (tmp_path / "cache").exists() and _entries(tmp_path / "cache") >= 3:
            p.kill()
            break
        time.sleep(0.05)
    p.communicate()
    assert p.returncode == -signal.SIGKILL, "the driver ended before it could be killed"
    before = _entries(tmp_path / "cache")      # raw audio only: nothing was mastered yet
    assert 3 <= before < LOCAL['utterances']
    out = finish(build(tmp_path, inputs, "--cluster", cluster.address))
    again = int(re.search(r"cluster: synthesized (\d+) utterances", out).group(1))
    assert again == LOCAL['utterances'] - before
    same_outputs(local, tmp_path / "dist", inputs)
    assert not list((tmp_path / "dist").glob(".cluster-probe-*"))


def test_one_progress_display_for_the_run(cluster, inputs, tmp_path):
    """On a terminal: one live line for the whole run, all the debates' utterances and then
    the debates written, with hours of audio and an ETA."""
    primary, secondary = pty.openpty()
    (tmp_path / "voices").mkdir()
    p = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", *inputs, "--voices", tmp_path / "voices",
         "--cache", tmp_path / "cache", "--out", tmp_path / "dist", "--cast",
         tmp_path / "cast.toml", "--cluster", cluster.address],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=secondary, text=True,
        env={**os.environ, "TERM": "xterm"})      # a terminal that draws (not TERM=dumb)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:                    # EIO: the build closed its terminal
            break
        if not chunk:
            break
        seen += chunk
    out, _ = p.communicate(timeout=600)
    assert p.returncode == 0
    n = int(re.search(r"cluster: synthesized (\d+) utterances", out).group(1))
    lines = set(re.findall(r"debates \d/2 written · utterances \d+/\d+ · [\d.]+ h audio · ETA "
                           r"[\d:?]+(?: \+ writing)?", seen.decode("utf-8", "replace")))
    assert any(f"debates 0/2 written · utterances {n}/{n}" in l for l in lines), lines
    assert any(f"debates 0/2 written · utterances 0/{n}" in l for l in lines), lines
    assert any(re.search(r"utterances [1-9]\d*/\d+ .* ETA \d+:\d\d:\d\d \+ writing$", l)
               for l in lines), lines


def test_progress_in_a_log_is_a_plain_line(capsys):
    """Not on a terminal (a cluster job's log): the same words, a plain line at most every
    EVERY seconds."""
    from pipeline.progress import RunProgress
    r = RunProgress(2, 3)
    r.EVERY = 0.0
    for _ in range(3):
        r.synthesized(22050 * 36)
    r.wrote()
    r.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("hemicycle: debates 0/2 written · utterances 1/3 · 0.01 h audio"
                               " · ETA 0:00:")
    assert lines[-1].startswith("hemicycle: debates 1/2 written · utterances 3/3 · 0.03 h audio")
    r = RunProgress(2, 3)                  # the default: nothing within the first minute
    r.synthesized(1)
    assert capsys.readouterr().err == ""


def test_no_node_sees_the_folders_the_driver_writes(inputs, local, tmp_path):
    """write_all with no node: the driver finishes the debates itself, same outputs."""
    from pipeline.build import plan
    from pipeline.cache import Cache
    from pipeline.cluster import write_all
    from pipeline.progress import RunProgress
    (tmp_path / "voices").mkdir()
    cache = Cache(tmp_path / "cache")
    plans = [plan(f, tmp_path / "dist", tmp_path / "voices", None, cache, tmp_path / "cast.toml")
             for f in inputs]
    results = write_all(None, plans, cache, [], False, RunProgress(2, 0, enabled=False))
    assert sum(r.stats.synthesized for r in results) == LOCAL['utterances']
    same_outputs(local, tmp_path / "dist", inputs)


def test_through_ray_client_a_driver_the_nodes_cannot_see(cluster, inputs, tmp_path):
    """ray://: the driver runs in a private mount namespace, its voices, cache and out folder
    on a tmpfs no node sees (as on a laptop driving a remote cluster). Its package and Piper
    voices go to the nodes through Ray, the audio comes back, the driver writes: the outputs
    are those of a local build with the same voices."""
    here = tmp_path / "local"
    shutil.copytree(FIXTURE_VOICES, here / "voices")
    finish(subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", *inputs, "--voices", here / "voices",
         "--cache", here / "cache", "--out", here / "dist", "--cast", here / "cast.toml"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    priv, kept = tmp_path / "private", tmp_path / "kept"
    priv.mkdir()
    files = " ".join(str(f) for f in inputs)
    script = (f"mount -t tmpfs none {priv}; cp -r {FIXTURE_VOICES} {priv}/voices; "
              f"{sys.executable} -m pipeline build {files} --voices {priv}/voices "
              f"--cache {priv}/cache --out {priv}/dist --cast {priv}/cast.toml "
              f"--cluster ray://127.0.0.1:{cluster.client_port}; cp -r {priv}/dist {kept}")
    p = subprocess.run([*unshare(), "sh", "-ec", script],
                       capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert p.returncode == 0, p.stderr
    assert "on 2 actors" in p.stdout and "returned to the driver's cache" in p.stdout
    assert ("cluster: 2 debates written on no node(s), by the driver (no node sees the cache "
            "and out folders)") in p.stdout
    assert not list(priv.iterdir())            # nothing of the driver's reached this side
    same_outputs(here / "dist", kept, inputs)


def test_an_engine_failing_on_a_node_is_one_line(cluster, inputs, tmp_path):
    """A Piper voice that its node cannot load (here a damaged model file): the engine's error
    as a local build says it, one line, exit 1, and no output written."""
    voices = tmp_path / "voices"
    shutil.copytree(FIXTURE_VOICES, voices)
    for model in voices.glob("*.onnx"):
        model.write_bytes(b"not an onnx model" * 100)
    p = build(tmp_path, inputs, "--cluster", cluster.address, "--voices", voices)
    out, err = p.communicate(timeout=600)
    assert p.returncode == 1, err
    assert err.count("\n") == 1 and err.startswith("hemicycle: error: piper voice fr_FR-test"), err
    assert "Traceback" not in err and not list((tmp_path / "dist").glob("*/*.m4b"))


@pytest.mark.parametrize("address, message", [
    ("127.0.0.1:1", "--cluster 127.0.0.1:1: no Ray cluster answers there (Connection refused)"),
    ("nowhere", "--cluster nowhere: not auto, ray://HOST:PORT nor HOST:PORT"),
])
def test_unreachable_cluster_is_one_line(inputs, tmp_path, address, message):
    p = build(tmp_path, inputs[:1], "--cluster", address)
    out, err = p.communicate(timeout=120)
    assert (p.returncode, err) == (2, f"hemicycle: error: {message}\n")
    assert not (tmp_path / "dist").exists()


def test_a_lost_head_is_one_line_and_the_synthesized_stays_in_the_cache(tmp_path):
    """The head of the cluster stopped mid-synthesis (its processes killed): one line, at once
    (not Ray's minute of retries and its pages of logs), and every sentence synthesized so far
    is a complete entry of the cache, reused by the next build."""
    from ray.cluster_utils import Cluster

    from pipeline.cache import Cache
    c = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False, "gcs_server_port": _free_port()})
    try:
        c.add_node(num_cpus=1)
        c.wait_for_nodes()
        src = excerpt(SENAT, tmp_path / "senat_long.txt", 40)
        p = build(tmp_path, [src], "--cluster", c.address)
        deadline = time.monotonic() + 600
        while len(list((tmp_path / "cache").glob("??/*.pcm"))) < 2 and p.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert p.poll() is None, p.communicate()
        c.head_node.kill_all_processes(check_alive=False, allow_graceful=False)
        lost = time.monotonic()
        out, err = p.communicate(timeout=300)
        assert time.monotonic() - lost < 30, err
        assert p.returncode == 1, err
        assert err.count("\n") == 1 and err.startswith(
            f"hemicycle: error: --cluster {c.address}: the Ray cluster's head stopped "
            "answering; what was synthesized is in the cache"), err
        cache = Cache(tmp_path / "cache")
        entries = list((tmp_path / "cache").glob("??/*.pcm"))
        assert len(entries) >= 2 and all(cache.read(e) is not None for e in entries)
    finally:
        c.shutdown()


def test_an_unforeseen_error_in_one_file_is_one_line_on_a_cluster(cluster, inputs, tmp_path):
    """As a local build (issue 26 item 2): a file whose name holds a Latin-1 byte and a control
    character broke the planning with a traceback; now at most one line names it, the other
    files are built on the cluster and the feed is written."""
    bad = tmp_path / os.fsdecode(b"s\xe9ance\x01.txt")
    shutil.copy(inputs[0], bad)
    p = build(tmp_path, [bad, inputs[1]], "--cluster", cluster.address)
    out, err = p.communicate(timeout=600)
    assert p.returncode in (0, 2) and "Traceback" not in err, err
    assert len([l for l in err.splitlines() if "error" in l]) <= 1, err
    assert f"{inputs[1].stem}: synthesized" in out and "podcast feed:" in out, (out, err)
