"""User lexicon overrides the packaged lexicons."""
import pytest

from pipeline.normalize import acronym, normalize


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.delenv("HEMICYCLE_LEXICON", raising=False)
    monkeypatch.chdir(tmp_path)
    acronym._entries.cache_clear()
    yield tmp_path
    acronym._entries.cache_clear()


def test_env_lexicon_overrides_default(fresh, monkeypatch):
    path = fresh / "mine.tsv"
    path.write_text("# comment\nZAN\tzéro artificialisation nette\nFoobar\tfou bar\n", encoding="utf-8")
    monkeypatch.setenv("HEMICYCLE_LEXICON", str(path))
    assert normalize("le ZAN et Foobar") == "le zéro artificialisation nette et fou bar"


def test_cwd_lexicon_is_used(fresh):
    (fresh / "lexicon.tsv").write_text("EPCI\tépci\nM.\tmossieu\n", encoding="utf-8")
    assert normalize("les EPCI de M. Dupont") == "les épci de mossieu Dupont"


def test_defaults_without_user_lexicon(fresh):
    assert normalize("le ZAN") == "le zane"
