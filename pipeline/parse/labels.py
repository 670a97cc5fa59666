"""Speaker labels of the Journal officiel: "M. X.", "Mme X, rapporteure.", "M. le ministre.",
"MM. X et Y.", "Plusieurs députés du groupe UMP." — recognised on one line, with their parts."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from pipeline.config import load_rules
from pipeline.model import is_collective

RULES = load_rules(Path(str(files("pipeline.parse") / "rules.toml")))   # validated: InputError

# Matching is done on a copy of each line of the same length where no-break spaces are spaces
# and apostrophes are straight: indices found in the copy slice the original.


_REPLACEMENTS = (("\u00a0", " "), ("\u202f", " "), ("\u2007", " "), ("\u2009", " "),
                 ("\t", " "), ("’", "'"), ("ʼ", "'"), ("‘", "'"))


def matchable(line: str) -> str:
    # chained str.replace is several times faster than str.translate on non-ASCII text
    for a, b in _REPLACEMENTS:
        if a in line:
            line = line.replace(a, b)
    return line


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CIV = r"(?:" + _alt(RULES["labels"]["civilities"]) + r")"
_CAP = r"[A-ZÀ-ÖØ-ÞŒ][\w'\-]*"
_PART = r"(?:(?:" + _alt(p for p in RULES["labels"]["name_particles"] if not p.endswith("'")) + r") )"
_NAME = rf"{_CAP}(?: {_PART}*(?:d')?{_CAP}){{0,6}}"
_PERSON = re.compile(rf"({_CIV}) ({_NAME})")
_NEXT_PERSON = re.compile(rf"(?:, | et )(?:({_CIV}) )?({_NAME})")
_AND_GROUP = re.compile(r" et (?:plusieurs|de nombreux|de nombreuses|quelques|des|un|une|les|d'autres)"
                        r" [^.:!?()]{1,160}?\.(?=\s|$)")
_ROLE_ONLY = re.compile(rf"({_CIV}) (le |la |l')")
_COLLECTIVE = re.compile(RULES["labels"]["collective"])
_END = re.compile(r"\.(?=\s|$)")
_TOKENS = re.compile(r"[\w\-]+'?")
_HEADS = tuple(sorted(RULES["labels"]["role_heads"], key=len, reverse=True))
_CONTINUATIONS = tuple(RULES["labels"]["role_continuations"]) + _HEADS
_STOP = frozenset(RULES["labels"]["role_stopwords"])

FEMININE = {"présidente": "président", "vice-présidente": "vice-président",
            "rapporteure": "rapporteur", "corapporteure": "corapporteur",
            "co-rapporteure": "co-rapporteur", "déléguée": "délégué", "chargée": "chargé",
            "doyenne": "doyen", "questeure": "questeur", "suppléante": "suppléant",
            "auteure": "auteur", "autrice": "auteur", "première": "premier",
            "haute-commissaire": "haut-commissaire", "générale": "général"}
_FEM = re.compile(r"\b(" + _alt(FEMININE) + r")\b")


def norm_role(role: str) -> str:
    """Comparable form of a role: lower case, straight apostrophes, masculine heads."""
    r = matchable(role).lower().strip().rstrip(".").strip()
    r = _WS.sub(" ", r)
    return _FEM.sub(lambda m: FEMININE[m.group(1)], r)


def _starts_with(text: str, words) -> bool:
    for w in words:
        if text.startswith(w) and (len(text) == len(w) or not text[len(w)].isalpha()
                                   or w.endswith("'")):
            return True
    return False


@lru_cache(maxsize=4096)
def valid_role(role: str) -> bool:
    """Is this the role of a label ("ministre de l'intérieur, chargé de …") and not a sentence?"""
    r = role.lower().strip()
    if not r or len(r) > 400 or r[0] in "«\"(":
        return False
    if any(t in _STOP for t in _TOKENS.findall(r)):
        return False
    if any(c in r for c in "!?«»:;"):
        return False
    parts = r.split(", ")
    if not _starts_with(parts[0], _HEADS):
        return False
    return all(_starts_with(p, _CONTINUATIONS) for p in parts[1:])


@dataclass(frozen=True)
class Label:
    text: str                      # as printed, with its final "." (or ":")
    rest: str                      # what follows on the line
    kind: str                      # "person" | "role" | "chair" | "group" | "collective"
    civility: str | None
    names: tuple[str, ...] = ()
    role: str | None = None        # as printed (persons) or the role phrase (role-only labels)


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def parse_label(line: str) -> Label | None:
    """The speaker label that opens ``line``, or None when the line is not a turn. Labels with
    zero-width characters or decomposed accents are matched on their NFC form without them;
    the label's text stays as printed."""
    if _ZERO_WIDTH.search(line[:400]) or not unicodedata.is_normalized("NFC", line[:400]):
        return _parse_clean(line)
    return _parse_label(line)


