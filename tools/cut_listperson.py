"""Cut a ParlaMint listPerson down to the persons some sittings name (the test fixture's excerpt).

    python tools/cut_listperson.py FULL-listPerson.xml SITTING.xml… > excerpt.xml

Text is cut, not re-serialised: the file's head up to its first <person>, then each
`<person xml:id="…">…</person>` block whose id a sitting's `who="#…"` names, byte for byte in the
file's order, then the closing </listPerson>. Used on ParlaMint-FR-listPerson.xml (clarin-eric/
ParlaMint, Samples/ParlaMint-FR/) for tests/fixtures/sources/parlamint/.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

_PERSON = re.compile(r'[ \t]*<person xml:id="([^"]+)">.*?</person>\n', re.S)


def cut(full: str, ids: set[str]) -> str:
    first = _PERSON.search(full)
    if first is None:
        raise SystemExit("no <person xml:id=…> in the listPerson")
    kept = [m.group(0) for m in _PERSON.finditer(full) if m.group(1) in ids]
    missing = ids - {m.group(1) for m in _PERSON.finditer(full)}
    if missing:
        raise SystemExit(f"not in the listPerson: {', '.join(sorted(missing))}")
    return full[:first.start()] + "".join(kept) + "</listPerson>\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    full = Path(argv[0]).read_text(encoding="utf-8")
    ids = {w for f in argv[1:] for w in re.findall(r'who="#([^"\s]+)"', Path(f).read_text(encoding="utf-8"))}
    sys.stdout.write(cut(full, ids))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
