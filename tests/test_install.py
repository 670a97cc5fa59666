"""Installable, not only runnable from a checkout: `pip install .` (not editable) into a fresh
venv, then `hemicycle build` and `hemicycle cast` run from another folder, with the package's own
data (catalog, seeds' cast, word lists, rules, page templates) and no file of the checkout."""
import json
import os
import subprocess
import sys
import sysconfig

from conftest import ROOT, SENAT, excerpt


def _source_copy(dest):
    """The project's files (tracked or new, not ignored) copied out: pip's build writes no file
    into the checkout."""
    import shutil
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file() and not name.startswith(("tests/", "bench/", "docs/")):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def test_pip_install_then_build_and_cast_elsewhere(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    # The dependencies come from this environment (already downloaded); the project itself is
    # built and installed the ordinary way.
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (venv / site.split(str(venv) + "/", 1)[1] / "deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    src = _source_copy(tmp_path / "src")
    p = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(src)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HEMICYCLE_VOICES")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    where = subprocess.run([str(py), "-c", "import pipeline; print(pipeline.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where
    hemicycle = str(venv / "bin" / "hemicycle")
    seed = excerpt(SENAT, work / "senat.txt", 6)

    p = subprocess.run([hemicycle, "build", "senat.txt", "--out", "dist", "--engine", "mbrola"],
                       cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    out = work / "dist" / seed.stem
    for name in ("senat.m4b", "senat.mp3", "senat.epub", "senat.vtt", "index.html"):
        assert (out / name).stat().st_size > 1000, name
    assert (work / "dist" / "feed.xml").exists()

    p = subprocess.run([hemicycle, "cast", "senat.txt", "--json", "--engine", "mbrola"], cwd=work,
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    cast = json.loads(p.stdout)
    # The shipped cast is used: the chair and the narrator keep the seeds' voices.
    assert cast["__narrator__"]["voice"] == "fr6" and cast["M. le président."]["voice"] == "fr1"
