"""Casting: a Voice for every speaker of a debate, and the narrator. Plain data in and out: the
CLI and the build load the catalog and the records (pipeline.config) and save the new records.

- Gender from civility. The chair has one voice per gender, the same for every holder (the
  chair stays recognisable; "Mme la présidente" is never read by a man's voice); the narrator
  another; no speaker of the sitting shares theirs.
- Distinct renderings for distinct speakers while the pool allows: first every installed voice
  of the right gender, then the catalog's variants (rate × pitch) of each.
- Persistent: assignments are recorded, keyed by the speaker's normalized name, one table per
  engine family; a later debate reuses them, and entries a user marks `user = true` always win.
"""
from __future__ import annotations

import unicodedata

from pipeline.config import family, format_ref, parse_ref
from pipeline.french import fold
from pipeline.model import NARRATOR, Debate, Speech, Voice
from pipeline.voices import InstalledVoice

# Record names of the chair's voices, by the chair's gender (None: no civility printed).
CHAIR = "__chair__"
CHAIR_RECORDS = {"male": CHAIR, None: CHAIR, "female": "__chair_female__"}


def normalize_name(key: str) -> str:
    """"Loïc  Hervé" and "loic herve" are one person."""
    s = unicodedata.normalize("NFKD", key)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return " ".join(fold(s).split())


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
    names |= {r: "présidence" for r in CHAIR_RECORDS.values()}
    return [f"{who}: the voice you chose ({table[n]['voice']}) is not installed: another is used"
            for n, who in names.items()
            if table.get(n, {}).get("user") and find(pool, table[n]["voice"]) is None]


def cast(debate: Debate, pool: list[InstalledVoice], catalog: dict,
         recorded: dict) -> tuple[dict[str, Voice], dict]:
    """Voice of every speaker key of the debate, plus NARRATOR; and the new records
    ({family: {name: entry}}) for speakers the records did not know."""
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
        ivs = [iv for iv in found if iv and (gender is None or iv.gender == gender)]
        ivs += [iv for iv in pool if gender is None or iv.gender == gender] + list(pool)
        v = next((o for ls, p in variants for iv in ivs
                  for o in [iv.as_voice(length_scale=ls, pitch=p)] if o.rendering not in avoid),
                 ivs[0].as_voice())
        if e is None:
            record(name, v)
        return v

    roles = catalog.get("roles", {})
    chair_refs = roles.get("chair", {})
    result: dict[str, Voice] = {NARRATOR: fixed(NARRATOR, roles.get("narrator", []), None, set())}
    speakers = debate.speakers()
    chair_keys = [k for k, s in speakers.items() if s.is_chair]
    chairs: dict[str | None, Voice] = {}       # chair voice by the holder's gender
    for k in chair_keys:
        g = speakers[k].gender if speakers[k].gender in ("male", "female") else None
        if g not in chairs:
            taken = {result[NARRATOR].rendering} | {v.rendering for v in chairs.values()}
            chairs[g] = fixed(CHAIR_RECORDS[g], chair_refs.get(g or "male", []), g, taken)
        result[k] = chairs[g]
    reserved = {result[NARRATOR].rendering} | {v.rendering for v in chairs.values()}
    reserved_voices = {(v.engine, v.voice, v.speaker_id) for v in (result[NARRATOR], *chairs.values())}

    # Every rendering the pool can give, best first: plain voices (not the narrator's or the
    # chair's), then their variants, then variants of the reserved voices.
    def renderings(gender: str | None) -> list[Voice]:
        ivs = [v for v in pool if gender is None or v.gender == gender] or list(pool)
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
        if n.startswith("id:"):
            continue                           # a person's second record: counted once
        r = (*parse_ref(e["voice"]), float(e.get("length_scale", 1.0)), float(e.get("pitch", 1.0)))
        used_anywhere[r] = used_anywhere.get(r, 0) + 1

    def rkey(v: Voice) -> tuple:
        return (v.engine, v.voice, v.speaker_id, v.length_scale, v.pitch)

    # Speakers with a recorded voice first, so that newcomers take what is left: a speaker keeps
    # their voice from debate to debate.
    def ident(k: str) -> str | None:
        """A person the source identifies (AN "PA…", a NosDéputés slug) is recorded by that id
        too, so the same deputy keeps one voice whatever the format or spelling of the name."""
        pid = speakers[k].person_id
        return f"id:{pid}" if pid else None

    def known(k: str) -> dict | None:
        return table.get(ident(k) or "") or table.get(normalize_name(k))

    order = [k for k in speakers if k not in chair_keys]
    order.sort(key=lambda k: known(k) is None)
    for k in order:
        name = normalize_name(k)
        e = known(k)
        if e is not None and ident(k) and ident(k) not in table:
            table[ident(k)] = new[ident(k)] = dict(e)  # known by name (no ids there): by id too
        v = _entry_voice(e, pool) if e else None
        options = renderings(speakers[k].gender)
        if v is None:
            # New here: the rendering least used in this debate; among those the plainest
            # (variants only when the voices run out), then the least used in every debate
            # cast so far. Recorded.
            v = min(options, key=lambda o: (used_here.get(o.rendering, 0), tier[o.rendering],
                                            used_anywhere.get(rkey(o), 0), options.index(o)))
            if e is None:
                record(name, v)
                if ident(k):
                    record(ident(k), v)
                used_anywhere[rkey(v)] = used_anywhere.get(rkey(v), 0) + 1
        elif not e.get("user") and v.rendering in reserved:
            # Recorded with the voice this sitting's chair has (a woman chairs): the least used
            # rendering here instead, for this debate only.
            v = min(options, key=lambda o: (used_here.get(o.rendering, 0), tier[o.rendering],
                                            options.index(o)))
        elif not e.get("user") and used_here.get(v.rendering) and any(
                not used_here.get(o.rendering) for o in options):
            # A recorded voice already taken in this debate while a free one exists: use the
            # first free one here only (a choice from this debate alone, so rebuilds agree).
            v = next(o for o in options if not used_here.get(o.rendering))
        used_here[v.rendering] = used_here.get(v.rendering, 0) + 1
        result[k] = v

    result = {k: result[k] for k in [NARRATOR, *chair_keys, *speakers] if k in result}
    _separate_neighbours(debate, result, renderings)
    return result, ({fam: new} if new else {})


