"""Plain-text comptes rendus (one paragraph per line) of the Sénat and the Assemblée nationale,
and the builder the HTML reader shares: classified lines → Debate."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace

from pipeline.model import Debate, Heading, Section, Source, Speaker, Speech, Stage
from pipeline.parse.apostrophes import repair
from pipeline.parse.labels import matchable
from pipeline.parse.lines import (FAUTEUIL, PRESIDENCE, SITTING, SOUS_PRESIDENCE, Levels, Line,
                                  classify, section_default, split_inline)
from pipeline.parse.meta import fallback_title, find_chamber, find_date, title_from_formula
from pipeline.parse.people import People, Turn, finish_roles, resolve

OPENING_TITLE = "Ouverture de la séance"
START_TITLE = "Début du compte rendu"
SYNTHETIC_TITLES = frozenset({OPENING_TITLE, START_TITLE})


class ParseWarning(UserWarning):
    """Something the parser had to guess (e.g. a text with no speaker label)."""


@dataclass
class _Sec:
    title: str | None
    items: list = field(default_factory=list)   # ("speech", turn, [paras], continues) | Stage | Heading
    levels: Levels = field(default_factory=Levels)   # agenda levels of its headings


def split_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return [s for s in (ln.strip() for ln in text.split("\n")) if s]


def parse_plain(text: str, source: str = "<text>") -> Debate:
    lines = [Line(s) for s in split_lines(text)]
    return parse_lines(lines, text, source)


def parse_lines(lines: list[Line], text: str, source: str = "<text>", *, title: str | None = None,
                date: str | None = None, chamber: str | None = None,
                record: Source | None = None, details: tuple = ()) -> Debate:
    """Build the Debate from lines (classified here where a reader left ``kind`` None);
    ``text`` is the whole transcript (date, chamber, apostrophe style); the keyword arguments
    are the source's metadata and win over what the text says."""
    apostrophe = "’" if text.count("’") >= text.count("'") else "'"
    classified = classify(lines)
    people = People(apostrophe)

    sections: list[_Sec] = [_Sec(None)]
    turn: Turn | None = None
    paras: list[str] | None = None      # open speech item's paragraphs
    turns: list[Turn] = []
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

    def chair_cues(s: str):
        ms = matchable(s)
        f = FAUTEUIL.match(ms)
        if f:
            people.set_chair(f.group(1), s[f.start(2):f.end(2)])
            return
        sp = SOUS_PRESIDENCE.search(ms)
        if sp:
            people.set_chair(sp.group(1), s[sp.start(2):sp.end(2)])

    def add_stage(s: str):
        flush()
        cur().items.append(Stage(s))
        chair_cues(s)

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

    def heading(ln: Line):
        level, sec = ln.level, cur()
        if level is None and sec.title and not SITTING.match(ln.m):
            level = section_default(sec.title)
        level = sec.levels.place(level, ln.m)
        sec.items.append(Heading(repair(ln.orig, apostrophe), level=level))

    i = 0
    while i < len(classified):
        ln = classified[i]
        k = ln.kind
        if k == "num" and i + 1 < len(classified):
            end_turn()
            sections.append(_Sec(repair(classified[i + 1].orig, apostrophe)))
            cur().items.append(Heading(ln.orig))
            i += 2
            continue
        if k == "presidence":
            end_turn()
            pm = PRESIDENCE.match(ln.m)
            if pm:
                people.set_chair(pm.group(1), ln.orig[pm.start(2):pm.end(2)])
            cur().items.append(Heading(ln.orig))
        elif k == "vice":
            cur().items.append(Heading(ln.orig))
            people.chair_role = ln.m.strip().lower()
        elif k in ("heading", "title"):
            end_turn()
            if len(sections) == 1 and cur().title is None and SITTING.match(ln.m):
                cur().title = ln.orig
            else:
                heading(ln)
        elif k == "label":
            end_turn()
            n_labels += 1
            turn = resolve(ln.label, people)
            turn.person_id, turn.url = ln.person_id, ln.url
            turns.append(turn)
            paras = []          # the label's speech item, even when only stage directions follow
            if ln.label.rest:
                add_text(ln.label.rest)
        elif k == "stage":
            flush()
            cur().items.append(Stage(ln.orig))
            chair_cues(ln.orig)
        else:  # text, vote, num at the very end
            add_text(ln.orig)
        i += 1
    end_turn()

    if n_labels == 0:
        warnings.warn(ParseWarning(f"{source}: no speaker label found: the text is read as narration"),
                      stacklevel=3)
    finish_roles(turns, people)
    date = date or find_date(text)
    chamber = chamber or find_chamber(text)
    return _build(sections, title, date, chamber, source, record, details)


