"""Line classification of a compte rendu (one paragraph per line): item numbers, presidency,
labels, headings and their agenda level, stage directions, vote lines."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.parse.labels import RULES, Label, matchable, parse_label


def _rx(pattern: str, flags=0) -> re.Pattern:
    return re.compile(pattern, flags)


PRESIDENCE = _rx(RULES["chair"]["presidence"])
VICE = _rx(RULES["chair"]["vice"])
SOUS_PRESIDENCE = _rx(RULES["chair"]["sous_presidence"])
FAUTEUIL = _rx(RULES["chair"]["fauteuil"])
KNOWN_HEADING = _rx(RULES["headings"]["known"])
SITTING = _rx(RULES["headings"]["sitting"])
_VOTE = _rx(RULES["votes"]["line"])
_STAGE_WORDS = _rx(r"\b(?:" + "|".join(re.escape(w) for w in RULES["stage"]["keywords"]) + r")\b")
_LEVELS = [(_rx(r["pattern"]), r["level"]) for r in RULES["agenda"]["levels"]]
_SECTION_DEFAULTS = [(_rx(r["pattern"]), r["level"]) for r in RULES["agenda"].get("section_defaults", [])]
_NUMBER = _rx(r"\d{1,3}")
_SPEECHY = _rx(r"(?i)(?<![\w])(?:je|j'|nous|vous|tu|monsieur|madame|mesdames|messieurs|"
               r"chers collègues)(?![\w])")
_TERMINAL = set(".!?…:;,»–—-\"“”")
_ACRONYM = _rx(r"[A-Z0-9ÀÉÈÊÎÔÛÇ&/\-–. ]+")
_SUITE = _rx(r"\((?:suite|suite et fin|fin|début|priorité|nouveau|nouvelle|[a-zé][^().!?«»]{0,40})\)$")
INSIDE = "inside"


def heading_level(m_line: str) -> int | str | None:
    """Agenda level of a heading by the rules of rules.toml [agenda]: an int, INSIDE (one level
    below the item open when it comes: a call to order inside an article) or None (no item)."""
    for rx, level in _LEVELS:
        if rx.match(m_line):
            return level
    return None


def section_default(title: str | None) -> int | None:
    """Level of the otherwise unclassified headings of a section titled ``title``."""
    m_title = matchable(title or "")
    return next((level for rx, level in _SECTION_DEFAULTS if rx.match(m_title)), None)


_NESTS = [(r["level"], _rx(r["pattern"])) for r in RULES["agenda"].get("nests_under", [])]


class Levels:
    """The agenda levels of one section's headings, in the order they come: a rules.toml level,
    INSIDE (one below the deepest item open), and [agenda] nests_under: an item of that level
    (an article) nests in the item open one level up only when that item holds such items
    ("Discussion des articles"); after a motion or the discussion générale it is their
    sibling, and what nests in it moves up with it."""

    def __init__(self):
        self.base = 1                        # deepest level open
        self.open: dict[int, str] = {}       # rules level → matchable title of the item open

    def place(self, level: int | str | None, m_line: str) -> int | str | None:
        if level == INSIDE:
            return self.base + 1
        if not isinstance(level, int):
            return level
        for k in [k for k in self.open if k >= level]:
            del self.open[k]
        self.open[level] = m_line
        shift = sum(1 for nested, rx in _NESTS if level >= nested and
                    (up := self.open.get(nested - 1)) is not None and not rx.match(up))
        self.base = level - shift
        return self.base


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
            while k < len(text) and (text[k] in " \u00a0\u202f.,;:…!?"):
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


def whole_stage(m_line: str) -> bool:
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
class Line:
    """One paragraph of the source. A reader of a structured format may set ``kind`` (and
    ``level``, ``person_id``, ``url``) itself; the plain-text classifier fills what is None."""
    orig: str
    kind: str | None = None    # num title presidence vice label stage vote heading text
    level: int | str | None = None
    person_id: str | None = None
    url: str | None = None
    m: str = ""                # matchable copy
    label: Label | None = None


def classify(out: list[Line]) -> list[Line]:
    for ln in out:
        ln.m = matchable(ln.orig)
    n = len(out)
    for idx, ln in enumerate(out):
        m = ln.m
        if ln.kind is not None:
            if ln.kind == "label":
                ln.label = parse_label(ln.orig)
                if ln.label is None:
                    ln.kind = "text"
            elif ln.kind == "heading" and ln.level is None:
                ln.level = heading_level(m)
            continue
        if _NUMBER.fullmatch(m) and idx + 1 < n:
            ln.kind = "num"
            continue
        if idx and out[idx - 1].kind == "num":
            ln.kind = "title"
            continue
        if PRESIDENCE.match(m):
            ln.kind = "presidence"
            continue
        if idx and out[idx - 1].kind == "presidence" and VICE.match(m):
            ln.kind = "vice"
            continue
        lab = parse_label(ln.orig)
        if lab is not None:
            ln.kind, ln.label = "label", lab
            continue
        if whole_stage(m):
            ln.kind = "stage"
        elif _VOTE.match(m):
            ln.kind = "vote"
        elif _candidate(m):
            ln.kind = "cand"
        else:
            ln.kind = "text"
    # A candidate is a heading when it is a known sub-heading or when what follows it is
    # structure (a label, a stage direction, another heading, a new item, the end); a line
    # quoted inside a speech (a newspaper's title) is followed by more of the speech.
    nxt = "end"
    for ln in reversed(out):
        if ln.kind == "cand":
            known = bool(KNOWN_HEADING.match(ln.m)) or bool(SITTING.match(ln.m))
            structural = nxt in ("end", "label", "num", "presidence", "heading")
            if (known or structural) and not (_SPEECHY.search(ln.m) and not known):
                ln.kind = "heading"
                ln.level = heading_level(ln.m)
            else:
                ln.kind = "text"
        nxt = ln.kind
    return out