def _separate_neighbours(debate: Debate, result: dict[str, Voice], renderings) -> None:
    """Two speakers who speak one after the other never share a rendering (pool exhaustion).
    The chair keeps its voice (whoever holds it); the other speaker moves to the rendering
    least used in this debate among those none of their neighbours has."""
    turns = [i.speaker for s in debate.sections for i in s.items if isinstance(i, Speech)]
    keys = [t.key for t in turns]
    for a, b in zip(turns, turns[1:]):
        if a.key == b.key or result[a.key].rendering != result[b.key].rendering:
            continue
        if a.is_chair and b.is_chair:
            continue
        moved = a if b.is_chair else b
        near = {result[keys[j + d]].rendering for j, k in enumerate(keys) if k == moved.key
                for d in (-1, 1) if 0 <= j + d < len(keys) and keys[j + d] != k}
        uses: dict[tuple, int] = {}
        for v in result.values():
            uses[v.rendering] = uses.get(v.rendering, 0) + 1
        options = [o for o in renderings(moved.gender) if o.rendering not in near]
        if options:
            result[moved.key] = min(options, key=lambda o: (uses.get(o.rendering, 0),
                                                            options.index(o)))


def cast_json(debate: Debate, voices: dict[str, Voice]) -> dict[str, dict]:
    """`cast --json`: every speaker as `parse --json` names them (the resolved name, else the
    label exactly as printed), with the whole rendering and the entry's role."""
    def entry(v: Voice, role: str) -> dict:
        return {**v.to_json(), "length_scale": v.length_scale, "pitch": v.pitch, "role": role}

    out = {NARRATOR: entry(voices[NARRATOR], "narrator")}
    for s in (i.speaker for sec in debate.sections for i in sec.items if isinstance(i, Speech)):
        name = s.name or s.label
        if name not in out:
            out[name] = entry(voices[s.key], "chair" if s.is_chair else "speaker")
    return out


def cast_table(debate: Debate, voices: dict[str, Voice]) -> list[tuple[str, str, str, str]]:
    """Rows (speaker, gender, voice, variant) for the human-readable cast."""
    rows = []
    speakers = debate.speakers()
    for k, v in voices.items():
        sp = speakers.get(k)
        variant = "" if (v.length_scale, v.pitch) == (1.0, 1.0) else \
            f"rate ×{1 / v.length_scale:.2f}, pitch ×{v.pitch:.2f}"
        who = "narrateur" if k == NARRATOR else f"{k} (présidence)" if sp and sp.is_chair else k
        rows.append((who, (sp.gender if sp else v.gender) or "-",
                     format_ref(v.engine, v.voice, v.speaker_id), variant))
    return rows
