"""Text for the terminal: what a downloaded file holds is shown, never obeyed. Controls (an
escape sequence clears the screen, retitles the window, hides a line with "\r"), bidirectional
overrides (which reorder what is shown: "Trojan source"), line separators and lone surrogates
are printed as their JSON escape "\u001b", which `parse --json` output keeps valid JSON."""
from __future__ import annotations

import re

_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")


def shown(text: str) -> str:
    """`text` with every character that a terminal would obey written as "\\uXXXX"."""
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
