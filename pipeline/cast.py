"""Casting: a Voice for every speaker of a debate, and the narrator. Plain data in and out: the
CLI and the build load the catalog and the records (pipeline.config) and save the new records.

- One person, one voice: every label of a person in the sitting (pipeline.sex.people: the
  source's id, else the normalised name) gets that person's voice, of that person's sex (from
  the sitting's evidence; an unknown sex is said, and read by a voice that contradicts neither).
- The chair has one voice per sex, the same for every holder (the chair stays recognisable;
  "Mme la présidente" is never read by a man's voice); the narrator another; no speaker of the
  sitting shares theirs.
- Groups are groups ("Plusieurs députés…", "Un député du groupe…", "M. X et Mme Y"): one voice
  per kind of group, which none of the sitting's persons has, never recorded as a person.
- Distinct renderings for distinct persons while the pool allows: first every installed voice
  of the right sex, then the catalog's variants (rate × pitch) of each.
- Persistent: assignments are recorded, keyed by the person's normalized name (and their id),
  one table per engine family; a later debate reuses them, and entries a user marks
  `user = true` always win.
"""
from __future__ import annotations

import re

from pipeline.config import family, format_ref, parse_ref
from pipeline.french import GENDERS
from pipeline.model import NARRATOR, Debate, Speaker, Speech, Voice
from pipeline.sex import folded, people
from pipeline.voices import InstalledVoice

# Record names of the chair's voices, by the chair's sex (None: unknown).
CHAIR = "__chair__"
CHAIR_RECORDS = {"male": CHAIR, None: CHAIR, "female": "__chair_female__"}
# Record names of the groups' voices, by kind: several people, or one unnamed member ("Un
# député du groupe…", "Une députée du groupe…").
GROUP_RECORDS = {"several": "__group__", "male": "__group_member__",
                 "female": "__group_member_female__"}
_ONE_MEMBER = re.compile(r"^(un|une)\s", re.IGNORECASE)


def normalize_name(key: str) -> str:
    """"Loïc  Hervé" and "loic herve" are one person: the form records are keyed by, the one
    pipeline.sex compares names in."""
    return folded(key)


def find(pool: list[InstalledVoice], ref: str) -> InstalledVoice | None:
    engine, voice, sid = parse_ref(ref)
    for v in pool:
        if v.engine == engine and v.voice == voice and (sid is None or (v.speaker_id or 0) == sid):
            return v
    return None


def _entry_voice(entry: dict, pool: list[InstalledVoice]) -> Voice | None:
    iv = find(pool, entry["voice"])
    if iv is None:
        return None
    return iv.as_voice(length_scale=float(entry.get("length_scale", 1.0)),
                       pitch=float(entry.get("pitch", 1.0)))


def _entry(voice: Voice) -> dict:
    return {"voice": format_ref(voice.engine, voice.voice, voice.speaker_id),
            "length_scale": voice.length_scale, "pitch": voice.pitch}


def missing_user_voices(debate: Debate, pool: list[InstalledVoice], recorded: dict) -> list[str]:
    """One line for each voice a user chose (`user = true`) for this debate that is not
    installed: that speaker is read by another voice."""
    if not pool:
        return []
    table = recorded.get(family(pool[0].engine), {})
    names = {normalize_name(k): k for k in debate.speakers()} | {NARRATOR: "narrateur"}
    for p in people(debate).values():
        names |= {n: p.name for n in (normalize_name(p.name), *(f"id:{i}" for i in p.ids))
                  if n not in names}
    names |= {r: "présidence" for r in CHAIR_RECORDS.values()}
    names |= {r: "groupes" for r in GROUP_RECORDS.values()}
    return [f"{who}: the voice you chose ({table[n]['voice']}) is not installed: another is used"
            for n, who in names.items()
            if table.get(n, {}).get("user") and find(pool, table[n]["voice"]) is None]


