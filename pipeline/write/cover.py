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


def _wrap(text: str, font, width: int) -> list[str]:
    """Words into lines no wider than `width` pixels (a word too long stays on its own line)."""
    lines: list[str] = []
    for word in _words(text):
        if lines and font.getlength(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def layout(debate: Debate, size: int = 1400) -> list[Line]:
    """Where each line of text goes: the brand at the top, the title in the largest size at
    which it fits the space left (down to a floor, beyond which its end is cut with "…"), the
    chamber and the date in the band at the bottom."""
    margin = size // 12
    width = size - 2 * margin
    band = size - size // 7
    out = [Line(BRAND, "SemiBold", size // 22, margin, margin, SOFT)]
    title = " ".join(debate.title.split()) or "Débat parlementaire"
    top, room = size // 5, band - size // 5 - margin // 2
    for px in range(size // 14, size // 32 - 1, -max(1, size // 280)):
        lines = _wrap(title, _font("Bold", px), width)
        if len(lines) * int(px * 1.25) <= room:
            break
    else:
        lines = lines[:room // int(px * 1.25)]
        lines[-1] = lines[-1].rstrip(" ,;:") + " …"
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
