"""Word timing: the engine's phoneme times → spoken-word starts → displayed-word starts.

Spoken words are the whitespace tokens of the normalized text that hold a letter or digit. The
engine finds where each one starts in its audio (word_starts from Piper's phoneme alignments,
mark_starts from espeak-ng's phoneme events with MBROLA); display_words maps the displayed
sentence's words onto them ("183" ↔ "cent quatre-vingt-trois") by normalizing growing prefixes
of the sentence, so no normalization rule needs a special case here.
"""
from __future__ import annotations

import bisect
import itertools
import re
from functools import lru_cache
from typing import Sequence

# Displayed tokens break at ordinary spaces only: a no-break space keeps "12 000", "industrie ?"
# and "« Oui »" in one word, as typography meant.
_DISPLAY_TOKEN = re.compile(r"(?:[^\s]|[\u00a0\u202f\u2007])+")


def spoken_words(spoken: str) -> list[str]:
    """The words Piper speaks: whitespace tokens with a letter or digit (punctuation is silent)."""
    return [t for t in spoken.split() if any(ch.isalnum() for ch in t)]


def _letters(word: str) -> int:
    return max(1, sum(ch.isalnum() for ch in word))


# Alignment steps (spoken words, espeak words) and what a step beyond one-to-one costs, in
# phonemes: espeak joins words ("parce que", "qu'est-ce que") or splits one.
_STEPS = ((1, 1), (2, 1), (3, 1), (4, 1), (1, 2), (1, 3))
_STEP_COST = 2.0


