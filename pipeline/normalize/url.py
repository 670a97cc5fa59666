"""URLs and e-mail addresses, spelled the way people say them."""
from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|www\.)[^\s«»\"<>]+[^\s«»\"<>.,;:!?)]"
                 r"|(?<![\w@.-])[\w-]+(?:\.[\w-]+)*\.(?:fr|com|org|net|eu|gouv\.fr|info|io)(?:/[^\s«»\"<>]*[^\s«»\"<>.,;:!?)])?(?![\w])")
_MAYBE_URL = re.compile(r"://|www\.|\.(?:fr|com|org|net|eu|info|io)\b")
_PARTS = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]")
_SAY = {".": "point", "/": "slash", "-": "tiret", "_": "tiret bas", "@": "arobase",
        ":": "deux points", "?": "point d'interrogation", "=": "égale", "&": "et",
        "+": "plus", "#": "dièse", "~": "tilde", "%": "pour cent"}
# Short labels people spell out ("point F R") rather than read as words.
_SPELL = {"fr", "eu", "www", "http", "https", "ue", "tv", "io"}


def _say(address: str) -> str:
    from .numbers import digits
    out = []
    for part in _PARTS.findall(address):
        if part.isdigit():
            out.append(digits(part))
        elif part.isalpha():
            low = part.lower()
            out.append(" ".join(low.upper()) if low in _SPELL else low)
        else:
            out.append(_SAY.get(part, ""))
    return " ".join(w for w in out if w)


def apply(text: str) -> str:
    if "@" in text:
        text = EMAIL.sub(lambda m: _say(m.group()), text)
    if _MAYBE_URL.search(text):
        text = URL.sub(lambda m: _say(re.sub(r"^https?://", "", m.group())), text)
    return text
