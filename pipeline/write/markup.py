"""The section markup the EPUB and the read-along page share: one XHTML document per debate
section, its headings, speaker labels and sentence (and word) spans with the utterance ids, so
the book and the page can never disagree on what a sentence or a word is."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from typing import Mapping

from lxml import etree

from pipeline.french import fold
from pipeline.model import Debate, Speaker, Speech
from pipeline.write.present import book_title, label_parts, source_link

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
CSS_NAME = "style/epub.css"

def _split_sentences(text: str) -> list[str]:
    """The splitter segment() used (pipeline.normalize.split_sentences, as segment imported
    it), so that the sentence ids here are the utterance ids."""
    import pipeline.segment
    return list(pipeline.segment.split_sentences(text))


def section_name(index: int) -> str:
    return f"s{index:02d}"


# --- XHTML building ------------------------------------------------------------------------

def E(tag: str, attrib: Mapping[str, str] | None = None, text: str | None = None,
      parent: etree._Element | None = None) -> etree._Element:
    attrs = {}
    for k, v in (attrib or {}).items():
        if k.startswith("epub:"):
            k = f"{{{EPUB_NS}}}{k[5:]}"
        attrs[k] = v
    if parent is None:
        el = etree.Element(f"{{{XHTML_NS}}}{tag}", attrs, nsmap={None: XHTML_NS, "epub": EPUB_NS})
    else:
        el = etree.SubElement(parent, f"{{{XHTML_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def append_text(parent: etree._Element, text: str) -> None:
    """Append text after parent's last child (or as its text)."""
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def document(title: str, css_href: str = CSS_NAME) -> tuple[etree._Element, etree._Element]:
    html = E("html", {"lang": "fr", "{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    head = E("head", parent=html)
    E("meta", {"charset": "utf-8"}, parent=head)
    E("title", text=title, parent=head)
    E("link", {"rel": "stylesheet", "type": "text/css", "href": css_href}, parent=head)
    body = E("body", parent=html)
    return html, body


_CONTAINERS = {f"{{{XHTML_NS}}}{t}" for t in ("html", "head", "body", "section", "div", "nav",
                                               "ol", "ul", "dl")}


def _indent(el: etree._Element, level: int = 0) -> None:
    """Indent element-only containers; never touch the inside of text blocks (p, h1, li…), where
    whitespace would become part of the text."""
    if el.tag not in _CONTAINERS or not len(el):
        return
    pad = "\n" + "  " * (level + 1)
    el.text = pad
    for child in el:
        _indent(child, level + 1)
        child.tail = pad
    el[-1].tail = "\n" + "  " * level


def serialize(html: etree._Element) -> bytes:
    _indent(html)
    return etree.tostring(html, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


@dataclass
class TocEntry:
    label: str
    href: str
    uid: str
    children: list["TocEntry"] = field(default_factory=list)   # agenda sub-items, interventions


@dataclass
class SectionDoc:
    index: int
    name: str                  # "s00"
    title: str
    content: bytes
    ids: list[str]             # sentence ids of utterances, in document order
    turns: list[TocEntry]      # the contents below the section: agenda items, interventions
    worded: set[str] = field(default_factory=set)   # sentences whose words have spans
    agenda_ids: dict[tuple[int, ...], str] = field(default_factory=dict)  # agenda path → id
    skippable: dict[str, str] = field(default_factory=dict)   # sentence id → epub:type
    tables: dict[str, str] = field(default_factory=dict)      # sentence id (a row) → table id


# Stage directions and interjections: marked so that a reading system may skip them (EPUB Media
# Overlays skippability; "note" is in the skippable vocabulary and not deprecated).
SKIPPABLE = "note"


def _vote_labels() -> tuple[str, ...]:
    text = resources.files("pipeline.write").joinpath("vote_rows.txt").read_text("utf-8")
    return tuple(fold(line).strip().casefold() for line in text.splitlines()
                 if line.strip() and not line.startswith("#"))


_VOTE_LABELS = _vote_labels()
_VOTE_ROW = re.compile(r"(.*?)\s*:?\s+(\d[\d\s]*)\.?")


def vote_row(text: str) -> tuple[str, str] | None:
    """("Nombre de votants", "319") for "Nombre de votants 319"; None for any other text."""
    m = _VOTE_ROW.fullmatch(text.strip())
    if m and fold(m[1]).casefold() in _VOTE_LABELS:
        return m[0][:m.start(2)].rstrip(), m[0][m.start(2):]    # as printed ("…votants :")
    return None


def _fill_words(span: etree._Element, sentence: str, sid: str, words) -> None:
    """The sentence's text in `span`, each displayed word in its own span "{sid}-w{n:03d}"
    (pipeline.words.display_words: substrings, so the text stays exactly as printed)."""
    pos = 0
    for n, (a, b, _, _) in enumerate(words):
        append_text(span, sentence[pos:a])
        E("span", {"id": f"{sid}-w{n:03d}"}, text=sentence[a:b], parent=span)
        pos = b
    append_text(span, sentence[pos:])


def _fill_sentences(el: etree._Element, p, utterance_ids: set[str], found: list[str],
                    timed: Mapping[str, int] | None = None, worded: set[str] | None = None) -> None:
    """Append paragraph p's text to el, each sentence that is an utterance in its own span.
    The text between sentences is kept as printed (when the splitter returns substrings).
    `timed`: sentence id → number of timed words; such a sentence gets word spans when its
    displayed words are those (their ids are added to `worded`)."""
    text = p.text
    sentences = _split_sentences(text)
    spans: list[tuple[int, int]] = []
    pos = 0
    for sentence in sentences:
        at = text.find(sentence, pos)
        if at < 0:
            spans = []
            break
        spans.append((at, at + len(sentence)))
        pos = at + len(sentence)
    if not spans and sentences:          # the splitter rewrote the text: join its sentences
        text = " ".join(sentences)
        spans, pos = [], 0
        for sentence in sentences:
            at = text.find(sentence, pos)
            spans.append((at, at + len(sentence)))
            pos = at + len(sentence)
    pos = 0
    for n, (a, b) in enumerate(spans):
        append_text(el, text[pos:a])
        sid = p.sentence_id(n)
        words = ()
        if timed and sid in timed:
            from pipeline.words import display_words
            words = display_words(text[a:b])
        if sid in utterance_ids and words and len(words) == timed[sid]:
            _fill_words(E("span", {"id": sid}, parent=el), text[a:b], sid, words)
            found.append(sid)
            worded.add(sid)
        elif sid in utterance_ids:
            E("span", {"id": sid}, text=text[a:b], parent=el)
            found.append(sid)
        else:
            append_text(el, text[a:b])
        pos = b
    append_text(el, text[pos:])


def _speaker_label(el: etree._Element, speaker: Speaker) -> None:
    """<b class="speaker">M. François-Noël Buffet</b>, <span class="role">ministre…</span>. """
    who, role = label_parts(speaker)
    E("b", {"class": "speaker"}, text=who, parent=el)
    if speaker.name and speaker.name not in who:
        append_text(el, " ")
        E("span", {"class": "name"}, text=f"({speaker.name})", parent=el)
    if role:
        append_text(el, ", ")
        E("span", {"class": "role"}, text=role, parent=el)
    append_text(el, ". ")


def _speaker_toc_label(speaker: Speaker) -> str:
    who, _ = label_parts(speaker)
    if speaker.name and speaker.name not in who:
        who += f" ({speaker.name})"
    return who


def _heading_tag(p) -> str:
    """By depth in the agenda tree, so that heading levels never skip one (h1 the section, h2
    its items, h3 theirs…): an item's heading by its own path, any other heading one below the
    item it sits in."""
    item = p.item
    depth = len(p.agenda) if (item.level and item.level > 1) else len(p.agenda) + 1
    return f"h{min(max(depth, 2), 6)}"


class _Contents:
    """The section's contents as a tree: agenda items nested by level, interventions under the
    item they belong to."""

    def __init__(self):
        self.top: list[TocEntry] = []
        self.stack: list[tuple[int, TocEntry]] = []

    def add(self, entry: TocEntry, level: int | None = None) -> None:
        if level is not None:
            while self.stack and self.stack[-1][0] >= level:
                self.stack.pop()
        (self.stack[-1][1].children if self.stack else self.top).append(entry)
        if level is not None:
            self.stack.append((level, entry))


def _rows(paras: list) -> dict[int, tuple[str, str]]:
    """Paragraph index → (label, number) for the paragraphs that are rows of a vote-result
    block: two or more vote rows in a row, in one speech."""
    rows = {i: vote_row(p.text) for i, p in enumerate(paras) if p.kind == "speech"}
    rows = {i: r for i, r in rows.items() if r}
    def same(i, j):
        return j in rows and paras[j].item is paras[i].item
    return {i: r for i, r in rows.items() if same(i, i - 1) or same(i, i + 1)}


def book_documents(debate: Debate, utterances, timeline) -> list[SectionDoc]:
    """The section documents of a build (its utterances, and their word times in word mode):
    what the EPUB and the read-along page both show, made once by the build for both."""
    from collections import Counter
    return section_documents(debate, {u.id for u in utterances},
                             Counter(w.utterance for w in timeline.words))


def section_documents(debate: Debate, utterance_ids: set[str],
                      timed: Mapping[str, int] | None = None) -> list[SectionDoc]:
    """`timed`: sentence id → number of word clips (word mode); those sentences get word spans."""
    from pipeline.segment import paragraphs

    docs: list[SectionDoc] = []
    dropped: list[str] = []                 # source URLs that are not http(s)
    by_section: dict[int, list] = {}
    for p in paragraphs(debate):
        by_section.setdefault(p.section, []).append(p)
    for s, section in enumerate(debate.sections):
        name = section_name(s)
        title = section.title.strip() or f"Partie {s + 1}"
        html, body = document(title)
        sec = E("section", {"id": name, "epub:type": "chapter", "role": "doc-chapter",
                            "aria-labelledby": f"{name}-title"}, parent=body)
        doc = SectionDoc(s, name, title, b"", [], [])
        contents = _Contents()
        turn_el = table = None
        last_heading: tuple[etree._Element, TocEntry] | None = None   # when just before
        paras = by_section.get(s, [])
        rows = _rows(paras)
        for i, p in enumerate(paras):
            heading, last_heading = last_heading, None
            tid = f"t{p.turn:04d}"
            if p.kind == "title":
                el = E("h1", {"id": f"{name}-title"}, parent=sec)
                doc.agenda_ids[p.agenda] = name
            elif p.agenda_number:
                # Shown, but not a heading: a screen reader's list of headings would offer "10".
                el = E("p", {"id": tid, "class": "agenda-number"}, parent=sec)
            elif (p.kind == "heading" and heading is not None and p.text.strip()[:1].islower()
                  and not p.item.level):
                # The rest of the heading just before ("PRÉSIDENCE DE M. X" / "vice-président"):
                # one heading, on two lines.
                h2, entry = heading
                append_text(h2, " ")
                el = E("span", {"id": tid, "class": "heading-more"}, parent=h2)
                entry.label += ", " + p.text.strip()
                last_heading = heading
            elif p.kind == "heading":
                el = E(_heading_tag(p), {"id": tid, "class": "heading"}, parent=sec)
                entry = TocEntry(p.text.strip(), f"{name}.xhtml#{tid}", f"toc-{tid}")
                opens = bool(p.item.level and p.item.level > 1)
                contents.add(entry, p.item.level if opens else None)
                if opens:
                    doc.agenda_ids[p.agenda] = tid
                last_heading = (el, entry)
            elif p.kind == "stage":
                el = E("p", {"id": tid, "class": "stage"}, parent=sec)
            else:
                speech = p.item
                assert isinstance(speech, Speech)
                if p.first:
                    kind = ("interjection" if speech.interjection
                            else "turn continued" if speech.continues else "turn")
                    turn_el = E("div", {"id": tid, "class": kind}, parent=sec)
                    if p.labelled and not speech.interjection:
                        contents.add(TocEntry(_speaker_toc_label(speech.speaker),
                                              f"{name}.xhtml#{tid}", f"toc-{tid}"))
                if i in rows:
                    table = _vote_row(turn_el, table, p, rows[i], utterance_ids, doc)
                    continue
                table = None
                el = E("p", {"class": "speech"}, parent=turn_el)
                if p.labelled:
                    _speaker_label(el, speech.speaker)
            before = len(doc.ids)
            _fill_sentences(el, p, utterance_ids, doc.ids, timed, doc.worded)
            if p.kind == "stage" or (p.kind == "speech" and p.item.interjection):
                doc.skippable.update((sid, SKIPPABLE) for sid in doc.ids[before:])
            if p.kind == "speech" and p.labelled and not _source(el, p.item.source):
                dropped.append(p.item.source.url)
        doc.turns = contents.top
        doc.content = serialize(html)
        docs.append(doc)
    if dropped:
        # One line per book (the page and the EPUB both come here: Python shows it once).
        warnings.warn(f"{book_title(debate)}: {len(dropped)} source link(s) dropped, not "
                      f"http(s): {dropped[0][:80]!r}")
    return docs


def _vote_row(turn_el, table, p, row, utterance_ids, doc):
    """One row of a vote-result table (the table opened at its first row): the label as a row
    header, the number as its cell; the row is the sentence (its id, its SMIL par)."""
    if table is None:
        table = E("table", {"id": f"v{p.index:05d}", "class": "vote",
                            "aria-label": "Résultat du scrutin"}, parent=turn_el)
    sid = p.sentence_id(0)
    rid = sid if sid in utterance_ids else f"r{p.index:05d}"
    tr = E("tr", {"id": rid}, parent=table)
    th = E("th", {"scope": "row"}, text=row[0], parent=tr)
    th.tail = " "
    E("td", text=row[1], parent=tr)
    if sid in utterance_ids:
        doc.ids.append(sid)
        doc.tables[sid] = table.get("id")
    return table


def _source(el, source) -> bool:
    """The "écouter l'original" link of a turn; False when its source has a URL that is not
    http(s) (not linked)."""
    link = source_link(source)
    if link:
        append_text(el, " ")
        E("a", {"class": "source", "href": link[0]}, text=link[1], parent=el)
    return bool(link or source is None or not source.url)
