"""URLs and e-mail addresses, spelled the way people say them (words: data/url.tsv)."""
from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon
from .numbers import digits

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PARTS = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]")


@lru_cache(maxsize=None)
def _data() -> tuple[dict[str, str], frozenset[str], re.Pattern, re.Pattern]:
    """(sign words, spelled labels, URL pattern, cheap URL guard) from data/url.tsv."""
    rows = [r for r in lexicon.table("url.tsv") if len(r) >= 3]
    signs = {lexicon.codepoints(r[0]): r[1] for r in rows if r[2] == "sign"}
    spell = frozenset(r[0] for r in rows if r[2] == "spell")
    domains = "|".join(re.escape(r[0]) for r in sorted(rows, key=lambda r: -len(r[0])) if r[2] == "domain")
    url = re.compile(r"(?:https?://|www\.)[^\s«»\"<>]+[^\s«»\"<>.,;:!?)]"
                     r"|(?<![\w@.-])[\w-]+(?:\.[\w-]+)*\.(?:" + domains + r")"
                     r"(?:/[^\s«»\"<>]*[^\s«»\"<>.,;:!?)])?(?![\w])")
    return signs, spell, url, re.compile(r"://|www\.|\.(?:" + domains + r")\b")


def _say(address: str) -> str:
    signs, spell, _, _ = _data()
    out = []
    for part in _PARTS.findall(address):
        if part.isdigit():
            out.append(digits(part))
        elif part.isalpha():
            low = part.lower()
            out.append(" ".join(low.upper()) if low in spell else low)
        else:
            out.append(signs.get(part, ""))
    return " ".join(w for w in out if w)


def apply(text: str) -> str:
    if "@" in text:
        text = EMAIL.sub(lambda m: _say(m.group()), text)
    _, _, url, maybe = _data()
    if maybe.search(text):
        text = url.sub(lambda m: _say(re.sub(r"^https?://", "", m.group())), text)
    return text
