"""The validating edge: one loader for each file a user edits, returning plain data or raising
InputError("FILE:LINE: what is wrong") — never a traceback from deep inside a stage.

Sections: where user state lives; voices (catalog, measured genders, cast
records); parse rules; lexicon; assembly. Keep it sectioned: each loader owns its section.
"""
from __future__ import annotations

import os
from pathlib import Path

# Reading TOML with line numbers, and the checks every loader uses.
from pipeline.checks import Checker as _Checker, read_toml
from pipeline.model import InputError

# --- where user state lives ----------------------------------------------------------------

def data_dir() -> Path:
    """The user's data folder: $XDG_DATA_HOME/hemicycle, by default ~/.local/share/hemicycle."""
    base = os.environ.get("XDG_DATA_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share") / "hemicycle"


def voices_dir(given: Path | None = None) -> Path:
    """Where voices are installed and measured: --voices, else $HEMICYCLE_VOICES, else the data
    folder's voices/."""
    env = os.environ.get("HEMICYCLE_VOICES")
    return Path(given) if given else Path(env) if env else data_dir() / "voices"


def records_path(voices: Path | None = None, given: Path | None = None) -> Path:
    """The cast records: --cast, else cast.toml beside a voices folder the user named (--voices
    or $HEMICYCLE_VOICES), else the data folder's cast.toml."""
    if given:
        return Path(given)
    if voices or os.environ.get("HEMICYCLE_VOICES"):
        return voices_dir(voices) / "cast.toml"
    return data_dir() / "cast.toml"


# --- voices: catalog, measured genders, cast records ---------------------------------------

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
CATALOG = PACKAGE_DATA / "catalog.toml"
DEFAULT_CAST = PACKAGE_DATA / "cast.toml"      # the seeds' cast: records start from it
ENGINES = ("piper", "kokoro", "mbrola", "pico")
GENDERS = ("male", "female", "unknown")
# A pool with Kokoro is its own family: its casts (narrator and women on Kokoro) never
# overwrite those made without it, like the seeds' shipped offline cast (data/cast.toml).
FAMILIES = {"piper": ("piper",), "kokoro": ("kokoro", "mbrola", "pico"),
            "offline": ("mbrola", "pico")}
LENGTH_SCALE = (0.25, 4.0)       # > 1 slower; 0 would divide by zero in the engines
PITCH = (0.5, 2.0)


def family(engine: str) -> str:
    """Cast records are kept per engine family: Piper, the offline engine with Kokoro (a pool
    led by its voice), or without it (mbrola + pico)."""
    return engine if engine in ("piper", "kokoro") else "offline"


def format_ref(engine: str, voice: str, speaker_id: int | None = None) -> str:
    """The one written form of a voice: "engine:voice[:speaker id]" (catalog roles, records)."""
    return f"{engine}:{voice}" + (f":{speaker_id}" if speaker_id is not None else "")


def parse_ref(ref: str) -> tuple[str, str, int | None]:
    """"engine:voice[:speaker id]" → (engine, voice, id); ValueError saying what is wrong."""
    parts = ref.split(":") if isinstance(ref, str) else []
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"{ref!r}: expected \"engine:voice\" or \"engine:voice:speaker id\" "
                         f"(engine {', '.join(ENGINES)})")
    if parts[0] not in ENGINES:
        raise ValueError(f"{ref!r}: unknown engine {parts[0]!r} (known: {', '.join(ENGINES)})")
    if len(parts) == 3 and not parts[2].isdigit():
        raise ValueError(f"{ref!r}: the speaker id must be a whole number ≥ 0")
    return parts[0], parts[1], int(parts[2]) if len(parts) == 3 else None


def _ref(c: _Checker, value, keys: tuple, engines=ENGINES) -> str:
    c.string(value, keys)
    try:
        engine = parse_ref(value)[0]
    except ValueError as e:
        c.fail(keys, str(e))
    if engine not in engines:
        c.fail(keys, f"{value!r}: a {engine} voice in the {keys[0]} table "
                     f"(this table holds {', '.join(engines)} voices)")
    return value


_PIPER_KEYS = {"quality": str, "sample_rate": int, "licence": str, "multi_speaker": bool,
               "speakers": dict, "median_f0_hz": dict}
