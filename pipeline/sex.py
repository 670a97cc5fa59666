"""Who speaks in a sitting: one identity per person whatever label the source gives them, and
each person's sex from evidence, in this order (the first that speaks wins; casting says which):

1. "civility": a civility printed before the name anywhere in the sitting, in a label ("M.
   François Brottes"), the chair's label ("Mme la présidente"), the presidency line
   ("Présidence de Mme Laurence Dumont") or the chair's words ("La parole est à Mme …");
2. "role": the grammatical gender of the role ("présidente", "rapporteure", "la ministre");
3. "person data": what the source says of the person (ParlaMint listPerson `sex`), else the
   table of deputies by official id (pipeline/data/parliamentarians_sex.tsv);
4. "first name": the French first-name lexicon (pipeline.french.first_name_sex);
5. "unknown": said, never guessed.

Groups (Speaker.collective) are not persons: they have no identity and no sex here. Pure.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pipeline.french import CIVILITY_GENDER, GENDERS, first_name_sex, fold, role_sex
from pipeline.model import Debate, Heading, Speaker, Speech

SOURCES = ("civility", "role", "person data", "first name", "unknown")

# Singular civilities only: "MM." and "Mmes" name several people.
_SINGULAR = {c: g for c, g in CIVILITY_GENDER.items() if c in ("M.", "Mme", "Mlle", "Monsieur",
                                                                "Madame")}
_LEAD_CIVILITY = re.compile(r"^(?:" + "|".join(re.escape(c) for c in _SINGULAR) + r")\s+")
_GROUP_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")       # "M. Patrick Hetzel (LR)"
_TRAILING = re.compile(r"[\s.,;:]+$")
_CIVILITY_IN_TEXT = re.compile(r"(?<![\w])(" + "|".join(re.escape(c) for c in _SINGULAR)
                               + r")\s+")


def folded(text: str) -> str:
    """Case, accents, apostrophes and spaces folded: the form names are compared in."""
    s = unicodedata.normalize("NFKD", fold(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return " ".join(s.replace("’", "'").split())


def display_name(s: Speaker) -> str:
    """The person's name without civility, group suffix or trailing punctuation:
    "M. Patrick Hetzel (LR)," → "Patrick Hetzel"; a role label keeps its words ("le ministre")."""
    text = s.name or s.label
    text = _TRAILING.sub("", text.strip())
    text = _GROUP_SUFFIX.sub("", text)
    text = _TRAILING.sub("", text)
    return _LEAD_CIVILITY.sub("", text).strip()


def identity(s: Speaker) -> str | None:
    """A person's identity: the source's person id when it has one, else the normalised name;
    None for a group (never a person)."""
    if s.collective:
        return None
    if s.person_id:
        return f"id:{s.person_id}"
    return folded(display_name(s))


@dataclass(frozen=True)
class Person:
    keys: tuple[str, ...]       # the speaker keys (label variants) of this person in the sitting
    identity: str               # "id:PA…" when the source gives an id, else the folded name
    name: str                   # display name, "Patrick Hetzel"
    ids: tuple[str, ...]        # the source's person ids for them
    sex: str | None             # "male" | "female" | None
    sex_source: str             # one of SOURCES
    chair: bool                 # these keys are the chair's turns


@lru_cache(maxsize=1)
def deputies_sex() -> dict[str, str]:
    """Official id (Assemblée "PA…", NosDéputés slug) → "male"/"female", from the shipped table."""
    out: dict[str, str] = {}
    text = resources.files("pipeline").joinpath("data/parliamentarians_sex.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        sex, pid, slug, _name = line.split("\t")
        g = {"F": "female", "M": "male"}[sex]
        for k in (pid, slug):
            if k:
                out[k] = g
    return out


def _person_data(ids: list[str], sexes: list[str], chamber: str | None) -> str | None:
    if len(set(sexes)) == 1:
        return sexes[0]
    table = deputies_sex()
    found = {table[i] for i in ids if i in table and (re.fullmatch(r"PA\d+", i)
                                                       or chamber != "Sénat")}
    # A slug is a NosDéputés slug only outside the Sénat (NosSénateurs slugs are another list).
    return found.pop() if len(found) == 1 else None


def _vote(c: Counter) -> str | None:
    """The sex most of the evidence says; None when none or a tie."""
    top = c.most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


def _civilities_in_text(debate: Debate) -> list[str]:
    """Every "civility + following words" of the sitting's text (presidency lines, headings, the
    chair's and everyone's paragraphs), folded: "mme|laurence dumont …"."""
    out = []
    for section in debate.sections:
        texts = [section.title]
        for item in section.items:
            if isinstance(item, Heading):
                texts.append(item.text)
            elif isinstance(item, Speech):
                texts.extend(item.paragraphs)
        for t in texts:
            for m in _CIVILITY_IN_TEXT.finditer(t):
                out.append(f"{_SINGULAR[m.group(1)]}|{folded(t[m.end():m.end() + 80])} ")
    return out


@lru_cache(maxsize=4)      # one build asks for it several times (cast, notes, cast --json)
def people(debate: Debate) -> dict[str, Person]:
    """Every person of the sitting, by each of their speaker keys (groups left out). The chair's
    keys are their own persons (the chair has a voice of its own), with the holder's sex.
    Read-only: the same dict is given to every caller."""
    speakers = debate.speakers()
    variants: dict[str, list[Speaker]] = {}
    for sec in debate.sections:
        for it in sec.items:
            if isinstance(it, Speech):
                variants.setdefault(it.speaker.key, []).append(it.speaker)
    # Clusters: keys sharing an id; a key without id joins the one cluster of its name.
    clusters: list[list[str]] = []
    by_id: dict[str, list[str]] = {}
    by_name: dict[str, list[list[str]]] = {}
    for k, s in speakers.items():
        if identity(s) is None:
            continue
        ids = {v.person_id for v in variants[k] if v.person_id}
        c = next((by_id[i] for i in sorted(ids) if i in by_id), None)
        if c is None:
            c = []
            clusters.append(c)
        c.append(k)
        for i in ids:
            by_id.setdefault(i, c)
        by_name.setdefault(folded(display_name(s)), [])
        if c not in by_name[folded(display_name(s))]:
            by_name[folded(display_name(s))].append(c)
    merged: list[list[str]] = []
    for c in clusters:
        if not c:
            continue
        ids = {v.person_id for k in c for v in variants[k] if v.person_id}
        if not ids:
            same = [o for o in by_name[folded(display_name(speakers[c[0]]))] if o is not c and o]
            if len(same) == 1:           # "M. le ministre" resolved, or a label without its id
                same[0].extend(c)
                c.clear()
                continue
        merged.append(c)
    merged = [c for c in merged if c]

    mentions = _civilities_in_text(debate)
    out: dict[str, Person] = {}
    for c in merged:
        # The chair's keys and the person's other keys share evidence, not a voice.
        all_sp = [v for k in c for v in variants[k]]
        name = display_name(speakers[c[0]])
        shown = {display_name(v) for v in all_sp if v.name} or {name}
        ids = sorted({v.person_id for v in all_sp if v.person_id})
        sex, source = _evidence(all_sp, shown, ids, mentions, debate.chamber)
        for chair in (True, False):
            keys = tuple(k for k in c if speakers[k].is_chair == chair)
            if keys:
                p = Person(keys, f"id:{ids[0]}" if ids else folded(name), name, tuple(ids), sex,
                           source, chair)
                out.update({k: p for k in keys})
    return out


def _printed_civility(s: Speaker) -> bool:
    """The speaker's singular civility as the label prints it ("M. X", "Lefèvre Mathieu M."),
    not one a reader derived from the person data (ParlaMint: that is "person data")."""
    return s.civility in _SINGULAR and bool(
        re.search(r"(?<!\w)" + re.escape(s.civility) + r"(?!\w)", s.label))


def _evidence(variants: list[Speaker], shown: set[str], ids: list[str], mentions: list[str],
              chamber: str | None) -> tuple[str | None, str]:
    civ = Counter(_SINGULAR[v.civility] for v in variants if _printed_civility(v))
    names = {folded(n) for n in shown}
    if not civ:
        for m in mentions:
            g, rest = m.split("|", 1)
            if any(rest.startswith(n + " ") for n in names if len(n.split()) >= 2):
                civ[g] += 1
    if (g := _vote(civ)) is not None:
        return g, "civility"
    roles = Counter(r for v in variants for r in [role_sex(v.role or "", chamber)] if r)
    if (g := _vote(roles)) is not None:
        return g, "role"
    g = _person_data(ids, [v.sex for v in variants if v.sex in GENDERS], chamber)
    if g is not None:
        return g, "person data"
    firsts = Counter(f for n in shown for f in [first_name_sex(n)] if f)
    if (g := _vote(firsts)) is not None and len(firsts) == 1:
        return g, "first name"
    return None, "unknown"
