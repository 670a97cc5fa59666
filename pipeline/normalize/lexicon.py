"""Lexicons are data: TSV files in data/, overridable by a user lexicon.

Format of every file: one entry per line, `written<TAB>spoken[<TAB>extra…]`;
blank lines and lines starting with # are ignored.  The user lexicon
(`written<TAB>spoken`) is found and validated by pipeline.config.load_lexicon
and passed to normalize(): nothing here reads the user's files or environment.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


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


def codepoints(field: str) -> str:
    """A data field written as code points: "U+00A0" -> NBSP, "U+0073 U+0074" -> "st",
    "-" -> ""; any other field is itself."""
    if field == "-":
        return ""
    if field.startswith("U+"):
        return "".join(chr(int(c[2:], 16)) for c in field.split())
    return field


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
