"""Who is who in a plain-text compte rendu: the chair, the fullest role of each person, and the
person behind a role-only label ("M. le ministre.")."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.french import fold, gender_of
from pipeline.parse.apostrophes import repair
from pipeline.parse.labels import Label, norm_role


@dataclass
class Holder:
    name: str
    civility: str | None
    parts: tuple[str, ...]


gender = gender_of        # civility → "male" | "female" | None (pipeline.french)


_STRONG_NEXT = (" de ", " d'", " du ", " des ", " auprès", " chargé", " en charge")


def key(name: str) -> str:
    return re.sub(r"\s+", " ", fold(name)).strip()


class People:
    def __init__(self, apostrophe: str):
        self.apostrophe = apostrophe
        self.chair_name: str | None = None
        self.chair_role: str | None = None
        self.chair_civility: str | None = None
        self.roles: dict[str, str] = {}          # person → fullest role
        self.holders: list[Holder] = []
        self.civility: dict[str, str] = {}

    def set_chair(self, civ: str, name: str, role: str | None = None):
        name = re.sub(r"\s+", " ", name).strip().rstrip(".")
        if name.isupper():
            name = " ".join(w.capitalize() if not w.startswith("D'") else w for w in name.split())
            name = re.sub(r"(?<=-)(\w)", lambda m: m.group(1).upper(), name)
        self.chair_name = name
        self.chair_role = role
        self.chair_civility = civ

    def role_of(self, name: str, role: str | None) -> str | None:
        """Record a role printed for ``name`` and return the fullest role known for them."""
        if role:
            role = repair(role, self.apostrophe, force=True)
            known = self.roles.get(name)
            if known is None or not norm_role(known).startswith(norm_role(role)):
                self.roles[name] = role      # new, fuller or different: the latest wins
            self.holders.append(Holder(name, self.civility.get(name),
                                       tuple(norm_role(p) for p in self.roles[name].split(", "))))
            return self.roles[name]
        return self.roles.get(name)

    def find(self, phrase: str, civ: str | None) -> Holder | None:
        p = norm_role(phrase)
        g = gender(civ)
        strong = weak = None
        for h in reversed(self.holders):
            if g and gender(h.civility) and gender(h.civility) != g:
                continue
            for part in h.parts:
                if part == p or (part.startswith(p) and part[len(p):].startswith(_STRONG_NEXT)):
                    strong = strong or h
                elif part.startswith(p + " ") or part.startswith(p + ","):
                    weak = weak or h
            if strong:
                break
        return strong or weak


@dataclass
class Turn:
    label: Label
    person_id: str | None = None
    url: str | None = None
    resolved: list = field(default_factory=list)   # [civ, name, role] filled at the end
    pending_role: str | None = None                  # role-only label not yet resolved
    emitted: int = 0                                 # speech items already made of this turn
    position: int = 0                                # holders known when it was spoken


def resolve(label: Label, people: People) -> Turn:
    t = Turn(label)
    civ = label.civility
    if label.kind == "chair":
        role = people.chair_role or norm_role(label.role or "président")
        if civ in ("Mme", "Mlle") and role in ("président", "vice-président"):
            role += "e"
        name = people.chair_name
        if gender(civ) and gender(people.chair_civility) and gender(civ) != gender(people.chair_civility):
            name = None      # "Mme la présidente." is not the "M." the presidency line named
        t.resolved = [civ, name, role]
    elif label.kind == "person":
        name = label.names[0]
        k = key(name)
        if civ:
            people.civility.setdefault(k, civ)
        t.resolved = [civ, name, people.role_of(k, label.role)]
    elif label.kind == "role":
        h = people.find(label.role, civ)
        if h:
            t.resolved = [civ, h.name, people.roles.get(h.name)]
        else:
            t.resolved = [civ, None, repair(label.role, people.apostrophe, force=True)]
            t.pending_role = label.role
    elif label.kind == "group":
        t.resolved = [civ, " et ".join(label.names), None]
    else:
        t.resolved = [None, None, None]
    t.position = len(people.holders)
    return t


def finish_roles(turns: list[Turn], people: People):
    """Second pass: each person gets the fullest role known for them; role-only labels spoken
    before anyone held the role in full go to the first person who does later."""
    display = {}
    for t in turns:
        if t.label.kind == "person":
            display.setdefault(key(t.label.names[0]), t.label.names[0])
    for t in turns:
        civ, name, role = t.resolved
        if t.pending_role:
            g = gender(civ)
            p = norm_role(t.pending_role)
            for cand in people.holders[t.position:]:
                if g and gender(cand.civility) and gender(cand.civility) != g:
                    continue
                if any(part == p or part.startswith(p + " ") or part.startswith(p + ",")
                       for part in cand.parts):
                    t.resolved = [civ, display.get(cand.name, cand.name), people.roles.get(cand.name)]
                    break
            continue
        if name and t.label.kind in ("person", "role"):
            k = key(name)
            best = people.roles.get(k)
            if best and (role is None or norm_role(best).startswith(norm_role(role))):
                t.resolved = [civ, display.get(k, name), best]
            else:
                t.resolved = [civ, display.get(k, name), role]
