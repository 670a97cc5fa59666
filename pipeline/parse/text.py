"""Plain-text comptes rendus (one paragraph per line) of the Sénat and the Assemblée nationale."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from pipeline.model import Debate, Heading, Section, Speaker, Speech, Stage
from pipeline.parse.apostrophes import repair
from pipeline.parse.labels import RULES, Label, matchable, norm_role, parse_label

OPENING_TITLE = "Ouverture de la séance"
START_TITLE = "Début du compte rendu"
SYNTHETIC_TITLES = frozenset({OPENING_TITLE, START_TITLE})


class ParseWarning(UserWarning):
    """Something the parser had to guess (e.g. a text with no speaker label)."""


class Continuation(Speech):
    """The rest of a turn after a stage direction that interrupted it: same speaker, no new
    label printed. Serialises like any Speech (the model has no field for it)."""


def _rx(pattern: str, flags=0) -> re.Pattern:
    return re.compile(pattern, flags)


_PRESIDENCE = _rx(RULES["chair"]["presidence"])
_VICE = _rx(RULES["chair"]["vice"])
_SOUS_PRESIDENCE = _rx(RULES["chair"]["sous_presidence"])
_FAUTEUIL = _rx(RULES["chair"]["fauteuil"])
_KNOWN_HEADING = _rx(RULES["headings"]["known"])
_SITTING = _rx(RULES["headings"]["sitting"])
_VOTE = _rx(RULES["votes"]["line"])
_STAGE_WORDS = _rx(r"\b(?:" + "|".join(re.escape(w) for w in RULES["stage"]["keywords"]) + r")\b")
_NUMBER = _rx(r"\d{1,3}")
_SPEECHY = _rx(r"(?i)(?<![\w])(?:je|j'|nous|vous|tu|monsieur|madame|mesdames|messieurs|"
               r"chers collègues)(?![\w])")
_TERMINAL = set(".!?…:;,»–—-\"“”")
_ACRONYM = _rx(r"[A-Z0-9ÀÉÈÊÎÔÛÇ&/\-–. ]+")
_SUITE = _rx(r"\((?:suite|suite et fin|fin|début|priorité|nouveau|nouvelle|[a-zé][^().!?«»]{0,40})\)$")


# --- stage directions inside paragraphs -----------------------------------------------

def _is_stage(content: str) -> bool:
    """Is the text inside a pair of parentheses a stage direction?"""
    c = content.strip()
    if len(c) < 2 or not (c[0].isupper() or c[0] in "«\"“…"):
        return False
    if _ACRONYM.fullmatch(c) or c.startswith(("nos ", "n°", "No ", "Nos ")):
        return False
    if c[-1] in ".!?…" or c.endswith(("»", ".)")):
        return True
    return bool(_STAGE_WORDS.search(c.lower()))


def _close(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start``, or -1."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def split_inline(text: str) -> list[tuple[str, str]]:
    """Cut a paragraph into ("p", text) and ("s", stage direction) pieces, in order."""
    if "(" not in text:
        return [("p", text)]
    out: list[tuple[str, str]] = []
    pos = 0
    buf = ""
    i = text.find("(")
    while i != -1:
        j = _close(text, i)
        if j == -1:
            break
        if _is_stage(text[i + 1:j]):
            buf += text[pos:i]
            if buf.strip():
                out.append(("p", buf.strip()))
            buf = ""
            out.append(("s", text[i:j + 1]))
            pos = j + 1
            # punctuation left after a stage direction goes back to the sentence it ends
            k = pos
            while k < len(text) and (text[k] in " \u00a0\u202f.,;:…!?" ):
                k += 1
            tail = text[pos:k].strip()
            if tail and not any(ch.isalnum() for ch in tail):
                if out and len(out) >= 2 and out[-2][0] == "p":
                    out[-2] = ("p", out[-2][1] + tail.replace(" ", ""))
                    pos = k
            i = text.find("(", pos)
        else:
            i = text.find("(", j + 1)
    buf += text[pos:]
    if buf.strip():
        out.append(("p", buf.strip()))
    return out


def _whole_stage(m_line: str) -> bool:
    if not m_line.startswith("("):
        return False
    j = _close(m_line, 0)
    return j != -1 and (j == len(m_line) - 1 or m_line[j + 1:].strip() in (".", ""))


# --- line classification --------------------------------------------------------------

def _candidate(m_line: str) -> bool:
    """Could this line be a heading (a title, not a sentence)?"""
    if len(m_line) > 300 or not m_line:
        return False
    first = m_line[0]
    if not (first.isupper() or first.isdigit()):
        return False
    last = m_line[-1]
    if last == ")":
        if not _SUITE.search(m_line) or m_line.startswith("("):
            return False
    elif last in _TERMINAL:
        return False
    if len(m_line.split()) > 40:
        return False
    return True


@dataclass
class _Line:
    orig: str
    m: str                 # matchable copy
    kind: str              # num title presidence vice label stage vote heading text
    label: Label | None = None


def _classify(lines: list[str]) -> list[_Line]:
    out: list[_Line] = []
    for orig in lines:
        m = matchable(orig)
        out.append(_Line(orig, m, "text"))
    n = len(out)
    for idx, ln in enumerate(out):
        m = ln.m
        if _NUMBER.fullmatch(m) and idx + 1 < n:
            ln.kind = "num"
            continue
        if idx and out[idx - 1].kind == "num":
            ln.kind = "title"
            continue
        if _PRESIDENCE.match(m):
            ln.kind = "presidence"
            continue
        if idx and out[idx - 1].kind == "presidence" and _VICE.match(m):
            ln.kind = "vice"
            continue
        lab = parse_label(ln.orig)
        if lab is not None:
            ln.kind, ln.label = "label", lab
            continue
        if _whole_stage(m):
            ln.kind = "stage"
        elif _VOTE.match(m):
            ln.kind = "vote"
        elif _candidate(m):
            ln.kind = "cand"
    # A candidate is a heading when it is a known sub-heading or when what follows it is
    # structure (a label, a stage direction, another heading, a new item, the end).
    nxt = "end"
    for ln in reversed(out):
        if ln.kind == "cand":
            known = bool(_KNOWN_HEADING.match(ln.m)) or bool(_SITTING.match(ln.m))
            structural = nxt in ("end", "label", "stage", "num", "presidence", "heading")
            if (known or structural) and not (_SPEECHY.search(ln.m) and not known):
                ln.kind = "heading"
            else:
                ln.kind = "text"
        nxt = ln.kind
    return out


# --- who is who --------------------------------------------------------------------------

@dataclass
class _Holder:
    name: str
    civility: str | None
    parts: tuple[str, ...]


def _gender(civ: str | None) -> str | None:
    if civ in ("M.", "MM."):
        return "m"
    if civ in ("Mme", "Mmes", "Mlle", "Mlles"):
        return "f"
    return None


_STRONG_NEXT = (" de ", " d'", " du ", " des ", " auprès", " chargé", " en charge")


class _People:
    def __init__(self, apostrophe: str):
        self.apostrophe = apostrophe
        self.chair_name: str | None = None
        self.chair_role: str | None = None
        self.roles: dict[str, str] = {}          # person → fullest role
        self.holders: list[_Holder] = []
        self.civility: dict[str, str] = {}

    # chair
    def set_chair(self, civ: str, name: str, role: str | None = None):
        name = re.sub(r"\s+", " ", name).strip().rstrip(".")
        if name.isupper():
            name = " ".join(w.capitalize() if not w.startswith("D'") else w for w in name.split())
            name = re.sub(r"(?<=-)(\w)", lambda m: m.group(1).upper(), name)
        self.chair_name = name
        self.chair_role = role

    def role_of(self, name: str, role: str | None) -> str | None:
        """Record a role printed for ``name`` and return the fullest role known for them."""
        if role:
            role = repair(role, self.apostrophe, force=True)
            known = self.roles.get(name)
            if known is None or not norm_role(known).startswith(norm_role(role)):
                self.roles[name] = role      # new, fuller or different: the latest wins
            self.holders.append(_Holder(name, self.civility.get(name),
                                        tuple(norm_role(p) for p in self.roles[name].split(", "))))
            return self.roles[name]
        return self.roles.get(name)

    def find(self, phrase: str, civ: str | None, before: list[_Holder] | None = None) -> _Holder | None:
        p = norm_role(phrase)
        g = _gender(civ)
        strong = weak = None
        for h in reversed(self.holders if before is None else before):
            if g and _gender(h.civility) and _gender(h.civility) != g:
                continue
            for part in h.parts:
                if part == p or (part.startswith(p) and part[len(p):].startswith(_STRONG_NEXT)):
                    strong = strong or h
                elif part.startswith(p + " ") or part.startswith(p + ","):
                    weak = weak or h
            if strong:
                break
        return strong or weak


# --- the parser ------------------------------------------------------------------------

@dataclass
class _Turn:
    label: Label
    resolved: list = field(default_factory=list)   # [civ, name, role] filled at the end
    pending_role: str | None = None                  # role-only label not yet resolved
    emitted: int = 0                                 # speech items already made of this turn
    position: int = 0                                # holders known when it was spoken


@dataclass
class _Sec:
    title: str | None
    items: list = field(default_factory=list)        # ("speech", turn, [paras]) | Stage | Heading
    synthetic: bool = False


def parse_plain(text: str, source: str = "<text>") -> Debate:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    apostrophe = "’" if text.count("’") >= text.count("'") else "'"
    classified = _classify(lines)
    people = _People(apostrophe)

    sections: list[_Sec] = [_Sec(None)]
    turn: _Turn | None = None
    paras: list[str] | None = None      # open speech item's paragraphs
    turns: list[_Turn] = []
    n_labels = 0

    def cur() -> _Sec:
        return sections[-1]

    def flush():
        nonlocal paras
        if turn is not None and paras is not None:  # [] keeps the place of a bare label
            cur().items.append(("speech", turn, paras, turn.emitted > 0))
            turn.emitted += 1
        paras = None

    def end_turn():
        nonlocal turn
        flush()
        turn = None

    def add_stage(s: str):
        if turn is not None and paras is not None:
            flush()
        cur().items.append(Stage(s))
        _chair_cues(s)

    def _chair_cues(s: str):
        ms = matchable(s)
        f = _FAUTEUIL.match(ms)
        if f:
            people.set_chair(f.group(1), s[f.start(2):f.end(2)])
            return
        sp = _SOUS_PRESIDENCE.search(ms)
        if sp:
            people.set_chair(sp.group(1), s[sp.start(2):sp.end(2)])

    def add_text(t: str):
        nonlocal paras
        for kind, piece in split_inline(t):
            if kind == "s":
                add_stage(piece)
            elif turn is None:
                cur().items.append(Stage(repair(piece, apostrophe)))
            else:
                if paras is None:
                    paras = []
                paras.append(repair(piece, apostrophe))

    i = 0
    while i < len(classified):
        ln = classified[i]
        k = ln.kind
        if k == "num":
            end_turn()
            title_ln = classified[i + 1]
            sections.append(_Sec(repair(title_ln.orig, apostrophe)))
            cur().items.append(Heading(ln.orig))
            i += 2
            continue
        if k == "presidence":
            end_turn()
            pm = _PRESIDENCE.match(ln.m)
            people.set_chair(pm.group(1), ln.orig[pm.start(2):pm.end(2)])
            cur().items.append(Heading(ln.orig))
        elif k == "vice":
            cur().items.append(Heading(ln.orig))
            people.chair_role = ln.m.strip().lower()
        elif k == "heading":
            end_turn()
            if len(sections) == 1 and cur().title is None and _SITTING.match(ln.m):
                cur().title = ln.orig
            else:
                cur().items.append(Heading(repair(ln.orig, apostrophe)))
        elif k == "label":
            end_turn()
            n_labels += 1
            turn = _resolve(ln.label, people)
            turns.append(turn)
            paras = []          # the label's speech item, even when only stage directions follow
            if ln.label.rest:
                add_text(ln.label.rest)
        elif k == "stage":
            if turn is not None and paras is not None:
                flush()
            cur().items.append(Stage(ln.orig))
            _chair_cues(ln.orig)
        else:  # text, vote
            add_text(ln.orig)
        i += 1
    end_turn()

    if n_labels == 0:
        warnings.warn(ParseWarning(f"{source}: no speaker label found: the text is read as narration"),
                      stacklevel=3)

    _finish_roles(turns, people)
    return _build(sections, text, turns)


def _resolve(label: Label, people: _People) -> _Turn:
    t = _Turn(label)
    civ = label.civility
    if label.kind == "chair":
        role = people.chair_role or norm_role(label.role or "président")
        if civ in ("Mme", "Mlle") and role in ("président", "vice-président"):
            role += "e"
        t.resolved = [civ, people.chair_name, role]
    elif label.kind == "person":
        name = label.names[0]
        key = _key(name)
        if civ:
            people.civility.setdefault(key, civ)
        role = people.role_of(key, label.role)
        t.resolved = [civ, name, role]
        t.position = len(people.holders)
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


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("’", "'")).strip()


def _finish_roles(turns: list[_Turn], people: _People):
    """Second pass: each person gets the fullest role known for them; role-only labels spoken
    before anyone held the role in full go to the first person who does later."""
    display = {}
    for t in turns:
        if t.label.kind == "person":
            display.setdefault(_key(t.label.names[0]), t.label.names[0])
    for t in turns:
        civ, name, role = t.resolved
        if t.pending_role:
            later = people.holders[t.position:]
            h = None
            g = _gender(civ)
            p = norm_role(t.pending_role)
            for cand in later:
                if g and _gender(cand.civility) and _gender(cand.civility) != g:
                    continue
                if any(part == p or part.startswith(p + " ") or part.startswith(p + ",")
                       for part in cand.parts):
                    h = cand
                    break
            if h:
                t.resolved = [civ, display.get(h.name, h.name), people.roles.get(h.name)]
            continue
        if name and t.label.kind in ("person", "role"):
            k = _key(name)
            best = people.roles.get(k)
            if best and (role is None or norm_role(best).startswith(norm_role(role))):
                t.resolved = [civ, display.get(k, name), best]
            else:
                t.resolved = [civ, display.get(k, name), role]


def _build(sections: list[_Sec], text: str, turns: list[_Turn]) -> Debate:
    out: list[Section] = []
    first_item_title = None
    for idx, s in enumerate(sections):
        items = []
        for it in s.items:
            if isinstance(it, tuple):
                _, t, paras, cont = it
                civ, name, role = t.resolved
                cls = Continuation if cont else Speech
                items.append(cls(Speaker(t.label.text, civ, name, role), tuple(paras)))
            else:
                items.append(it)
        if not items and s.title is None:
            continue
        title = s.title
        if title is None:
            opened = any(isinstance(x, Speech) and any("séance est ouverte" in p for p in x.paragraphs)
                         or isinstance(x, Stage) and "séance est ouverte" in x.text for x in items)
            title = OPENING_TITLE if opened else START_TITLE
        elif first_item_title is None and idx > 0:
            first_item_title = title
        out.append(Section(title, tuple(items)))
    sitting = sections[0].title if sections and sections[0].title else None
    title = sitting or first_item_title or (out[0].title if out else "Débat")
    return Debate(title, find_date(text), find_chamber(text), tuple(out))


# --- metadata ------------------------------------------------------------------------------

MONTHS = {m: i for i, m in enumerate(
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
     "octobre", "novembre", "décembre"], 1)}
_DAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_DATE = r"(1er|\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})"
_SEANCE_DU = re.compile(r"(?i)séance du\s+(?:" + _DAYS + r"\s+)?" + _DATE)
_LEVEE = re.compile(r"(?i)séance est levée,?\s+(?:le\s+)?(?:" + _DAYS + r"\s+)?" + _DATE
                    + r",?\s+à\s+([\w\-]+)\s+heures?")
_ANY_DATE = re.compile(r"(?i)(?:" + _DAYS + r"\s+)" + _DATE)
_EARLY = {"zéro", "une", "deux", "trois", "quatre", "cinq", "0", "1", "2", "3", "4", "5",
          "minuit"}


def _iso(d: str, month: str, y: str) -> str:
    day = 1 if d == "1er" else int(d)
    return f"{int(y):04d}-{MONTHS[month.lower()]:02d}-{day:02d}"


def find_date(text: str) -> str | None:
    """ISO date of the sitting: "Séance du lundi 4 février 2013", else the day before a closing
    after midnight ("La séance est levée, le mardi 5 février 2013, à une heure quinze."), else
    a dated weekday in the opening lines."""
    import datetime as dt
    head, tail = matchable(text[:20000]), matchable(text[-20000:])
    m = _SEANCE_DU.search(head)
    if m:
        return _iso(*m.groups())
    m = _LEVEE.search(tail)
    if m:
        iso = _iso(*m.groups()[:3])
        if m.group(4).lower() in _EARLY:
            iso = (dt.date.fromisoformat(iso) - dt.timedelta(days=1)).isoformat()
        return iso
    m = _ANY_DATE.search(head[:3000])
    if m:
        return _iso(*m.groups())
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
