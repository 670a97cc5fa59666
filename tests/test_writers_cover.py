"""The cover shows its letters: every character of the title, chamber and date (in French) is
in the font's cmap, and the rendered cover has ink where each line of text is drawn."""
from __future__ import annotations

import io

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from pipeline.french import french_date
from pipeline.model import Debate
from pipeline.parse import parse_file
from pipeline.write.cover import BACKGROUND, BAND, _font, cover, font_path, layout
from tests.conftest import AN, SENAT

ACCENTED = Debate("Œuvre, « même » à l’Élysée : où ? çà ! — Île-de-France, 1er août",
                  "2013-08-01",
                  "Assemblée nationale", ())


@pytest.fixture(scope="module", params=["an", "senat", "accented"])
def debate(request):
    return {"an": lambda: parse_file(AN), "senat": lambda: parse_file(SENAT),
            "accented": lambda: ACCENTED}[request.param]()


def test_every_character_is_in_the_font(debate):
    cmap = TTFont(font_path()).getBestCmap()
    date = french_date(debate.date)
    text = "".join(x for x in (debate.title, debate.chamber, date, "HÉMICYCLE") if x)
    assert [c for c in text if not c.isspace() and ord(c) not in cmap] == []
    drawn = "".join(line.text for line in layout(debate))
    assert [c for c in drawn if not c.isspace() and ord(c) not in cmap] == []


def test_cover_has_ink_where_text_is(debate):
    img = np.asarray(Image.open(io.BytesIO(cover(debate))).convert("RGB")).astype(int)
    lines = layout(debate)
    assert debate.chamber in [line.text for line in lines]
    date = french_date(debate.date)
    if date:                         # the Sénat seed states no date: none is made up
        assert date[0].upper() + date[1:] in [line.text for line in lines]   # "Lundi 4 février…"
    for line in lines:
        x0, y0, x1, y1 = _font(line.weight, line.px).getbbox(line.text)
        box = img[line.y + y0: line.y + y1, line.x + x0: line.x + x1]
        assert box.size, line
        ink = np.abs(box - np.array(line.fill)).sum(axis=2) < 60     # pixels of the text colour
        print(f"{line.text[:40]!r}: {ink.mean():.1%} ink")
        assert ink.mean() > 0.08, f"no text drawn for {line.text!r}"
    # the title words all reach the cover (unless cut with "…")
    title = " ".join(line.text for line in lines if line.weight == "Bold")
    assert title.split() == debate.title.split() or title.endswith("…")


def test_an_accented_capital_is_not_a_box():
    """"É" and "E" share the letter but differ by the accent: a missing glyph (.notdef box)
    would draw both alike, or the accent not at all."""
    def ink(text):
        f = _font("Bold", 100)
        img = Image.new("L", (200, 200), 0)
        from PIL import ImageDraw
        ImageDraw.Draw(img).text((20, 40), text, font=f, fill=255)
        return np.asarray(img) > 128
    e, e_acute = ink("E"), ink("É")
    assert e_acute.sum() > e.sum() and (e_acute & ~e)[:60].sum() > 50   # the accent, above


def test_cover_is_deterministic_and_square():
    a, b = cover(ACCENTED), cover(ACCENTED)
    assert a == b
    img = Image.open(io.BytesIO(a))
    assert img.size == (1400, 1400) and img.format == "PNG"
    px = img.convert("RGB")
    assert px.getpixel((5, 5)) == BACKGROUND and px.getpixel((5, 1395)) == BAND


@pytest.mark.parametrize("kind", ["1 MB of words", "60 000 characters, no space"])
def test_a_huge_title_is_cut_to_the_cover(kind):
    """Issue 26 item 16: a 1 MB title kept the cover drawing for over 4 minutes. The cover
    shows what fits (every line within the margins, the end cut with "…") in bounded time."""
    import time
    text = " ".join(SENAT.read_text("utf-8").split())
    title = ((text + " ") * (1_000_000 // len(text) + 1))[:1_000_000] if kind.startswith("1") \
        else "".join(text.split())[:60_000]
    huge = Debate(title, "2013-08-01", "Sénat", ())
    t0 = time.monotonic()
    lines = layout(huge)
    png = cover(huge)
    spent = time.monotonic() - t0
    print(f"{kind}: {spent:.2f} s")
    assert spent < 60                # 4 minutes and more before; seconds now
    size, margin = 1400, 1400 // 12
    bold = [line for line in lines if line.weight == "Bold"]
    assert bold and bold[-1].text.endswith("…")
    for line in bold:
        assert line.x + _font(line.weight, line.px).getlength(line.text) <= size - margin, line
    assert Image.open(io.BytesIO(png)).size == (size, size)
    # What is shown is the title's beginning.
    assert "".join(title.split()).startswith("".join(" ".join(l.text for l in bold)
                                                      .rstrip(" …").split()))