def cast_notes(debate: Debate, pool: list[InstalledVoice], recorded: dict) -> list[str]:
    """What the listener should know of this cast, one line each: a chosen voice not installed
    (missing_user_voices), persons whose sex nothing in the source tells, persons of a sex the
    installed voices do not cover."""
    notes = missing_user_voices(debate, pool, recorded)
    persons = {(p.identity, p.chair): p for p in people(debate).values()}.values()
    unknown = sorted({p.name for p in persons if p.sex is None and not p.chair})
    chairs = sorted({p.name for p in persons if p.sex is None and p.chair})
    if chairs:
        notes.append(f"sex unknown (no civility, role, person data or known first name) for "
                     f"{', '.join(chairs)}, in the chair: read by the chair's first voice")
    if unknown:
        how = ("a voice of unknown gender" if voices_for(pool, None) else
               "a variant of the narrator's voice (no installed voice is of unknown gender)")
        notes.append(f"sex unknown (no civility, role, person data or known first name) for "
                     f"{', '.join(unknown)}: read by {how}")
    for sex in GENDERS:
        lacking = sorted({p.name for p in persons if p.sex == sex})
        if lacking and not voices_for(pool, sex):
            notes.append(f"no {sex} voice installed: {', '.join(lacking)} read by another voice")
    return notes


def group_kind(s: Speaker) -> str:
    """A group's kind: "several" people, or the sex of one unnamed member ("Un député du groupe
    RN" → "male", "Une députée du groupe RE" → "female")."""
    m = _ONE_MEMBER.match(s.label.strip())
    if m and not s.members:
        return "female" if m.group(1).lower() == "une" else "male"
    return "several"


def voices_for(pool: list[InstalledVoice], sex: str | None) -> list[InstalledVoice]:
    """The installed voices a speaker of this sex may be read by: those of that sex; for an
    unknown sex, those whose gender is unknown (they contradict neither). Empty when the pool
    has none (the caller falls back, and cast_notes says so). The one place that says which
    voices suit a sex: an engine with preferences plugs in here."""
    if sex in GENDERS:
        return [v for v in pool if v.gender == sex]
    return [v for v in pool if v.gender not in GENDERS]