_OFFLINE_KEYS = {"gender", "accent", "licence"}


def _check_catalog(c: _Checker, d: dict) -> dict:
    c.only(d, (), {"variants", "piper", "kokoro", "mbrola", "pico", "roles"})
    variants = d.get("variants", [])
    if not isinstance(variants, list):
        c.fail(("variants",), "expected a list of { length_scale, pitch } tables")
    for i, v in enumerate(variants, 1):
        where = ("variants",)
        c.only(c.table(v, where), where, {"length_scale", "pitch"})
        c.number(v.get("length_scale", 1.0), where, *LENGTH_SCALE)
        c.number(v.get("pitch", 1.0), where, *PITCH)
    for name, e in c.table(d.get("piper", {}), ("piper",)).items():
        keys = ("piper", name)
        c.table(e, keys)
        c.only(e, keys, _PIPER_KEYS)
        for k, t in _PIPER_KEYS.items():
            if k in e and (not isinstance(e[k], t) or isinstance(e[k], bool) != (t is bool)):
                c.fail(keys + (k,), f"expected a {t.__name__}, got {e[k]!r}")
        for sid, g in e.get("speakers", {}).items():
            if not sid.isdigit():
                c.fail(keys + ("speakers",), f"speaker id {sid!r}: expected a whole number ≥ 0")
            c.string(g, keys + ("speakers",), GENDERS)
        for sid, f0 in e.get("median_f0_hz", {}).items():
            c.number(f0, keys + ("median_f0_hz",), 0, 1000)
    for engine in ("kokoro", "mbrola", "pico"):
        for name, e in c.table(d.get(engine, {}), (engine,)).items():
            keys = (engine, name)
            c.only(c.table(e, keys), keys, _OFFLINE_KEYS)
            if "gender" in e:
                c.string(e["gender"], keys + ("gender",), GENDERS)
    roles = c.table(d.get("roles", {}), ("roles",))
    c.only(roles, ("roles",), {"narrator", "chair"})
    for r in c.strings(roles.get("narrator", []), ("roles", "narrator")):
        _ref(c, r, ("roles", "narrator"))
    chair = roles.get("chair", {})
    if isinstance(chair, list):          # one list for both genders (gender-filtered)
        chair = {"male": chair, "female": chair}
    c.only(c.table(chair, ("roles", "chair")), ("roles", "chair"), {"male", "female"})
    for g, refs in chair.items():
        for r in c.strings(refs, ("roles", "chair", g)):
            _ref(c, r, ("roles", "chair", g))
    if "roles" in d:
        d["roles"] = {**roles, "chair": chair}
    return d


def _merge(into: dict, extra: dict) -> None:
    for name, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(name), dict):
            _merge(into[name], value)
        else:
            into[name] = value


def load_catalog(voices: Path | None = None) -> dict:
    """The shipped catalog, then what a voices folder adds: its own catalog.toml (a user's
    voices), and the genders measured there (measured.toml, written by `voices measure`)."""
    data, lines = read_toml(CATALOG)
    catalog = _check_catalog(_Checker(CATALOG, lines), data)
    if voices is not None:
        for name in ("catalog.toml", "measured.toml"):
            f = Path(voices) / name
            if f.exists() and f.resolve() != CATALOG:
                extra, lines = read_toml(f)
                _merge(catalog, _check_catalog(_Checker(f, lines), extra))
    return catalog


_ENTRY = {"voice", "length_scale", "pitch", "user"}


def _check_cast(c: _Checker, d: dict) -> dict:
    c.only(d, (), FAMILIES)
    for fam, table in d.items():
        for name, e in c.table(table, (fam,)).items():
            keys = (fam, name)
            c.only(c.table(e, keys), keys, _ENTRY)
            if "voice" not in e:
                c.fail(keys, 'no voice: write voice = "engine:voice[:speaker id]"')
            _ref(c, e["voice"], keys + ("voice",), FAMILIES[fam])
            e["length_scale"] = c.number(e.get("length_scale", 1.0), keys + ("length_scale",),
                                         *LENGTH_SCALE)
            e["pitch"] = c.number(e.get("pitch", 1.0), keys + ("pitch",), *PITCH)
            if "user" in e:
                c.boolean(e["user"], keys + ("user",))
    return d