_WORDS = re.compile(r"\w+")
INTERJECTION_WORDS = 30     # a remark from the benches is short: at most this many words


def interjections(items: list) -> list:
    """Mark remarks from the benches: a collective label ("Plusieurs députés du groupe UMP."),
    or a short one-paragraph turn of someone else between two turns of the same speaker who
    has the floor ("M. Le Fur. … / Mme Buffet. Ça va coûter de l'encre ! / M. Le Fur. …").
    Their labels stay as printed; they are only not turns of the floor."""
    turns = [k for k, x in enumerate(items) if isinstance(x, Speech) and not x.continues]
    out = list(items)
    a = None                    # the last turn before this one that is not an interjection
    for n, k in enumerate(turns):
        b = items[k]
        if b.speaker.is_chair or len(b.paragraphs) > 1 or \
                sum(len(_WORDS.findall(p)) for p in b.paragraphs) > INTERJECTION_WORDS:
            a = b
            continue
        collective = b.speaker.civility is None and b.speaker.name is None
        c = items[turns[n + 1]] if n + 1 < len(turns) else None
        floor = (a is not None and c is not None and a.speaker.key == c.speaker.key != b.speaker.key
                 and not a.speaker.is_chair)
        if collective or floor:
            out[k] = replace(b, interjection=True)
        else:
            a = b
    return out


def _build(sections: list[_Sec], title, date, chamber, source, record, details) -> Debate:
    out: list[Section] = []
    first_item_title = None
    ids = {}                                # a person's id, from any turn that carries it
    for s in sections:
        for it in s.items:
            if isinstance(it, tuple) and it[1].person_id and it[1].resolved[1]:
                ids.setdefault(it[1].resolved[1], it[1].person_id)
    for idx, s in enumerate(sections):
        items = []
        for it in s.items:
            if isinstance(it, tuple):
                _, t, paras, cont = it
                civ, name, role = t.resolved
                items.append(Speech(Speaker(t.label.text, civ, name, role, t.person_id or ids.get(name),
                                            t.label.kind == "chair"),
                                    tuple(paras), continues=cont,
                                    source=Source(t.url) if t.url and not cont else None))
            else:
                items.append(it)
        if not items and s.title is None:
            continue
        stitle = s.title
        if stitle is None:
            opened = any(isinstance(x, Speech) and any("séance est ouverte" in p for p in x.paragraphs)
                         or isinstance(x, Stage) and "séance est ouverte" in x.text for x in items)
            stitle = OPENING_TITLE if opened else START_TITLE
        elif first_item_title is None and idx > 0:
            first_item_title = stitle
        out.append(Section(stitle, tuple(interjections(items))))
    sitting = sections[0].title if sections and sections[0].title else None
    title = (title or sitting or first_item_title
             or title_from_formula(p for s in out for x in s.items if isinstance(x, Speech)
                                   for p in x.paragraphs)
             or next((h.text for s in out for h in s.items if isinstance(h, Heading) and h.level), None)
             or fallback_title(chamber, date, source))
    return Debate(title, date, chamber, tuple(out), record, tuple(details))
