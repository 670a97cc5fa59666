"""Arabic ordinals: 1er, 1re, 1ère, 2e, 2ème, 2d, 2nde, 75e, 21es, 1 000 000e…

and the "°" of legislative text, which numbers the items of an article: "au 6°
de l'article" -> "au sixième", "les 1° et 2°" -> "les premier et deuxième",
"1° L'intitulé…" (an item opening the sentence) -> "premièrement".  Any other
"N°" is an angle or a temperature and is left to the units ("45°" -> degrés).
"""
from __future__ import annotations

import re

from .numbers import NUM, adverb, ordinal, to_int

ORDINAL = re.compile(r"(?<![\w,.])(" + NUM + r")(ers?|res?|ères?|èmes?|emes?|es?|è|nde?s?|de?s?)(?![\w])")
_ITEM = r"\d{1,3} ?°(?![CF\w])"
# "le 2°", "au 6°", "des 1° à 3°": after an article, with the items listed after it
# (a plural article needs a list).
LISTED = re.compile(r"(?<!\w)((?:[Ll]es?|[Aa]ux?|[Dd]u|[Dd]es|[Cc]e) )(" + _ITEM
                    + r"(?:(?:, | et | ou | à )" + _ITEM + r")*)")
# "1° L'intitulé…", "2° Après…": the item opens the text (a line of an article).
OPENING = re.compile(r"^(\s*)(\d{1,3}) ?°\)?(?= [A-ZÀ-ÖØ-Þ«(]| ?$)")
_ONE = re.compile(r"(\d{1,3}) ?°")


def _say(m: re.Match) -> str:
    n, suffix = to_int(m.group(1)), m.group(2)
    many = suffix.endswith("s")
    if n == 2 and suffix[0] in "nd":  # 2d, 2nd, 2nde, 2ndes
        words = "seconde" if "e" in suffix else "second"
    elif suffix[0] in "nd":
        return m.group()
    else:
        feminine = suffix.startswith(("re", "ère"))
        words = ordinal(n, feminine)
    return words + ("s" if many else "")


def legal(text: str) -> str:
    if "°" not in text:
        return text
    text = OPENING.sub(lambda m: m.group(1) + adverb(int(m.group(2))), text)
    return LISTED.sub(_listed, text)


def _listed(m: re.Match) -> str:
    article, items = m.groups()
    if article.lower() in ("les ", "des ", "aux ") and len(_ONE.findall(items)) < 2:
        return m.group()  # "dépasser les 40°" is a temperature; "les 1° et 2°" are items
    return article + _ONE.sub(lambda n: ordinal(int(n.group(1))), items)


def apply(text: str) -> str:
    return ORDINAL.sub(_say, text)
