"""French facts used across the stages, in one place: calendar words and dates as written in
French, civility → gender and the typography folded before comparing strings. (The voice
reference format `engine:voice[:speaker id]` lives with its validation, in pipeline.config.)"""
from __future__ import annotations

import datetime
import re
import unicodedata
from functools import lru_cache

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


# The role's grammatical gender. Only its head counts ("président de la commission chargée de…":
# "chargée" is the commission's): the words before its first complement.
_ROLE_HEAD = re.compile(r"\s(?:de|du|des|auprès|aux?|pour|en)\s|,")
_ROLE_FEMALE = re.compile(r"\b(?:(?:vice-)?présidente|rapporteure|rapporteuse|déléguée|chargée|"
                          r"doyenne|questeure|députée|sénatrice|première|la)\b")
_ROLE_MALE = re.compile(r"\b(?:(?:vice-)?président|rapporteur|délégué|chargé|doyen|questeur|"
                        r"député|sénateur|premier|le)\b")
# The Sénat long wrote its own offices in the masculine for women too ("Mme le président",
# "Mme le rapporteur"): there, only the government's titles are evidence of a man.
_SENAT_OWN_OFFICES = re.compile(r"\b(?:(?:vice-)?président|rapporteur|doyen|questeur|sénateur)\b")


def role_sex(role: str, chamber: str | None = None) -> str | None:
    """"présidente", "la ministre", "ministre déléguée auprès de…" → "female"; "président",
    "ministre chargé des transports" → "male"; "ministre de l'intérieur" → None."""
    head = _ROLE_HEAD.split(fold(role).strip().lower(), maxsplit=1)[0]
    female, male = bool(_ROLE_FEMALE.search(head)), bool(_ROLE_MALE.search(head))
    if male and chamber == "Sénat" and not _ROLE_MALE.search(_SENAT_OWN_OFFICES.sub("", head)):
        male = False
    return "female" if female and not male else "male" if male and not female else None


_NAM_SEX = {"M": "male", "1M": "mostly_male", "?M": "mostly_male", "F": "female",
            "1F": "mostly_female", "?F": "mostly_female", "?": "andy"}


@lru_cache(maxsize=1)
def _first_names() -> dict[str, str]:
    """First name → what the lexicon says of it in France: "male", "female", "mostly_male",
    "mostly_female" or "andy". The lexicon is gender-guesser's first-name dictionary (Jörg
    Michael's nam_dict.txt, GNU FDL; the package is a dependency, its data is not copied here),
    read as its Detector reads it for country "france" (the sex with the highest French
    frequency, the first in the file on a tie), only faster: the Detector's own loader takes
    seconds, this reads the French column once."""
    from importlib import resources

    from gender_guesser.detector import Detector
    col = 30 + Detector.COUNTRIES.index("france")
    best: dict[str, tuple[int, str]] = {}
    text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text("utf-8")
    for line in text.splitlines():
        if not line or line[0] in "#=" or len(line) <= col:
            continue
        count = ord(line[col]) - 32
        code, name = line.split()[:2]
        for n in ({name.replace("+", r) for r in ("", " ", "-")} if "+" in name else {name}):
            if n not in best or count > best[n][0]:
                best[n] = (count, _NAM_SEX[code])
    return {n: g for n, (c, g) in best.items() if c > 0}


def _unaccented(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def first_name_sex(name: str) -> str | None:
    """The sex a French first name says: "male"/"female" only when the lexicon gives that sex
    for France without doubt; None for names it holds mixed or mostly one sex ("Dominique",
    "Claude", "Camille", "Céleste") and names it does not know. A compound name ("Jean-Marie",
    "Marie-Christine") is what its parts say when those that answer agree."""
    words = name.split()
    if not words:
        return None
    found = set()
    for part in words[0].split("-"):
        part = part[:1].upper() + part[1:].lower()
        g = _first_names().get(part) or _first_names().get(_unaccented(part))
        if g in GENDERS:
            found.add(g)
        elif g == "andy" or len(words[0].split("-")) == 1:
            return None
    return found.pop() if len(found) == 1 else None


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