def read_records(path: Path) -> dict:
    """One cast records file, validated: {family: {normalized name: entry}}; {} when absent."""
    path = Path(path)
    if not path.exists():
        return {}
    data, lines = read_toml(path)
    return _check_cast(_Checker(path, lines), data)


def load_cast(path: Path | None) -> dict:
    """The recorded cast: the shipped default (the seeds' voices), overlaid by the user's
    records (their entries win)."""
    merged = read_records(DEFAULT_CAST)
    for fam, table in (read_records(path) if path else {}).items():
        merged.setdefault(fam, {}).update(table)
    return merged


_HEADER = ("# Voice of each speaker, by engine family; recorded by `hemicycle build`.\n"
           "# Edit an entry (voice = \"engine:voice[:speaker]\", length_scale, pitch) and set\n"
           "# user = true: it then always wins.\n\n")


def save_records(path: Path, new: dict) -> None:
    """Add `new` records ({family: {name: entry}}) to the records file, under a lock: two builds
    recording at once both keep their records. An entry already there stays as it is."""
    import fcntl

    import tomli_w

    from pipeline.atomic import write_text
    if not any(new.values()):
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)      # released when the file closes
        data = read_records(path)
        added = False
        for fam, table in new.items():
            for name, entry in table.items():
                if name not in data.setdefault(fam, {}):
                    data[fam][name] = entry
                    added = True
        if added:
            write_text(path, _HEADER + tomli_w.dumps({f: t for f, t in data.items() if t}))


# --- parse rules (pipeline/parse/rules.toml) -----------------------------------------------

# Keys whose strings are regular expressions; every other value is a string or a word list.
_RULE_REGEXES = {("labels", "collective"), ("chair", "presidence"), ("chair", "vice"),
                 ("chair", "sous_presidence"), ("chair", "fauteuil"), ("headings", "known"),
                 ("headings", "sitting"), ("votes", "line")}
_RULE_LISTS = {("labels", k) for k in ("civilities", "role_heads", "role_continuations",
                                       "role_stopwords", "name_particles")} | {("stage", "keywords")}


def load_rules(path: Path) -> dict:
    """The parser's rules: regular expressions (compiled here to check them: the known keys
    above, and any `pattern` in a table) and word lists. Other values are left to the parser."""
    path = Path(path)
    data, lines = read_toml(path)
    c = _Checker(path, lines)

    def walk(value, keys: tuple):
        if keys in _RULE_REGEXES or (keys and keys[-1] == "pattern"):
            c.regex(value, keys)
        elif keys in _RULE_LISTS:
            c.strings(value, keys)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, keys + (k,))
        elif isinstance(value, list):
            for v in value:
                walk(v, keys)
    walk(data, ())
    for keys in sorted(_RULE_REGEXES | _RULE_LISTS):
        if not isinstance(data.get(keys[0]), dict) or keys[1] not in data[keys[0]]:
            c.fail(keys[:1], f"missing {keys[1]}")
    return data


# --- lexicon (lexicon.tsv: the user's pronunciations) --------------------------------------

def lexicon_path(env=os.environ) -> Path | None:
    """The user lexicon: the file $HEMICYCLE_LEXICON names (it must exist), else ./lexicon.tsv
    when there is one, else None."""
    named = env.get("HEMICYCLE_LEXICON")
    if named:
        if not Path(named).is_file():
            raise InputError(f"HEMICYCLE_LEXICON={named}: no such file")
        return Path(named)
    local = Path("lexicon.tsv")
    return local if local.is_file() else None


