"""Lexicons are data: TSV files in data/, overridable by a user lexicon.

Format of every file: one entry per line, `written<TAB>spoken[<TAB>extra…]`;
blank lines and lines starting with # are ignored.  The user lexicon
(`lexicon.tsv` in the working directory, or the file named by HEMICYCLE_LEXICON)
uses `written<TAB>spoken` and wins over every default entry.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path


def _parse(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append([field.strip() for field in line.rstrip("\n").split("\t")])
    return rows


@lru_cache(maxsize=None)
def table(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a packaged data file, e.g. table("units.tsv")."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tuple(tuple(r) for r in _parse(text))


def words(name: str) -> frozenset[str]:
    """First column of a packaged word list."""
    return frozenset(r[0] for r in table(name))


def user_lexicon_path() -> Path | None:
    env = os.environ.get("HEMICYCLE_LEXICON")
    if env:
        return Path(env)
    local = Path("lexicon.tsv")
    return local if local.is_file() else None


def user_entries() -> dict[str, str]:
    path = user_lexicon_path()
    if path is None or not path.is_file():
        return {}
    return {r[0]: r[1] for r in _parse(path.read_text(encoding="utf-8")) if len(r) >= 2 and r[0]}


def trie_pattern(keys) -> str:
    """One regex alternation for many literal keys, factored by common prefixes.

    Python's re tries alternatives one by one; a trie makes a position that
    starts no key fail after one character, which keeps lexicon passes fast.
    Longer keys are preferred (greedy optional groups).
    """
    root: dict = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return build(root)