def cast(debate: Debate, pool: list[InstalledVoice], catalog: dict,
         recorded: dict) -> tuple[dict[str, Voice], dict]:
    """Voice of every speaker key of the debate, plus NARRATOR; and the new records
    ({family: {name: entry}}) for persons and roles the records did not know."""
    if not pool:
        raise ValueError("no voice installed")
    variants = [(float(v.get("length_scale", 1.0)), float(v.get("pitch", 1.0)))
                for v in catalog.get("variants", [])] or [(1.0, 1.0)]
    fam = family(pool[0].engine)
    table: dict = dict(recorded.get(fam, {}))
    new: dict = {}

    def record(name: str, v: Voice) -> None:
        table[name] = new[name] = _entry(v)

    def fixed(name: str, refs: list[str], gender: str | None, avoid: set) -> Voice:
        """A role's voice: the recorded one, else the first candidate of `refs` (of `gender`),
        else any voice of that gender; never a rendering in `avoid`."""
        e = table.get(name)
        v = _entry_voice(e, pool) if e else None
        if v is not None and v.rendering not in avoid:
            return v
        found = [find(pool, r) for r in refs]
        same = [iv for iv in found if iv and (gender is None or iv.gender == gender)]
        same += [iv for iv in pool if gender is None or iv.gender == gender]
        # Every variant of a voice of the right sex before any voice of the other: with one
        # female voice (Kokoro), "Mme la présidente" takes its variant, never a man's voice.
        v = next((o for group in (same, list(pool)) for ls, p in variants for iv in group
                  for o in [iv.as_voice(length_scale=ls, pitch=p)] if o.rendering not in avoid),
                 (same or list(pool))[0].as_voice())
        if e is None:
            record(name, v)
        return v

    roles = catalog.get("roles", {})
    chair_refs = roles.get("chair", {})
    result: dict[str, Voice] = {NARRATOR: fixed(NARRATOR, roles.get("narrator", []), None, set())}
    narrator = result[NARRATOR]
    narrator_iv = find(pool, format_ref(narrator.engine, narrator.voice, narrator.speaker_id))
    speakers = debate.speakers()
    persons = people(debate)
    chair_keys = [k for k, s in speakers.items() if s.is_chair]
    chairs: dict[str | None, Voice] = {}       # chair voice by the holder's sex
    for k in chair_keys:
        g = persons[k].sex if k in persons else None
        if g not in chairs:
            taken = {narrator.rendering} | {v.rendering for v in chairs.values()}
            chairs[g] = fixed(CHAIR_RECORDS[g], chair_refs.get(g or "male", []), g, taken)
        result[k] = chairs[g]
    # Groups: one voice per kind of group, which no person of the sitting has (reserved like
    # the chair's, but only the rendering: persons keep the plain voice); the last variants,
    # so that persons keep the plainest. Recorded under the kind, never under the label. The
    # groups the seeds' records hold by label (recorded before groups were told apart) keep
    # their voice, as persons do.
    groups = [k for k in speakers if k not in chair_keys and k not in persons]
    legacy = {k for k in groups if table.get(normalize_name(k))}
    group_voice: dict[str, Voice] = {}
    for k in groups:
        if k in legacy:
            continue
        kind = group_kind(speakers[k])
        if kind not in group_voice:
            taken = {narrator.rendering} | {v.rendering for v in (*chairs.values(),
                                                                   *group_voice.values())}
            group_voice[kind] = _group_voice(table, record, pool, variants, kind, taken)
        result[k] = group_voice[kind]
    reserved = {narrator.rendering} | {v.rendering for v in (*chairs.values(),
                                                              *group_voice.values())}
    reserved_voices = {(v.engine, v.voice, v.speaker_id) for v in (narrator, *chairs.values())}

    # Every rendering the pool can give a sex, best first: plain voices (not the narrator's or
    # the chair's), then their variants, then variants of the reserved voices. An unknown sex
    # with no voice of unknown gender: variants of the narrator's voice (the book's own voice,
    # no one's sex).
    def renderings(sex: str | None) -> list[Voice]:
        ivs = voices_for(pool, sex) or ([narrator_iv] if sex is None and narrator_iv
                                        else list(pool))
        free = [v for v in ivs if (v.engine, v.voice, v.speaker_id) not in reserved_voices]
        taken = [v for v in ivs if (v.engine, v.voice, v.speaker_id) in reserved_voices]
        out = []
        for g, group in enumerate((free, taken)):
            for n, (ls, p) in enumerate(variants):
                out += [iv.as_voice(length_scale=ls, pitch=p) for iv in group]
                tier.update({out[-1 - i].rendering: (g, n) for i in range(len(group))})
        return [v for v in out if v.rendering not in reserved]

    tier: dict[tuple, tuple[int, int]] = {}   # rendering → (reserved voice?, variant rank)

    used_here: dict[tuple, int] = {}
    used_anywhere: dict[tuple, int] = {}
    for n, e in table.items():
        if n.startswith("id:") or n.startswith("__"):
            continue                           # a person's second record, a role: counted once
        r = (*parse_ref(e["voice"]), float(e.get("length_scale", 1.0)), float(e.get("pitch", 1.0)))
        used_anywhere[r] = used_anywhere.get(r, 0) + 1

    def rkey(v: Voice) -> tuple:
        return (v.engine, v.voice, v.speaker_id, v.length_scale, v.pitch)

    # Who gets a voice of their own: each person (all their labels), and the groups recorded
    # by label.
    units: dict[str, tuple[str, ...]] = {}
    for k in speakers:
        if k in persons and not persons[k].chair:
            units[k] = persons[k].keys
        elif k in legacy:
            units[k] = (k,)
    order = list(dict.fromkeys(units.values()))

    def sex_of(k: str) -> str | None:
        return persons[k].sex if k in persons else speakers[k].gender

    def names(unit: tuple[str, ...]) -> tuple[list[str], str]:
        """A unit's id records ("id:PA…", "id:<slug>") and its name record."""
        p = persons.get(unit[0])
        if p is None:
            return [], normalize_name(unit[0])
        return [f"id:{i}" for i in p.ids], normalize_name(p.name)

    def known(unit: tuple[str, ...]) -> dict | None:
        """The unit's record: by id, by name, by any of its labels (older records)."""
        ids, name = names(unit)
        return next((table[n] for n in (*ids, name, *(normalize_name(k) for k in unit))
                     if n in table), None)

    # Persons with a recorded voice first, so that newcomers take what is left: a person keeps
    # their voice from debate to debate.
    order.sort(key=lambda u: known(u) is None)
    fresh: dict[tuple[str, ...], list[str]] = {}   # newcomers: recorded once their voice is final
    claimed = {v.rendering for u in order for e in [known(u)] if e
               for v in [_entry_voice(e, pool)] if v is not None}   # recorded voices of this sitting
    for unit in order:
        ids, name = names(unit)
        sex = sex_of(unit[0])
        e = known(unit)
        if e is not None:
            for i in ids:
                if i not in table:
                    table[i] = new[i] = dict(e)   # known by name (no ids there): by id too
        v = _entry_voice(e, pool) if e else None
        options = renderings(sex)

        def least_used_here() -> Voice:
            return min(options, key=lambda o: (used_here.get(o.rendering, 0), tier[o.rendering],
                                               options.index(o)))
        if v is None:
            # New here: the rendering least used in this debate; among those the plainest
            # (variants only when the voices run out), then the least used in every debate
            # cast so far. Recorded.
            v = min(options, key=lambda o: (used_here.get(o.rendering, 0), tier[o.rendering],
                                            used_anywhere.get(rkey(o), 0), options.index(o)))
            if e is None:
                fresh[unit] = [name, *ids]
                used_anywhere[rkey(v)] = used_anywhere.get(rkey(v), 0) + 1
        elif not e.get("user") and v.rendering in reserved:
            # Recorded with the voice this sitting's chair has (a woman chairs): the least used
            # rendering here instead, for this debate only.
            v = least_used_here()
        elif not e.get("user") and sex in GENDERS and v.gender in GENDERS and v.gender != sex:
            # Recorded with the other sex's voice (cast before the evidence was read): a voice
            # of their sex, chosen from this debate alone (records are never rewritten).
            v = least_used_here()
        elif not e.get("user") and used_here.get(v.rendering) and any(
                not used_here.get(o.rendering) and o.rendering not in claimed for o in options):
            # A recorded voice already taken in this debate while a free one exists (free: no
            # one here has it, nor is recorded with it, so the order persons come in does not
            # matter): use the first free one here only (a choice from this debate alone, so
            # rebuilds agree).
            v = next(o for o in options if not used_here.get(o.rendering)
                     and o.rendering not in claimed)
        used_here[v.rendering] = used_here.get(v.rendering, 0) + 1
        result.update({k: v for k in unit})

    result = {k: result[k] for k in [NARRATOR, *chair_keys, *speakers] if k in result}
    _separate_neighbours(debate, result, renderings, units, sex_of,
                         {v.rendering for v in group_voice.values()})
    # A newcomer is recorded with the voice they are given after neighbours are separated: the
    # next build reads that voice back and casts the sitting the same (recording the voice
    # before gave five deputies of a real sitting another voice on the first rebuild).
    for unit, record_names in fresh.items():
        for n in record_names:
            record(n, result[unit[0]])
    return result, ({fam: new} if new else {})


