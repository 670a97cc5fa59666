"""The writers stand apart: each output writer imports the model and the shared presentation
and markup modules, never another writer (read from the source with ast, function-local imports
included), and no module of pipeline/write/ passes 400 lines."""
from __future__ import annotations

import ast
from pathlib import Path

WRITE = Path(__file__).resolve().parent.parent / "pipeline" / "write"
WRITERS = {"audiobook", "epub", "web", "vtt", "feed", "archive"}   # one output each


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "pipeline.write":          # from pipeline.write import epub
                found |= {f"pipeline.write.{a.name}" for a in node.names}
    return found


def test_no_writer_imports_another_writer():
    bad = {}
    for path in sorted(WRITE.glob("*.py")):
        used = {m.rpartition(".")[2] for m in _imports(path) if m.startswith("pipeline.write.")}
        others = (used & WRITERS) - {path.stem}
        if others:
            bad[path.stem] = sorted(others)
    assert bad == {}
    # and the writers are there, each a module of its own
    assert WRITERS - {"archive"} <= {p.stem for p in WRITE.glob("*.py")}


def test_write_modules_under_400_lines():
    sizes = {p.name: len(p.read_text("utf-8").splitlines()) for p in WRITE.glob("*.py")}
    assert {n: s for n, s in sizes.items() if s >= 400} == {}
