"""TOML files read for pipeline.config: parse errors with their line, and type and range checks
that name the file, the line and the key of a bad value (InputError "FILE:LINE: key: what")."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pipeline.model import InputError

_AT = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def read_toml(path: Path) -> tuple[dict, list[str]]:
    """The file's data and its lines (to name the line of a bad value)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        line = path.read_bytes()[: e.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    try:
        return tomllib.loads(text), text.splitlines()
    except tomllib.TOMLDecodeError as e:
        m = _AT.match(str(e))
        where, msg = (f"{m.group(2)}", f"{m.group(1)} (column {m.group(3)})") if m else ("1", str(e))
        raise InputError(f"{path}:{where}: malformed TOML: {msg}") from None


def _header(line: str) -> tuple[str, ...] | None:
    """The key path of a `[table]` header line, or None."""
    s = line.strip()
    if not s.startswith("[") or s.startswith("[["):
        return None
    try:
        d = tomllib.loads(s)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(d, dict) and len(d) == 1:
        k = next(iter(d))
        path.append(k)
        d = d[k]
    return tuple(path)


_KEY = re.compile(r'^\s*(?:"([^"]*)"|([A-Za-z0-9_-]+))\s*=')


def line_of(lines: list[str], path: tuple[str, ...]) -> int:
    """The line where the value at `path` is written (its table's header, or the line of the
    first key of `path` found there); 1 when not found."""
    best, table = 1, ()
    for n, line in enumerate(lines, 1):
        h = _header(line)
        if h is not None:
            table = h
            if h == path[: len(h)] and len(h) <= len(path):
                best = n
            continue
        m = _KEY.match(line)
        if m and len(table) < len(path) and table == path[: len(table)] \
                and (m.group(1) if m.group(1) is not None else m.group(2)) == path[len(table)]:
            return n
    return best


class Checker:
    """Type and range checks that name the file, the line and the key."""

    def __init__(self, path: Path, lines: list[str]):
        self.path, self.lines = path, lines

    def fail(self, keys: tuple, what: str):
        dotted = ".".join(k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else f'"{k}"' for k in map(str, keys))
        raise InputError(f"{self.path}:{line_of(self.lines, tuple(map(str, keys)))}: "
                         f"{dotted}: {what}")

    def table(self, value, keys: tuple) -> dict:
        if not isinstance(value, dict):
            self.fail(keys, f"expected a table, got {value!r}")
        return value

    def only(self, value: dict, keys: tuple, allowed) -> None:
        for k in value:
            if k not in allowed:
                self.fail(keys + (k,), f"unknown key (known: {', '.join(sorted(allowed))})")

    def number(self, value, keys: tuple, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(keys, f"expected a number between {low:g} and {high:g}, got {value!r}")
        if not low <= value <= high:
            self.fail(keys, f"{value!r} is out of range: between {low:g} and {high:g}")
        return float(value)

    def string(self, value, keys: tuple, choices=None) -> str:
        if not isinstance(value, str) or not value:
            self.fail(keys, f"expected a non-empty string, got {value!r}")
        if choices is not None and value not in choices:
            self.fail(keys, f"{value!r}: expected one of {', '.join(choices)}")
        return value

    def strings(self, value, keys: tuple) -> list[str]:
        if not isinstance(value, list):
            self.fail(keys, f"expected a list of strings, got {value!r}")
        for i, v in enumerate(value):
            if not isinstance(v, str):
                self.fail(keys, f"item {i + 1}: expected a string, got {v!r}")
        return value

    def boolean(self, value, keys: tuple) -> bool:
        if not isinstance(value, bool):
            self.fail(keys, f"expected true or false, got {value!r}")
        return value

    def regex(self, value, keys: tuple) -> str:
        self.string(value, keys)
        try:
            re.compile(value)
        except re.error as e:
            self.fail(keys, f"bad regular expression: {e}")
        return value