def _group_voice(table: dict, record, pool: list[InstalledVoice], variants: list, kind: str,
                 avoid: set) -> Voice:
    """A kind of group's voice: the recorded one unless a role of this sitting has it; else
    the first rendering not in `avoid`, from the last variants (for "several": voices of no
    sex first, else any; for one unnamed member: a voice of that sex)."""
    name = GROUP_RECORDS[kind]
    e = table.get(name)
    v = _entry_voice(e, pool) if e else None
    if v is not None and v.rendering not in avoid:
        return v
    ivs = voices_for(pool, None if kind == "several" else kind) or list(pool)
    v = next((o for ls, p in reversed(variants) for iv in ivs
              for o in [iv.as_voice(length_scale=ls, pitch=p)] if o.rendering not in avoid),
             ivs[0].as_voice())
    if e is None:
        record(name, v)
    return v


def _separate_neighbours(debate: Debate, result: dict[str, Voice], renderings,
                         units: dict[str, tuple[str, ...]], sex_of, avoid: set) -> None:
    """Two speakers who speak one after the other never share a rendering (pool exhaustion).
    The chair keeps its voice (whoever holds it), and so does a group; the person moves, with
    all their labels, to the rendering least used in this debate among those none of their
    neighbours has."""
    turns = [i.speaker for s in debate.sections for i in s.items if isinstance(i, Speech)]
    keys = [t.key for t in turns]
    for a, b in zip(turns, turns[1:]):
        if a.key == b.key or result[a.key].rendering != result[b.key].rendering:
            continue
        if units.get(a.key) is not None and units.get(a.key) == units.get(b.key):
            continue                             # one person under two labels
        moved = b.key if b.key in units else a.key if a.key in units else None
        if moved is None:
            continue
        unit = units[moved]
        near = {result[keys[j + d]].rendering for j, k in enumerate(keys) if k in unit
                for d in (-1, 1) if 0 <= j + d < len(keys) and keys[j + d] not in unit}
        uses: dict[tuple, int] = {}
        for k, v in result.items():
            if units.get(k, (k,))[0] == k:
                uses[v.rendering] = uses.get(v.rendering, 0) + 1
        options = [o for o in renderings(sex_of(moved)) if o.rendering not in near | avoid]
        if options:
            choice = min(options, key=lambda o: (uses.get(o.rendering, 0), options.index(o)))
            result.update({k: choice for k in unit})


