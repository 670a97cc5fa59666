"""French facts used across the stages, in one place: calendar words and dates as written in
French, civility → gender and the typography folded before comparing strings. (The voice
reference format `engine:voice[:speaker id]` lives with its validation, in pipeline.config.)"""
from __future__ import annotations

import datetime

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Civility as printed → grammatical gender of the speaker(s). One vocabulary: "male"/"female".
CIVILITY_GENDER = {
    "M.": "male", "MM.": "male", "Monsieur": "male", "Messieurs": "male",
    "Mme": "female", "Mmes": "female", "Mlle": "female", "Mlles": "female", "Madame": "female",
    "Mesdames": "female",
}
GENDERS = ("male", "female")

# Typography that differs between sources without changing the text: folded before comparing.
APOSTROPHES = "'’‘ʼ"
SPACES = "\u00a0\u202f\u2007\u2009"          # no-break, narrow no-break, figure, thin
_FOLD = str.maketrans({**{c: "'" for c in APOSTROPHES[1:]}, **{c: " " for c in SPACES}})


def fold(text: str) -> str:
    """Typographic apostrophes → "'", no-break and thin spaces → " " (nothing else changed)."""
    return text.translate(_FOLD)


def without_apostrophes(text: str) -> str:
    """For comparing a printed label with a parsed role, where the source may have lost its
    apostrophes ("dÉtat" / "d’État")."""
    return "".join(ch for ch in text if ch not in APOSTROPHES)


def gender_of(civility: str | None) -> str | None:
    return CIVILITY_GENDER.get((civility or "").strip())


def french_date(iso: str | None) -> str | None:
    """"2013-02-04" → "lundi 4 février 2013" ("1er" for the first day); None when no date; a
    string that is not an ISO date is returned as it is."""
    if not iso:
        return None
    try:
        d = datetime.date.fromisoformat(iso)
    except ValueError:
        return iso
    day = "1er" if d.day == 1 else str(d.day)
    return f"{WEEKDAYS[d.weekday()]} {day} {MONTHS[d.month - 1]} {d.year}"
