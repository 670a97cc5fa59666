"""Casting: a Voice for every speaker of a debate, and the narrator.

- Gender from civility; the chair (whoever holds it) one dedicated voice, the narrator another.
- Distinct renderings for distinct speakers while the pool allows: first every installed voice
  of the right gender, then the catalog's variants (rate × pitch) of each.
- Persistent: assignments live in a cast file (voices/cast.toml), keyed by the speaker's
  normalized name, one table per engine family; a later debate reuses them, and entries a user
  writes there (marked `user = true`, or any entry with a hand-set `voice`) always win.
"""
from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path

from pipeline.atomic import write_text
from pipeline.model import NARRATOR, Debate, Speech, Voice
from pipeline.voices import InstalledVoice, load_catalog

CHAIR = "__chair__"


def normalize_name(key: str) -> str:
    """"Loïc  Hervé" and "loic herve" are one person."""
    s = unicodedata.normalize("NFKD", key)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return " ".join(s.replace("’", "'").split())


def family(engine: str) -> str:
    return "piper" if engine == "piper" else "offline"


def parse_ref(ref: str) -> tuple[str, str, int | None]:
    parts = ref.split(":")
    return parts[0], parts[1], int(parts[2]) if len(parts) > 2 else None


def find(pool: list[InstalledVoice], ref: str) -> InstalledVoice | None:
    engine, voice, sid = parse_ref(ref)
    for v in pool:
        if v.engine == engine and v.voice == voice and (sid is None or (v.speaker_id or 0) == sid):
            return v
    return None


def load_cast(path: Path | None) -> dict:
    if path and Path(path).exists():
        return tomllib.loads(Path(path).read_text("utf-8"))
    return {}


def save_cast(path: Path, data: dict) -> None:
    import tomli_w
    text = ("# Voice of each speaker, by engine family; written by `pipeline build`/`cast`.\n"
            "# Edit an entry (voice = \"engine:voice[:speaker]\", length_scale, pitch) and set\n"
            "# user = true: it then always wins.\n\n" + tomli_w.dumps(data))
    write_text(path, text)


def _entry_voice(entry: dict, pool: list[InstalledVoice]) -> Voice | None:
    iv = find(pool, entry.get("voice", ""))
    if iv is None:
        return None
    return iv.as_voice(length_scale=float(entry.get("length_scale", 1.0)),
                       pitch=float(entry.get("pitch", 1.0)))


def _entry(voice: Voice, user: bool = False) -> dict:
    ref = ":".join([voice.engine, voice.voice] + ([str(voice.speaker_id)]
                                                  if voice.speaker_id is not None else []))
    e = {"voice": ref, "length_scale": voice.length_scale, "pitch": voice.pitch}
    if user:
        e["user"] = True
    return e


def cast(debate: Debate, pool: list[InstalledVoice], cast_file: Path | None = None,
         voices_dir: Path | None = None, save: bool = True) -> dict[str, Voice]:
    """Voice of every speaker key of the debate, plus NARRATOR. Records new assignments."""
    if not pool:
        raise ValueError("no voice installed")
    catalog = load_catalog(voices_dir)
    variants = [(float(v["length_scale"]), float(v["pitch"])) for v in catalog.get("variants", [])] \
        or [(1.0, 1.0)]
    fam = family(pool[0].engine)
    stored = load_cast(cast_file)
    table: dict = stored.setdefault(fam, {})

    def chosen(ref_list: list[str], gender: str | None) -> InstalledVoice:
        for ref in ref_list:
            iv = find(pool, ref)
            if iv and (gender is None or iv.gender == gender):
                return iv
        matching = [v for v in pool if gender is None or v.gender == gender]
        return (matching or pool)[0]

    def fixed(name: str, refs: list[str], gender: str | None) -> Voice:
        e = table.get(name)
        v = _entry_voice(e, pool) if e else None
        if v is None:
            v = chosen(refs, gender).as_voice()
            table[name] = _entry(v)
        return v

    roles = catalog.get("roles", {})
    result: dict[str, Voice] = {NARRATOR: fixed(NARRATOR, roles.get("narrator", []), None)}
    speakers = debate.speakers()
    chair_keys = [k for k, s in speakers.items() if s.is_chair]
    chair_gender = speakers[chair_keys[0]].gender if chair_keys else None
    chair_voice = fixed(CHAIR if chair_gender != "female" else CHAIR + "f",
                        roles.get("chair", []), chair_gender)
    for k in chair_keys:
        result[k] = chair_voice
    reserved = {result[NARRATOR].rendering, chair_voice.rendering}
    reserved_voices = {(v.engine, v.voice, v.speaker_id) for v in (result[NARRATOR], chair_voice)}

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
    for e in table.values():
        if "voice" in e:
            r = (*parse_ref(e["voice"]), float(e.get("length_scale", 1.0)), float(e.get("pitch", 1.0)))
            used_anywhere[r] = used_anywhere.get(r, 0) + 1

    def rkey(v: Voice) -> tuple:
        return (v.engine, v.voice, v.speaker_id if v.speaker_id is not None else None,
                v.length_scale, v.pitch)

    # Speakers with a recorded voice first, so that newcomers take what is left: a speaker keeps
    # their voice from debate to debate.
    order = [k for k in speakers if k not in chair_keys]
    order.sort(key=lambda k: normalize_name(k) not in table)
    for k in order:
        name = normalize_name(k)
        e = table.get(name)
        v = _entry_voice(e, pool) if e else None
        options = renderings(speakers[k].gender)
        if v is None:
            # New here: the rendering least used in this debate; among those the plainest
            # (variants only when the voices run out), then the least used in every debate
            # cast so far. Recorded.
            v = min(options, key=lambda o: (used_here.get(o.rendering, 0), tier[o.rendering],
                                            used_anywhere.get(rkey(o), 0), options.index(o)))
            if e is None:
                table[name] = _entry(v)
                used_anywhere[rkey(v)] = used_anywhere.get(rkey(v), 0) + 1
        elif not e.get("user") and used_here.get(v.rendering) and any(
                not used_here.get(o.rendering) for o in options):
            # A recorded voice already taken in this debate while a free one exists: use the
            # first free one here only (a choice from this debate alone, so rebuilds agree).
            v = next(o for o in options if not used_here.get(o.rendering))
        used_here[v.rendering] = used_here.get(v.rendering, 0) + 1
        result[k] = v

    result = {k: result[k] for k in [NARRATOR, *chair_keys, *speakers] if k in result}
    _separate_neighbours(debate, result, renderings)
    if save and cast_file is not None:
        save_cast(cast_file, stored)
    return result


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


def cast_table(debate: Debate, voices: dict[str, Voice]) -> list[tuple[str, str, str, str]]:
    """Rows (speaker, gender, voice, variant) for the human-readable cast."""
    rows = []
    for k, v in voices.items():
        sp = debate.speakers().get(k)
        ref = v.voice + (f":{v.speaker_id}" if v.speaker_id is not None else "")
        variant = "" if (v.length_scale, v.pitch) == (1.0, 1.0) else \
            f"rate ×{1 / v.length_scale:.2f}, pitch ×{v.pitch:.2f}"
        rows.append((("narrateur" if k == NARRATOR else k), (sp.gender if sp else None) or "-",
                     f"{v.engine}:{ref}", variant))
    return rows
