"""The cover every output shares (M4B, MP3, EPUB, the feed): a square PNG with the debate's
title, chamber and date (in French), drawn deterministically. PNG rather than SVG: reading
systems' libraries and stores show PNG/JPEG covers, not always SVG ones.

The font is Noto Sans (OFL-1.1, Google's Noto project), from the PyPI package
`fontpkg-noto-sans`, a dependency of the project: full Latin coverage (É, œ, « », ’…), which
PIL's built-in font lacks. The file is the upstream variable font; weights are picked by name."""
from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

from pipeline.french import french_date
from pipeline.model import Debate

FONT_PACKAGE = "fontpkg_noto_sans"
FONT_FILE = "NotoSans[wdth,wght].ttf"
BRAND = "HÉMICYCLE"
BACKGROUND, BAND = (24, 39, 71), (196, 30, 58)
INK, SOFT = (255, 255, 255), (230, 230, 240)
TITLE_MOST = 4000        # characters: more than 18 lines of "i" at the smallest size show


def font_path() -> str:
    return str(resources.files(FONT_PACKAGE) / "files" / FONT_FILE)


@dataclass(frozen=True)
class Line:
    text: str
    weight: str                # a named instance of the variable font: "Bold", "Regular"…
    px: int                    # font size in pixels
    x: int
    y: int
    fill: tuple[int, int, int]


def _font(weight: str, px: int):
    from PIL import ImageFont
    font = ImageFont.truetype(font_path(), px)
    font.set_variation_by_name(weight)
    return font


def _words(text: str) -> list[str]:
    """Words, French punctuation kept with its word: a line never starts with ":" or "»",
    never ends with "«"."""
    out: list[str] = []
    glue = False
    for w in text.split():
        if out and (glue or w in (":", ";", "!", "?", "»", "—")):
            out[-1] += " " + w
        else:
            out.append(w)
        glue = w == "«"
    return out


def _fit(word: str, font, width: int, most: int) -> list[str]:
    """A word wider than the cover cut into pieces that fit (a URL, a run without spaces), at
    most `most` of them."""
    pieces = []
    longest = _longest(font, width)
    while word and len(pieces) < most:
        lo, hi = 1, min(len(word), longest)    # the longest prefix that fits (a letter at least)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if font.getlength(word[:mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(word[:lo])
        word = word[lo:]
    return pieces


def _longest(font, width: int) -> int:
    """More letters than any line `width` pixels wide holds (the narrowest glyphs are wider
    than a sixth of the size)."""
    return int(width / (font.size / 6)) + 1


def _wrap(text: str, font, width: int, most: int) -> list[str]:
    """Words into lines no wider than `width` pixels, at most `most` + 1 lines (what the cover
    can show, and one to say there is more)."""
    lines: list[str] = []
    longest = _longest(font, width)
    for word in _words(text):
        if len(word) > longest:
            lines.extend(_fit(word, font, width, most + 1 - len(lines)))
        elif lines and font.getlength(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        elif font.getlength(word) <= width:
            lines.append(word)
        else:
            lines.extend(_fit(word, font, width, most + 1 - len(lines)))
        if len(lines) > most:
            break
    return lines


def layout(debate: Debate, size: int = 1400) -> list[Line]:
    """Where each line of text goes: the brand at the top, the title in the largest size at
    which it fits the space left (down to a floor, beyond which its end is cut with "…"), the
    chamber and the date in the band at the bottom."""
    margin = size // 12
    width = size - 2 * margin
    band = size - size // 7
    out = [Line(BRAND, "SemiBold", size // 22, margin, margin, SOFT)]
    # No more of the title than the cover can hold at its smallest size (lines of the
    # narrowest letters): a 1 MB title costs what a long one does.
    title = " ".join(debate.title.split()) or "Débat parlementaire"
    whole = len(title) <= TITLE_MOST
    title = title[:TITLE_MOST]
    top, room = size // 5, band - size // 5 - margin // 2
    for px in range(size // 14, size // 32 - 1, -max(1, size // 280)):
        font = _font("Bold", px)
        lines = _wrap(title, font, width, room // int(px * 1.25))
        if len(lines) * int(px * 1.25) <= room and whole:
            break
    else:
        lines = lines[:room // int(px * 1.25)]
        last = lines[-1].rstrip(" ,;:")
        while len(last) > 1 and font.getlength(last + " …") > width:
            last = (last.rsplit(" ", 1)[0] if " " in last else last[:-1]).rstrip(" ,;:")
        lines[-1] = last + " …"
    y = top
    for line in lines:
        out.append(Line(line, "Bold", px, margin, y, INK))
        y += int(px * 1.25)
    date = french_date(debate.date)
    sub = [x for x in (debate.chamber, date[0].upper() + date[1:] if date else None) if x]
    step = int(size / 24 * 1.3)
    y = band + (size - band - len(sub) * step) // 2 - size // 160
    for text in sub:
        out.append(Line(text, "Regular", size // 24, margin, y, INK))
        y += step
    return out


def cover(debate: Debate, size: int = 1400) -> bytes:
    """A square PNG cover with the debate's title, chamber and date (deterministic)."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, size - size // 7, size, size], fill=BAND)
    for line in layout(debate, size):
        draw.text((line.x, line.y), line.text, font=_font(line.weight, line.px), fill=line.fill)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()