def _align(letters: Sequence[int], sizes: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """Monotone alignment of spoken words (letter counts) to espeak words (phoneme counts):
    segments (first word, words, first espeak word, espeak words) of least total length
    mismatch. One segment of everything when no alignment exists."""
    n, g = len(letters), len(sizes)
    ratio = sum(sizes) / sum(letters)
    L = [0, *itertools.accumulate(letters)]
    P = [0, *itertools.accumulate(sizes)]
    cost = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(n + 1):
        for k in range(g + 1):
            c = cost.get((i, k))
            if c is None:
                continue
            for a, b in _STEPS:
                if i + a <= n and k + b <= g:
                    d = (c + abs(ratio * (L[i + a] - L[i]) - (P[k + b] - P[k]))
                         + _STEP_COST * (a + b - 2))
                    if d < cost.get((i + a, k + b), float("inf")):
                        cost[(i + a, k + b)] = d
                        back[(i + a, k + b)] = (a, b)
    if (n, g) not in cost:
        return [(0, n, 0, g)]
    out, i, k = [], n, g
    while i or k:
        a, b = back[(i, k)]
        i, k = i - a, k - b
        out.append((i, a, k, b))
    return out[::-1]


def word_starts(words: Sequence[str], groups: Sequence[int], times: Sequence[int]) -> list[int]:
    """Start (in samples) of every spoken word but the first, from the phoneme stream.

    `times[i]`: where speech phoneme i starts; `groups`: the phoneme index where each of
    espeak's words starts (its word breaks are the space phonemes and its sentence breaks).
    Usually espeak has one word per spoken word. Where it joined words ("parce que") or split
    one, the words are aligned on their lengths (_align): a joined word's inner boundaries are
    placed by letter count, a split word's inner breaks ignored."""
    n, m = len(words), len(times)
    if n < 2 or m == 0:
        return []
    if len(groups) == n:
        return [times[g] for g in groups[1:]]
    letters = [_letters(w) for w in words]
    edges = list(groups) + [m]
    sizes = [b - a for a, b in zip(edges, edges[1:])]
    out: list[int] = []
    last = 0
    for i, a, k, b in _align(letters, sizes):
        lo, hi = edges[k], edges[k + b]
        seg = letters[i:i + a]
        for t in range(a):
            if i + t == 0:
                continue
            pos = lo + round((hi - lo) * sum(seg[:t]) / sum(seg))
            # Strictly after the previous word where the phonemes allow it.
            pos = min(max(pos, last + 1), m - 1) if last + 1 < m else last
            out.append(times[pos])
            last = pos
    return out


def mark_starts(spoken: str, marks: Sequence[tuple[int, int, bool]]) -> list[int]:
    """Start (in samples) of every spoken word of `spoken` but the first, from the phonemes
    espeak-ng said: (character index in `spoken`, start sample, is a pause) each, in order.

    A phoneme at the start of a letter run begins an espeak word; the first such one inside a
    spoken word is where that word starts ("quatre-vingt-trois" is three espeak words, one of
    ours). A pause holding a word's position (the clause pause before it, the glottal stop of
    an h aspiré) hands it to the next sound. A word with none (espeak said "parce que" as one
    word) is placed by letter count among the sounds between its neighbours."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", spoken)
             if any(ch.isalnum() for ch in m.group())]
    heads = [a for a, _ in spans]

    def word_at(pos: int) -> int | None:
        if not (0 <= pos < len(spoken) and spoken[pos].isalnum()
                and (pos == 0 or not spoken[pos - 1].isalnum())):
            return None                   # inside a word, or a clause's filler position
        i = bisect.bisect_right(heads, pos) - 1
        return i if i >= 0 and pos < spans[i][1] else None

    times: list[int] = []                 # start of each sound (not pause)
    first: list[int | None] = [None] * len(spans)
    pending = None
    for pos, sample, pause in marks:
        i = word_at(pos)
        if pause:
            pending = i if i is not None else pending
            continue
        if i is None:
            i = pending
        pending = None
        if i is not None and first[i] is None:
            first[i] = len(times)
        times.append(sample)
    n, m = len(spans), len(times)
    if n < 2 or m == 0:
        return []
    first[0] = 0
    known = [0]                           # words whose sound is certain, in time order
    for i in range(1, n):
        if first[i] is not None and first[i] > first[known[-1]]:
            known.append(i)
        else:
            first[i] = None
    letters = [_letters(spoken[a:b]) for a, b in spans]
    for a, b in zip(known, known[1:] + [n]):
        lo, hi = first[a], first[b] if b < n else m
        seg, last = letters[a:b], lo
        for t in range(1, b - a):
            pos = lo + round((hi - lo) * sum(seg[:t]) / sum(seg))
            pos = min(max(pos, last + 1), hi - 1) if last + 1 < hi else last
            first[a + t] = last = pos
    return [times[j] for j in first[1:]]


@lru_cache(maxsize=8192)
def display_words(text: str) -> tuple[tuple[int, int, int, int], ...]:
    """The displayed words of one sentence: (char start, char end, first spoken word, end spoken
    word) each, covering every spoken word of normalize(text) in order, none empty.

    Displayed token k ends at ends[k]; the spoken words of normalize(text[:ends[k]]) count c[k]
    (c grows with k: the map from displayed to spoken words). Where it does not grow (a
    normalization that reads a prefix differently from the whole), counts are interpolated by
    characters between the prefixes that agree with the rest. Tokens that speak no word
    (punctuation, "–") join the word before them (or after, at the start)."""
    from pipeline.normalize import normalize
    tokens = [(m.start(), m.end()) for m in _DISPLAY_TOKEN.finditer(text)]
    total = len(spoken_words(normalize(text)))
    if not tokens or total == 0:
        return ()
    counts = [0] + [len(spoken_words(normalize(text[:b]))) for _, b in tokens[:-1]] + [total]
    ends = [0] + [b for _, b in tokens]
    k_last = len(tokens)
    anchors = [k for k in range(k_last + 1)
               if k in (0, k_last) or (max(counts[:k]) <= counts[k] <= min(counts[k + 1:])
                                       and counts[k] <= total)]
    for a, b in zip(anchors, anchors[1:]):
        for k in range(a + 1, b):
            share = (ends[k] - ends[a]) / (ends[b] - ends[a])
            counts[k] = counts[a] + round((counts[b] - counts[a]) * share)
    out: list[list[int]] = []
    pending = None                       # a silent token before the first word
    for k, (a, b) in enumerate(tokens):
        first, end = counts[k], counts[k + 1]
        if end > first:
            out.append([pending if pending is not None else a, b, first, end])
            pending = None
        elif out:
            out[-1][1] = b
        elif pending is None:
            pending = a
    return tuple(tuple(w) for w in out)


def display_starts(text: str, starts: Sequence[int] | None) -> list[int] | None:
    """Start of every displayed word but the first, from the spoken words' (None when the
    utterance has no word times or they do not fit its words)."""
    if starts is None:
        return None
    words = display_words(text)
    if not words or len(starts) != words[-1][3] - 1:
        return None
    spoken = [0, *starts]
    return [spoken[first] for _, _, first, _ in words[1:]]