def load_lexicon(path: Path | None) -> dict[str, str]:
    """`written<TAB>spoken` lines (UTF-8; blank lines and `#` comments skipped) -> {written:
    spoken}. A spoken form is a respelling or holds exact phonemes, [[…]] in espeak's French
    mnemonics (`espeak-ng -v fr -x WORD` prints them). None -> {} (built-in entries only)."""
    if path is None:
        return {}
    from pipeline.normalize.phonemes import BLOCK, unknown
    path = Path(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    entries: dict[str, str] = {}
    first: dict[str, int] = {}
    for n, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != 2 or not all(fields):
            raise InputError(f"{path}:{n}: expected `written<TAB>spoken`, got {line.strip()!r}")
        written, spoken = fields
        if written in first:
            raise InputError(f"{path}:{n}: {written!r} already given on line {first[written]}")
        if "[" in written or "]" in written:
            raise InputError(f"{path}:{n}: brackets in the written form {written!r}")
        outside = BLOCK.sub(" ", spoken)
        if "[" in outside or "]" in outside:
            raise InputError(f"{path}:{n}: unclosed or nested [[phonemes]] in {spoken!r}")
        for block in BLOCK.findall(spoken):
            bad = unknown(block)
            if bad is not None or not block.strip():
                raise InputError(f"{path}:{n}: {bad or 'nothing'!r} in [[{block}]] is no French "
                                 "espeak phoneme (see `espeak-ng -v fr -x WORD`)")
        entries[written], first[written] = spoken, n
    return entries


# --- assembly (pipeline/data/assembly.toml) ------------------------------------------------

_PAUSES = ("sentence", "paragraph", "speaker", "section", "end")


def load_assembly(path: Path):
    """Pauses, heard bounds, loudness, stage mode and chapter rules, checked: every pause and
    bound a duration in range, the heard bounds around their nominal pause and in order
    (sentence < paragraph < speaker < section)."""
    from pipeline.assemble import Assembly
    path = Path(path)
    data, lines = read_toml(path)
    c = _Checker(path, lines)
    c.only(data, (), {"pauses", "heard", "loudness", "stage", "chapters"})
    pauses = c.table(data.get("pauses"), ("pauses",))
    c.only(pauses, ("pauses",), (*_PAUSES, "lead"))
    for k in (*_PAUSES, "lead"):
        if k not in pauses:
            c.fail(("pauses",), f"missing {k}")
        pauses[k] = int(c.number(pauses[k], ("pauses", k), 0, 60000))
    heard = c.table(data.get("heard", {}), ("heard",))
    c.only(heard, ("heard",), _PAUSES)
    bounds = {}
    for k, v in heard.items():
        if not (isinstance(v, list) and len(v) == 2):
            c.fail(("heard", k), f"expected [shortest, longest] in ms, got {v!r}")
        lo, hi = (int(c.number(x, ("heard", k), 0, 60000)) for x in v)
        if not lo <= pauses[k] <= hi:
            c.fail(("heard", k), f"[{lo}, {hi}] must hold the nominal pause {pauses[k]}")
        bounds[k] = (lo, hi)
    order = [k for k in _PAUSES[:4] if k in bounds]
    for a, b in zip(order, order[1:]):
        if bounds[a][1] >= bounds[b][0]:
            c.fail(("heard", b), f"overlaps {a}: the heard order {a} < {b} would not hold")
    loud = c.table(data.get("loudness"), ("loudness",))
    c.only(loud, ("loudness",), {"target_lufs", "true_peak_dbtp"})
    target = c.number(loud.get("target_lufs"), ("loudness", "target_lufs"), -40, -5)
    peak = c.number(loud.get("true_peak_dbtp"), ("loudness", "true_peak_dbtp"), -20, 0)
    stage = c.table(data.get("stage", {}), ("stage",))
    c.only(stage, ("stage",), {"mode", "cue_ms"})
    mode = c.string(stage.get("mode", "read"), ("stage", "mode"), ("read", "skip", "cue"))
    cue_ms = int(c.number(stage.get("cue_ms", 450), ("stage", "cue_ms"), 50, 5000))
    chapters = c.table(data.get("chapters", {}), ("chapters",))
    c.only(chapters, ("chapters",), {"min_s", "max", "procedural", "procedural_max_s"})
    min_s = c.number(chapters.get("min_s", 30), ("chapters", "min_s"), 0, 3600)
    most = int(c.number(chapters.get("max", 255), ("chapters", "max"), 1, 255))
    procedural = c.strings(chapters.get("procedural", []), ("chapters", "procedural"))
    for p in procedural:
        c.regex(p, ("chapters", "procedural"))
    longest = c.number(chapters.get("procedural_max_s", 180), ("chapters", "procedural_max_s"),
                       0, 86400)
    return Assembly(pauses, target, peak, mode, cue_ms, bounds or None, min_s, most,
                    tuple(procedural), longest)
