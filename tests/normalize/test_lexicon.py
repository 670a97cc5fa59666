"""The user lexicon: validated by pipeline.config, passed to normalize(), winning over the
packaged entries; and `hemicycle normalize` reading it (one line out per line in, bad
lexicon or input = one line on stderr, exit 2, nothing on stdout)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import lexicon_path, load_lexicon
from pipeline.model import InputError
from pipeline.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]


def _lexicon(tmp_path, text: str | bytes) -> Path:
    path = tmp_path / "lexicon.tsv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_user_entries_win_over_the_packaged_ones(tmp_path):
    lexicon = load_lexicon(_lexicon(tmp_path, "# comment\nZAN\tzéro artificialisation nette\n"
                                              "Foobar\tfou bar\nM.\tmossieu\n"))
    assert lexicon == {"ZAN": "zéro artificialisation nette", "Foobar": "fou bar", "M.": "mossieu"}
    assert normalize("le ZAN et Foobar", lexicon) == "le zéro artificialisation nette et fou bar"
    assert normalize("les EPCI de M. Dupont", lexicon) == "les E P C I de mossieu Dupont"
    assert normalize("le ZAN") == "le zane"            # None: built-in entries only
    other = {"ZAN": "zanzibar"}                        # another lexicon, then the first again
    assert [normalize("le ZAN", lex) for lex in (other, lexicon, other, {})] == [
        "le zanzibar", "le zéro artificialisation nette", "le zanzibar", "le zane"]


def test_normalize_reads_no_lexicon_from_the_working_directory(tmp_path, monkeypatch):
    _lexicon(tmp_path, "ZAN\tzanzibar\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEMICYCLE_LEXICON", str(tmp_path / "lexicon.tsv"))
    assert normalize("le ZAN") == "le zane"
    assert normalize("le ZAN", load_lexicon(lexicon_path())) == "le zanzibar"


def test_lexicon_path_lookup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert lexicon_path({}) is None
    _lexicon(tmp_path, "ZAN\tzanzibar\n")
    assert lexicon_path({}) == Path("lexicon.tsv")
    other = tmp_path / "other.tsv"
    other.write_text("ZAN\tz\n", encoding="utf-8")
    assert lexicon_path({"HEMICYCLE_LEXICON": str(other)}) == other
    with pytest.raises(InputError, match=r"HEMICYCLE_LEXICON=.*missing\.tsv: no such file"):
        lexicon_path({"HEMICYCLE_LEXICON": str(tmp_path / "missing.tsv")})


@pytest.mark.parametrize("text, message", [
    (b"ZAN\tzane\n\xe9t\xe9\t\xe9t\xe9\n", r"lexicon.tsv:2: not UTF-8 text"),
    ("ZAN zane\n", r"lexicon.tsv:1: expected `written<TAB>spoken`"),
    ("ZAN\tzane\tde trop\n", r"lexicon.tsv:1: expected `written<TAB>spoken`"),
    ("# ok\n\nZAN\t\n", r"lexicon.tsv:3: expected `written<TAB>spoken`"),
    ("ZAN\tzane\nZAN\tzan\n", r"lexicon.tsv:2: 'ZAN' already given on line 1"),
    ("Tardy\t[[tard'i]\n", r"lexicon.tsv:1: unclosed or nested \[\[phonemes\]\]"),
    ("Tardy\t[[taʁdi]]\n", r"lexicon.tsv:1: 'ʁ' in \[\[taʁdi\]\] is no French espeak phoneme"),
    ("[[x]]\tx\n", r"lexicon.tsv:1: brackets in the written form"),
])
def test_bad_lexicon_is_one_input_error(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_lexicon(_lexicon(tmp_path, text))


def _cli(tmp_path, stdin: bytes, **env):
    return subprocess.run([sys.executable, "-m", "pipeline", "normalize"], cwd=tmp_path,
                          input=stdin, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_cli_uses_the_lexicon_of_the_working_directory(tmp_path):
    _lexicon(tmp_path, "Tardy\t[[tard'i]]\nZAN\tzanzibar\n")
    p = _cli(tmp_path, "M. Tardy.\n\nle ZAN, n°39\n".encode())
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().split("\n") == ["Monsieur [[tard'i]].", "", "le zanzibar, numéro trente-neuf", ""]


@pytest.mark.parametrize("lexicon, env, stdin, message", [
    ("ZAN zane\n", {}, b"x\n",
     "hemicycle: error: lexicon.tsv:1: expected `written<TAB>spoken`, got 'ZAN zane'"),
    (None, {"HEMICYCLE_LEXICON": "nowhere.tsv"}, b"x\n",
     "hemicycle: error: HEMICYCLE_LEXICON=nowhere.tsv: no such file"),
    (None, {}, b"ok\n\xff\n", "hemicycle: error: <stdin>:2: not UTF-8 text"),
])
def test_cli_bad_input_one_line_exit_2_nothing_written(tmp_path, lexicon, env, stdin, message):
    if lexicon is not None:
        _lexicon(tmp_path, lexicon)
    p = _cli(tmp_path, stdin, **env)
    assert (p.returncode, p.stdout, p.stderr.decode().splitlines()) == (2, b"", [message])


def test_cli_never_drops_a_line_not_even_a_huge_number(tmp_path):
    lines = ["avant", "1" * 5000, "9" * 4301 + " €", "0," + "5" * 4400 + " %", "après", "\x0cformfeed"]
    p = _cli(tmp_path, "\n".join(lines).encode() + b"\n")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode().split("\n")[:-1]
    assert len(out) == len(lines) and out[0] == "avant" and out[4] == "après"
    assert out[1] == " ".join(["un"] * 5000)
    assert out[2] == " ".join(["neuf"] * 4301) + " euros"
    assert out[3].startswith("zéro virgule cinq cinq") and out[3].endswith("cinq pour cent")
