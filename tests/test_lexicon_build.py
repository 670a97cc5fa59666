"""The user's lexicon reaches what is spoken, never what is shown, and a bad one stops a build
before anything is made."""
import os
import subprocess
import sys

from pipeline.config import load_lexicon
from pipeline.parse import parse_text
from pipeline.segment import segment

TEXT = "M. le président. La parole est à M. Lemorton.\nM. Lemorton. Merci, monsieur le président.\n"


def test_lexicon_changes_the_spoken_form_only(tmp_path):
    lex = tmp_path / "lexicon.tsv"
    lex.write_text("Lemorton\tleu mortonne\n", "utf-8")
    debate = parse_text(TEXT)
    plain = segment(debate)
    mine = segment(debate, load_lexicon(lex))
    assert [u.text for u in plain] == [u.text for u in mine]          # shown as printed
    assert any("leu mortonne" in u.spoken for u in mine)
    assert not any("leu mortonne" in u.spoken for u in plain)


def test_a_bad_lexicon_stops_the_build_in_one_line(tmp_path):
    src = tmp_path / "seance.txt"
    src.write_text(TEXT, "utf-8")
    lex = tmp_path / "lexicon.tsv"
    lex.write_text("Lemorton sans tabulation\n", "utf-8")
    env = {**os.environ, "HEMICYCLE_LEXICON": str(lex)}
    p = subprocess.run([sys.executable, "-m", "pipeline", "build", str(src), "--out",
                        str(tmp_path / "dist"), "--cache", str(tmp_path / "cache")],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and p.stderr.startswith(f"hemicycle: error: {lex}:1:")
    assert not (tmp_path / "dist" / "seance").exists()
