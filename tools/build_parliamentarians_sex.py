#!/usr/bin/env python3
"""Rebuild pipeline/data/parliamentarians_sex.tsv: the sex of every deputy an official id names.

Casting uses it when a source names a deputy by id (AN "PA…" in the open-data XML and in
ParlaMint, a NosDéputés slug) and prints no civility. Inputs, as downloaded (public open data):

- NosDéputés.fr's list of the deputies of a legislature, `/deputes/json` on each legislature's
  site (Regards Citoyens, ODbL): 2007-2012.nosdeputes.fr (13th), 2012-2017 (14th), 2017-2022
  (15th), www.nosdeputes.fr (16th…). Each deputy has `sexe` ("H"/"F"), `slug` and `id_an` (the
  number of the Assemblée's "PA…" id).
- optionally CSV files in the shape `id,civ,prenom,nom,…` (the Assemblée's open data "acteurs",
  flattened: id "PA794038", civ "M."/"Mme").

    python tools/build_parliamentarians_sex.py nosdeputes_deputes13.json … [an_deputes.csv …] \
        --source "where each file came from" > pipeline/data/parliamentarians_sex.tsv

Output: one line per person, `sex<TAB>PA id<TAB>slug<TAB>name`, sorted by id then slug; sex
"F"/"M"; an empty id or slug when that source has none. A person found in several inputs is
one line; two inputs disagreeing on a sex is an error (nothing is written).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

SEX = {"H": "M", "F": "F", "M.": "M", "Mme": "F"}


def from_nosdeputes(path: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for entry in json.loads(path.read_text("utf-8"))["deputes"]:
        d = entry["depute"]
        pid = f"PA{d['id_an']}" if d.get("id_an") else ""
        rows.append((SEX[d["sexe"]], pid, d["slug"], d["nom"]))
    return rows


def from_acteurs_csv(path: Path) -> list[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(SEX[r["civ"]], r["id"], "", f"{r['prenom']} {r['nom']}") for r in csv.DictReader(f)]


def merge(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """One line per person: rows sharing a PA id or a slug are the same person."""
    by_id: dict[str, list] = {}
    by_slug: dict[str, list] = {}
    people: list[list] = []
    for sex, pid, slug, name in rows:
        p = by_id.get(pid) if pid else None
        p = p or (by_slug.get(slug) if slug else None)
        if p is None:
            p = [sex, pid, slug, name]
            people.append(p)
        elif p[0] != sex:
            sys.exit(f"{name} ({pid or slug}): sex {sex} here, {p[0]} in another input")
        p[1], p[2] = p[1] or pid, p[2] or slug
        if p[1]:
            by_id[p[1]] = p
        if p[2]:
            by_slug[p[2]] = p
    return sorted({tuple(p) for p in people}, key=lambda p: (p[1] == "", int(p[1][2:] or 0), p[2]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", type=Path, help="NosDéputés .json or acteurs .csv files")
    ap.add_argument("--source", action="append", default=[],
                    help="a provenance line written in the header (repeatable)")
    args = ap.parse_args()
    rows = []
    for p in args.inputs:
        rows += from_acteurs_csv(p) if p.suffix == ".csv" else from_nosdeputes(p)
    people = merge(rows)
    out = sys.stdout
    out.write("# Sex of the deputies named by an official id: sex (F/M), Assemblée id (PA…),\n"
              "# NosDéputés slug, name. Built by tools/build_parliamentarians_sex.py from:\n")
    for s in args.source:
        out.write(f"# - {s}\n")
    for p in people:
        out.write("\t".join(p) + "\n")


if __name__ == "__main__":
    main()