def _parse_clean(line: str) -> Label | None:
    clean = unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", line))
    lab = _parse_label(clean)
    if lab is None:
        return None
    # the shortest prefix of the printed line that cleans to the label's text
    end = len(clean) - len(lab.rest) if lab.rest else len(clean)
    while end > 0 and clean[end - 1].isspace() and lab.rest:
        end -= 1
    k = 0
    while k < len(line) and len(unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", line[:k]))) < end:
        k += 1
    while k < len(line) and unicodedata.combining(line[k]) or k < len(line) and _ZERO_WIDTH.match(line[k]):
        k += 1
    return Label(_squeeze(line[:k]), line[k:].strip(), lab.kind, lab.civility, lab.names, lab.role)


def _parse_label(line: str) -> Label | None:
    m_line = matchable(line)
    if not m_line or m_line[0] not in "MUPDQNCSTLEG":
        return None
    m = _PERSON.match(m_line)
    if m:
        civ, name_end = m.group(1), m.end()
        # "M. X." / "M. X, role."
        if _END.match(m_line, name_end):
            return _label(line, name_end + 1, "person", civ, (line[m.start(2):name_end],))
        if m_line.startswith(", ", name_end):
            e = _END.search(m_line, name_end + 2)
            if e and valid_role(m_line[name_end + 2:e.start()]):
                return _label(line, e.end(), "person", civ, (line[m.start(2):name_end],),
                              line[name_end + 2:e.start()])
        # "M. X et Mme Y.", "MM. X et Y.", "M. X, M. Y et M. Z."
        names, civs, pos = [line[m.start(2):name_end]], [civ], name_end
        while True:
            n = _NEXT_PERSON.match(m_line, pos)
            if not n:
                break
            names.append(line[n.start(2):n.end(2)])
            civs.append(n.group(1) or civs[-1])
            pos = n.end()
        if len(names) > 1 and _END.match(m_line, pos):
            genders = {"f" if c.startswith("M") and c != "M." and c != "MM." else "m" for c in civs}
            plural = "MM." if genders == {"m"} else "Mmes" if genders == {"f"} else None
            return _label(line, pos + 1, "group", plural, tuple(names))
        g = _AND_GROUP.match(m_line, name_end)
        if g:
            return _label(line, g.end(), "collective", None)
        return None
    m = _ROLE_ONLY.match(m_line)
    if m:
        e = _END.search(m_line, m.end())
        if e:
            role = m_line[m.end():e.start()]
            if valid_role(role):
                kind = "chair" if norm_role(role) == "président" else "role"
                return _label(line, e.end(), kind, m.group(1), (), line[m.end():e.start()])
        return None
    m = _COLLECTIVE.match(m_line)
    if m:
        return _label(line, m.end(), "collective", None)
    return None


_WS = re.compile(r"\s+")


def _squeeze(t: str) -> str:
    """Runs of spaces (no-break ones included) → one space."""
    return _WS.sub(" ", t.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _label(line: str, end: int, kind: str, civ, names=(), role=None) -> Label:
    return Label(_squeeze(line[:end]), line[end:].strip(), kind, civ,
                 tuple(_squeeze(n) for n in names), _WS.sub(" ", role.replace("\u00a0", " ")).strip()
                 if role else None)


# --- a name field: "M. Patrick Hetzel (LR)", "Mme Myriam El Khomri,", "Mme A et M. B" -------

@dataclass(frozen=True)
class Printed:
    """What a source's name field holds, apart: one person (civility, name, role, group) or
    several (``members``, each "civility name" as printed; ``name`` None)."""
    civility: str | None
    name: str | None
    role: str | None = None
    group: str | None = None
    members: tuple[str, ...] = ()


_PLURAL = {"MM.": "M.", "Mmes": "Mme", "Mlles": "Mlle"}
_CIV_AT = re.compile(rf"({_CIV}) +(?=\S)")
# the group after a name: "(LR)", "(Écolo-NUPES)", "(non inscrite)" (a name never ends in "(…)")
_GROUP_SUFFIX = re.compile(r"\s*\(\s*([^()]{1,60}?)\s*\)$")
# another person after ", " or " et ": introduced by a civility ("…, Mme Prisca Thevenot"; the
# record once prints "etM."), or a group of the benches ("M. X et plusieurs députés du groupe RN")
_MORE = re.compile(rf"(?:,\s+|\s+et\s*)(?={_CIV}\s)|\s+et\s+(?=(?:plusieurs|de nombreux|de "
                   r"nombreuses|quelques|des|un|une|les|d'autres)\s+(?:député|sénat|membre|collègue))")
# with a plural civility the others need none: "MM. Jean Dupont et Paul Martin"
_MORE_PLURAL = re.compile(r"(?:,\s+|\s+et\s+)(?=[A-ZÀ-ÖØ-Þ])")
_TRAILING_CIV = re.compile(rf"^(.+?)\s+({_CIV})$")
_TRAILING_PUNCT = " ,;:"


def split_name(text: str) -> Printed:
    """A name field of a source (AN open data `nom`, a NosDéputés `intervenant_nom`) apart:
    "M. Patrick Hetzel (LR)" → M., "Patrick Hetzel", group "LR"; "Mme Myriam El Khomri," →
    the name without its comma; "M. Florent Boudié, rapporteur" → role "rapporteur";
    "Lefèvre Mathieu M." (surname first, civility last) → M., "Mathieu Lefèvre";
    "Mme Amélia Lakrafi et M. Bruno Millienne" or "Fanta Berete, Mme Eléonore Caroit et Mme
    Prisca Thevenot" → several people, ``members`` each as printed, no name. A role-only
    field ("M. le président") has a civility and no name."""
    t = _squeeze(text).rstrip(_TRAILING_PUNCT)
    m = matchable(t)
    civ_m = _CIV_AT.match(m)
    plural = civ_m is not None and civ_m.group(1) in _PLURAL
    splitter = _MORE_PLURAL if plural else _MORE
    seps = list(splitter.finditer(m))
    if seps:
        bounds = [0] + [b for x in seps for b in (x.start(), x.end())] + [len(t)]
        people = [_one(t[a:b]) for a, b in zip(bounds[::2], bounds[1::2])]
        if len(people) > 1 and all(p.name for p in people):
            civ = _PLURAL.get(civ_m.group(1)) if plural else None
            members = []
            for p in people:
                c = p.civility or civ
                members.append(f"{_PLURAL.get(c, c)} {p.name}" if c else p.name)
            civs = {_PLURAL.get(c, c) for c in (p.civility or civ for p in people)}
            together = ("MM." if civs == {"M."} else "Mmes" if civs <= {"Mme", "Mlle"} else None)
            return Printed(together, None, members=tuple(members))
    if is_collective(t):                       # "Plusieurs députés des groupes RE et Dem"
        return Printed(None, None)
    return _one(t)


def _one(t: str) -> Printed:
    """One person's name field: civility, name, ", role", "(group)", trailing punctuation."""
    t = t.rstrip(_TRAILING_PUNCT)
    group = None
    g = _GROUP_SUFFIX.search(t)
    if g:
        group, t = re.sub(r"\s*-\s*", "-", g.group(1)), t[:g.start()].rstrip(_TRAILING_PUNCT)
    m = matchable(t)
    civ = None
    c = _CIV_AT.match(m)
    if c:
        civ, t, m = c.group(1), t[c.end():], m[c.end():]
    else:
        c = _TRAILING_CIV.match(m)
        if c and " " in c.group(1).strip():
            civ = c.group(2)
            words = t[:c.end(1)].split()
            t = m = " ".join(words[1:] + words[:1]) if len(words) == 2 else " ".join(words)
    if civ and re.match(r"(?:le|la|l')\s?", m):            # "M. le président": a role, no name
        return Printed(civ, None, role=t.split(" ", 1)[-1] if " " in t else t, group=group)
    role = None
    comma = m.find(", ")
    if comma > 0 and valid_role(m[comma + 2:]):
        t, role = t[:comma], t[comma + 2:].strip()
    name = t.strip().rstrip(_TRAILING_PUNCT) or None
    return Printed(civ, name, role, group)
