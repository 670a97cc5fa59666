"""Metadata of a sitting found in its text (shared by the readers): date, chamber, and the title
named by the chair's formula when no heading or metadata gives one."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline import french
from pipeline.parse.labels import matchable

MONTHS = {m: i for i, m in enumerate(french.MONTHS, 1)}
_DAYS = r"(?:" + "|".join(french.WEEKDAYS) + r")"
_DATE = r"(1er|\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})"
_SEANCE_DU = re.compile(r"(?i)séance du\s+(?:" + _DAYS + r"\s+)?" + _DATE)
_LEVEE = re.compile(r"(?i)séance est levée,?\s+(?:le\s+)?(?:" + _DAYS + r"\s+)?" + _DATE
                    + r",?\s+à\s+([\w\-]+)\s+heures?")
_ANY_DATE = re.compile(r"(?i)(?:" + _DAYS + r"\s+)" + _DATE)
_EARLY = {"zéro", "une", "deux", "trois", "quatre", "cinq", "0", "1", "2", "3", "4", "5",
          "minuit"}


def iso_date(d: str, month: str, y: str) -> str:
    day = 1 if d.lower() == "1er" else int(d)
    return f"{int(y):04d}-{MONTHS[month.lower()]:02d}-{day:02d}"


def find_date(text: str) -> str | None:
    """ISO date of the sitting: "Séance du lundi 4 février 2013", else the day before a closing
    after midnight ("La séance est levée, le mardi 5 février 2013, à une heure quinze."), else
    a dated weekday in the opening lines."""
    head, tail = matchable(text[:20000]), matchable(text[-20000:])
    m = _SEANCE_DU.search(head)
    if m:
        return iso_date(*m.groups())
    m = _LEVEE.search(tail)
    if m:
        iso = iso_date(*m.groups()[:3])
        if m.group(4).lower() in _EARLY:
            iso = (dt.date.fromisoformat(iso) - dt.timedelta(days=1)).isoformat()
        return iso
    m = _ANY_DATE.search(head[:3000])
    if m:
        return iso_date(*m.groups())
    return None


_SENAT = re.compile(r"(?i)\bsénat(?:eur|rice)s?\b|\btravées\b|haute assemblée|\bSénat\b")
_AN = re.compile(r"(?i)\bdéputée?s?\b|\bbancs\b|assemblée nationale")


def find_chamber(text: str) -> str | None:
    text = text[:300000]
    s = len(_SENAT.findall(text))
    a = len(_AN.findall(text))
    if s == a == 0:
        return None
    return "Sénat" if s > a else "Assemblée nationale"


# "L'ordre du jour appelle la (suite de la) discussion du projet de loi …",
# "Nous poursuivons la discussion du projet de loi de modernisation de l'agriculture…"
_FORMULA = re.compile(
    r"(?:L'ordre du jour appelle|Nous (?:poursuivons|reprenons|abordons|commençons))\s+"
    r"(?:la suite de |l'examen |la discussion |la suite de l'examen |la suite de la discussion )*"
    r"(?:(?:en \w+ lecture |en nouvelle lecture )?(?:de la|du|des|de l')\s+)?"
    r"((?:projet|proposition)s? de (?:loi|résolution)[^.(;:]{3,240})")


def title_from_formula(paragraphs) -> str | None:
    """The text under discussion as the chair names it, capitalised: "Projet de loi de …"."""
    for p in paragraphs:
        if "ordre du jour appelle" not in p and "Nous " not in p:
            continue
        m = _FORMULA.search(matchable(p))
        if m:
            t = p[m.start(1):m.end(1)].strip().rstrip(",")
            return t[0].upper() + t[1:]
    return None


def fallback_title(chamber: str | None, date: str | None, source: str) -> str:
    """A documented, deterministic title when the source names none: chamber and date, else
    the file's name (never a placeholder)."""
    if date:
        return f"{chamber or 'Débat'}, séance du {date}"
    stem = Path(source).stem if source and not source.startswith("<") else ""
    return " — ".join(x for x in (chamber, stem) if x) or "Débat"