def _sex_fields(debate: Debate) -> dict[str, dict]:
    """Per speaker key: "sex" and "sex_source" (pipeline.sex.SOURCES) of a person, or "group"
    and the people a group's label names ("members")."""
    persons = people(debate)
    out = {}
    for k, s in debate.speakers().items():
        p = persons.get(k)
        out[k] = ({"sex": p.sex, "sex_source": p.sex_source} if p else
                  {"sex": None, "sex_source": "group", "members": list(s.members)})
    return out


def cast_json(debate: Debate, voices: dict[str, Voice]) -> dict[str, dict]:
    """`cast --json`: every speaker as `parse --json` names them (the resolved name, else the
    label exactly as printed), with the whole rendering, the entry's role, and the sex and where
    it was read (a group: its members instead)."""
    def entry(v: Voice, role: str) -> dict:
        return {**v.to_json(), "length_scale": v.length_scale, "pitch": v.pitch, "role": role}

    fields = _sex_fields(debate)
    out = {NARRATOR: {**entry(voices[NARRATOR], "narrator"), "sex": None, "sex_source": None}}
    for s in (i.speaker for sec in debate.sections for i in sec.items if isinstance(i, Speech)):
        name = s.name or s.label
        if name not in out:
            role = "chair" if s.is_chair else "group" if "members" in fields[s.key] else "speaker"
            out[name] = {**entry(voices[s.key], role), **fields[s.key]}
    return out


def cast_table(debate: Debate, voices: dict[str, Voice]) -> list[tuple[str, str, str, str]]:
    """Rows (speaker, sex and its source, voice, variant) for the human-readable cast; a group
    with the people its label names."""
    rows = []
    speakers = debate.speakers()
    fields = _sex_fields(debate)
    for k, v in voices.items():
        sp = speakers.get(k)
        variant = "" if (v.length_scale, v.pitch) == (1.0, 1.0) else \
            f"rate ×{1 / v.length_scale:.2f}, pitch ×{v.pitch:.2f}"
        f = fields.get(k, {})
        if k == NARRATOR:
            who, sex = "narrateur", v.gender or "-"
        elif "members" in f:
            who = f"{k} (groupe{': ' + ', '.join(f['members']) if f['members'] else ''})"
            sex = "-"
        else:
            who = f"{k} (présidence)" if sp and sp.is_chair else k
            sex = f"{f.get('sex') or 'inconnu'} ({f.get('sex_source')})"
        rows.append((who, sex, format_ref(v.engine, v.voice, v.speaker_id), variant))
    return rows
