"""The read-along EPUB 3: one XHTML document per debate section, each with its audio and its
Media Overlay (SMIL) taken from the synthesis timeline.

Built with ebooklib (manifest, spine, metadata, NCX); the XHTML documents, the navigation document
and the SMIL files are written here so that their markup is exactly what we mean. The zip is then
repacked deterministically (fixed order, timestamps and identifier), and written atomically.

Audio: AAC in MP4 (.m4a, `audio/mp4`): the section's blocks of the book's AAC (write/splice.py),
stream-copied into their own file, so the section's audio decodes to exactly its samples (no
priming to skip) and costs no encoding of its own. (MP3 through LAME's gapless header decoded up
to 46 samples long on about one length in seven: not used here.)
"""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

from ebooklib import epub
from lxml import etree

from pipeline.model import NARRATOR, Chapter, Debate, Speaker, Speech, Timeline, Utterance, Voice
from pipeline.atomic import write_bytes
from pipeline.write.splice import remux, spans

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SMIL_NS = "http://www.w3.org/ns/SMIL"
OPF_NS = "http://www.idpf.org/2007/opf"

AUDIO_EXT = "m4a"
AUDIO_MEDIA_TYPE = "audio/mp4"
MUX_ARGS = ["-c:a", "copy", "-map_metadata", "-1", "-fflags", "+bitexact", "-movflags",
            "+faststart", "-f", "mp4"]

ACTIVE_CLASS = "-epub-media-overlay-active"
PLAYBACK_ACTIVE_CLASS = "-epub-media-overlay-playing"

CSS_NAME = "style/epub.css"
FIXED_DATE = datetime.date(2000, 1, 1)   # the date of an undated sitting: never the clock

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

_ENGINE_NAMES = {"piper": "Piper", "mbrola": "eSpeak NG + MBROLA", "pico": "SVOX Pico"}

def _sync(worded: bool) -> str:
    """How finely the text follows the audio: word by word when the timeline has word times."""
    return "mot à mot" if worded else "phrase à phrase"


ACCESSIBILITY_SUMMARY = (
    "Ce livre numérique reproduit le compte rendu d’une séance parlementaire et sa lecture "
    "intégrale par des voix de synthèse : chaque orateur a sa propre voix, une voix de narration "
    "lit les titres et les didascalies. {synced} avec l’audio "
    "(superpositions média EPUB 3) : le texte seul, l’audio seul ou les deux ensemble suffisent "
    "pour en prendre connaissance. La table des matières donne accès à chaque partie de la séance "
    "et à chaque intervention ; l’ordre de lecture suit celui de la séance ; la liste des "
    "orateurs figure à la fin. Aucun danger connu (clignotement, son, mouvement). Conformité "
    "auto-évaluée : le logiciel qui produit ce livre est testé avec EPUBCheck et Ace by DAISY "
    "(aucune erreur, aucune violation), sans audit par un tiers."
)


# --- small helpers -------------------------------------------------------------------------

def clock(ms: int) -> str:
    """SMIL full clock value with millisecond precision: 1:02:03.045."""
    h, rest = divmod(int(ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{milli:03d}"


def to_ms(samples: int, rate: int) -> int:
    """Integer sample position → whole milliseconds (round half up, exact integer arithmetic)."""
    return (2 * 1000 * int(samples) + rate) // (2 * rate)


def french_date(iso: str | None) -> str | None:
    if not iso:
        return None
    try:
        d = datetime.date.fromisoformat(iso)
    except ValueError:
        return iso
    day = "1er" if d.day == 1 else str(d.day)
    return f"{_DAYS[d.weekday()]} {day} {_MONTHS[d.month - 1]} {d.year}"


def sitting_date(iso: str | None) -> datetime.date:
    """The sitting's date, or FIXED_DATE when the text gives none: outputs stay deterministic."""
    try:
        return datetime.date.fromisoformat(iso or "")
    except ValueError:
        return FIXED_DATE


def _modified(debate: Debate) -> datetime.datetime:
    """dcterms:modified derived from the inputs (the sitting's date), never from the clock."""
    d = sitting_date(debate.date)
    return datetime.datetime(d.year, d.month, d.day)


def _identifier(debate: Debate) -> str:
    digest = hashlib.sha256(json.dumps(debate.to_json(), ensure_ascii=False, sort_keys=True)
                            .encode("utf-8")).hexdigest()
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "hemicycle:" + digest))


def book_title(debate: Debate) -> str:
    return debate.title.strip() or "Débat parlementaire"


def _css() -> bytes:
    return resources.files("pipeline.write").joinpath("epub.css").read_bytes()


def _split_sentences(text: str) -> list[str]:
    """The splitter segment() used (pipeline.normalize.split_sentences, as segment imported
    it), so that the sentence ids here are the utterance ids."""
    import pipeline.segment
    return list(pipeline.segment.split_sentences(text))


def _section_name(index: int) -> str:
    return f"s{index:02d}"


def voice_label(v: Voice) -> str:
    label = f"{_ENGINE_NAMES.get(v.engine, v.engine)} {v.voice}"
    if v.speaker_id is not None:
        label += f" n° {v.speaker_id}"
    variants = []
    if v.length_scale != 1.0:
        variants.append(f"débit ×{1 / v.length_scale:.2f}")
    if v.pitch != 1.0:
        variants.append(f"hauteur ×{v.pitch:.2f}")
    if variants:
        label += " (" + ", ".join(variants) + ")"
    return label


# --- XHTML building ------------------------------------------------------------------------

def _E(tag: str, attrib: Mapping[str, str] | None = None, text: str | None = None,
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


def _append_text(parent: etree._Element, text: str) -> None:
    """Append text after parent's last child (or as its text)."""
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _document(title: str, css_href: str = CSS_NAME) -> tuple[etree._Element, etree._Element]:
    html = _E("html", {"lang": "fr", "{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    head = _E("head", parent=html)
    _E("meta", {"charset": "utf-8"}, parent=head)
    _E("title", text=title, parent=head)
    _E("link", {"rel": "stylesheet", "type": "text/css", "href": css_href}, parent=head)
    body = _E("body", parent=html)
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


def _serialize(html: etree._Element) -> bytes:
    _indent(html)
    return etree.tostring(html, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


@dataclass
class _TocEntry:
    label: str
    href: str
    uid: str


@dataclass
class _SectionDoc:
    index: int
    name: str                  # "s00"
    title: str
    content: bytes
    ids: list[str]             # sentence ids of utterances, in document order
    turns: list[_TocEntry]
    worded: set[str] = field(default_factory=set)   # sentences whose words have spans


def _fill_words(span: etree._Element, sentence: str, sid: str, words) -> None:
    """The sentence's text in `span`, each displayed word in its own span "{sid}-w{n:03d}"
    (pipeline.words.display_words: substrings, so the text stays exactly as printed)."""
    pos = 0
    for n, (a, b, _, _) in enumerate(words):
        _append_text(span, sentence[pos:a])
        _E("span", {"id": f"{sid}-w{n:03d}"}, text=sentence[a:b], parent=span)
        pos = b
    _append_text(span, sentence[pos:])


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
        _append_text(el, text[pos:a])
        sid = p.sentence_id(n)
        words = ()
        if timed and sid in timed:
            from pipeline.words import display_words
            words = display_words(text[a:b])
        if sid in utterance_ids and words and len(words) == timed[sid]:
            _fill_words(_E("span", {"id": sid}, parent=el), text[a:b], sid, words)
            found.append(sid)
            worded.add(sid)
        elif sid in utterance_ids:
            _E("span", {"id": sid}, text=text[a:b], parent=el)
            found.append(sid)
        else:
            _append_text(el, text[a:b])
        pos = b
    _append_text(el, text[pos:])


def loose(s: str) -> str:
    """For comparing a printed label with the parsed role: apostrophes may be missing or
    typographic in one and not the other ("dÉtat" / "d’État"), case may differ."""
    return "".join(ch for ch in s if ch not in "'’ʼ").casefold().strip()


def label_parts(speaker: Speaker) -> tuple[str, str | None]:
    """(who, role to show apart or None): "M. X, ministre de…" → ("M. X", "ministre de…");
    "M. le président" with role "président" → ("M. le président", None)."""
    label = speaker.label.strip()
    if label.endswith("."):
        label = label[:-1].rstrip()
    role = (speaker.role or "").strip().rstrip(".").strip() or None
    if role is None:
        return label, None
    i = label.find(", ")
    while i >= 0:
        if loose(label[i + 2:]) == loose(role):
            return label[:i], role
        i = label.find(", ", i + 1)
    if loose(role) in loose(label):
        return label, None
    return label, role


def _speaker_label(el: etree._Element, speaker: Speaker) -> None:
    """<b class="speaker">M. François-Noël Buffet</b>, <span class="role">ministre…</span>. """
    who, role = label_parts(speaker)
    _E("b", {"class": "speaker"}, text=who, parent=el)
    if speaker.name and speaker.name not in who:
        _append_text(el, " ")
        _E("span", {"class": "name"}, text=f"({speaker.name})", parent=el)
    if role:
        _append_text(el, ", ")
        _E("span", {"class": "role"}, text=role, parent=el)
    _append_text(el, ". ")


def _speaker_toc_label(speaker: Speaker) -> str:
    who, _ = label_parts(speaker)
    if speaker.name and speaker.name not in who:
        who += f" ({speaker.name})"
    return who


def section_documents(debate: Debate, utterance_ids: set[str],
                      timed: Mapping[str, int] | None = None) -> list[_SectionDoc]:
    """`timed`: sentence id → number of word clips (word mode); those sentences get word spans."""
    from pipeline.segment import paragraphs

    docs: list[_SectionDoc] = []
    by_section: dict[int, list] = {}
    for p in paragraphs(debate):
        by_section.setdefault(p.section, []).append(p)
    for s, section in enumerate(debate.sections):
        name = _section_name(s)
        title = section.title.strip() or f"Partie {s + 1}"
        html, body = _document(title)
        sec = _E("section", {"id": name, "epub:type": "chapter", "role": "doc-chapter",
                             "aria-labelledby": f"{name}-title"}, parent=body)
        ids: list[str] = []
        worded: set[str] = set()
        turns: list[_TocEntry] = []
        turn_el = None
        last_heading: tuple[etree._Element, _TocEntry] | None = None   # when just before
        for p in by_section.get(s, []):
            heading, last_heading = last_heading, None
            if p.kind == "title":
                el = _E("h1", {"id": f"{name}-title"}, parent=sec)
            elif p.agenda_number:
                # Shown, but not a heading: a screen reader's list of headings would offer "10".
                el = _E("p", {"id": f"t{p.turn:04d}", "class": "agenda-number"}, parent=sec)
            elif p.kind == "heading" and heading is not None and p.text.strip()[:1].islower():
                # The rest of the heading just before ("PRÉSIDENCE DE M. X" / "vice-président"):
                # one heading, on two lines.
                h2, entry = heading
                _append_text(h2, " ")
                el = _E("span", {"id": f"t{p.turn:04d}", "class": "heading-more"}, parent=h2)
                entry.label += ", " + p.text.strip()
                last_heading = heading
            elif p.kind == "heading":
                el = _E("h2", {"id": f"t{p.turn:04d}", "class": "heading"}, parent=sec)
                entry = _TocEntry(p.text.strip(), f"{name}.xhtml#t{p.turn:04d}",
                                  f"toc-t{p.turn:04d}")
                turns.append(entry)
                last_heading = (el, entry)
            elif p.kind == "stage":
                el = _E("p", {"id": f"t{p.turn:04d}", "class": "stage"}, parent=sec)
            else:
                speech = p.item
                assert isinstance(speech, Speech)
                if p.first:
                    turn_el = _E("div", {"id": f"t{p.turn:04d}", "class": "turn"}, parent=sec)
                    turns.append(_TocEntry(_speaker_toc_label(speech.speaker),
                                           f"{name}.xhtml#t{p.turn:04d}", f"toc-t{p.turn:04d}"))
                el = _E("p", {"class": "speech"}, parent=turn_el)
                if p.first:
                    _speaker_label(el, speech.speaker)
            _fill_sentences(el, p, utterance_ids, ids, timed, worded)
        docs.append(_SectionDoc(s, name, title, _serialize(html), ids, turns, worded))
    return docs


def _title_page(debate: Debate, worded: bool) -> bytes:
    html, body = _document("Page de titre")
    sec = _E("section", {"class": "titlepage", "epub:type": "titlepage",
                         "aria-label": "Page de titre"}, parent=body)
    _E("h1", text=book_title(debate), parent=sec)
    if debate.chamber:
        _E("p", {"class": "chamber"}, text=debate.chamber, parent=sec)
    date = french_date(debate.date)
    if date:
        p = _E("p", {"class": "date"}, parent=sec)
        _E("time", {"datetime": debate.date}, text=date[0].upper() + date[1:], parent=p)
    _E("p", {"class": "note"}, text="Compte rendu des débats, lu par des voix de synthèse et "
       f"synchronisé {_sync(worded)} avec le texte.", parent=sec)
    return _serialize(html)


def _cover_page(image_href: str, alt: str) -> bytes:
    html, body = _document("Couverture")
    sec = _E("section", {"class": "cover", "epub:type": "cover"}, parent=body)
    _E("img", {"src": image_href, "alt": alt, "role": "doc-cover"}, parent=sec)
    return _serialize(html)


def _default_cover(debate: Debate) -> bytes:
    """The audiobooks' cover (same artwork in every output). PNG rather than SVG: reading
    systems' libraries and stores show PNG/JPEG covers, not always SVG ones."""
    from pipeline.write.audiobook import cover
    return cover(debate)


def _cast_page(debate: Debate, cast: Mapping[str, Voice]) -> bytes:
    html, body = _document("Les orateurs")
    sec = _E("section", {"id": "cast", "class": "cast", "epub:type": "appendix",
                         "role": "doc-appendix", "aria-labelledby": "cast-title"}, parent=body)
    _E("h1", {"id": "cast-title"}, text="Les orateurs", parent=sec)
    dl = _E("dl", parent=sec)
    for key, speaker in debate.speakers().items():
        label, role = label_parts(speaker)
        _E("dt", text=speaker.name or label, parent=dl)
        plain = {speaker.name, f"{speaker.civility} {speaker.name}"} if speaker.name else set()
        if speaker.name and label not in plain:
            _E("dd", text=f"Intitulé au compte rendu : « {label} »", parent=dl)
        if role:
            _E("dd", {"class": "role"}, text=role[0].upper() + role[1:], parent=dl)
        voice = cast.get(key)
        if voice is not None:
            _E("dd", text=f"Voix : {voice_label(voice)}", parent=dl)
    narrator = cast.get(NARRATOR)
    if narrator is not None:
        _E("dt", text="Narration", parent=dl)
        _E("dd", text="Titres et didascalies", parent=dl)
        _E("dd", text=f"Voix : {voice_label(narrator)}", parent=dl)
    return _serialize(html)


def _nav_page(debate: Debate, docs: list[_SectionDoc], landmarks: list[tuple[str, str, str]]) -> bytes:
    html, body = _document("Sommaire")
    nav = _E("nav", {"id": "toc", "epub:type": "toc", "role": "doc-toc",
                     "aria-labelledby": "toc-title"}, parent=body)
    _E("h1", {"id": "toc-title"}, text="Sommaire", parent=nav)
    ol = _E("ol", parent=nav)
    for d in docs:
        li = _E("li", parent=ol)
        _E("a", {"href": f"{d.name}.xhtml"}, text=d.title, parent=li)
        if d.turns:
            sub = _E("ol", parent=li)
            for t in d.turns:
                _E("a", {"href": t.href}, text=t.label, parent=_E("li", parent=sub))
    li = _E("li", parent=ol)
    _E("a", {"href": "cast.xhtml"}, text="Les orateurs", parent=li)

    nav = _E("nav", {"id": "landmarks", "epub:type": "landmarks", "hidden": "hidden",
                     "aria-labelledby": "landmarks-title"}, parent=body)
    _E("h2", {"id": "landmarks-title"}, text="Repères", parent=nav)
    ol = _E("ol", parent=nav)
    for kind, href, label in landmarks:
        _E("a", {"epub:type": kind, "href": href}, text=label, parent=_E("li", parent=ol))
    return _serialize(html)


# --- SMIL ----------------------------------------------------------------------------------

@dataclass
class _Overlay:
    smil: bytes
    duration_ms: int


def _overlay(doc: _SectionDoc, chapter: Chapter, timeline: Timeline,
             utterance_ids: set[str]) -> _Overlay | None:
    clips = [c for c in timeline.clips_of(chapter) if c.utterance in utterance_ids]
    if not clips:
        return None
    rate = timeline.rate
    order = {sid: i for i, sid in enumerate(doc.ids)}
    missing = [c.utterance for c in clips if c.utterance not in order]
    if missing:
        raise ValueError(f"utterances not found in the text of section {doc.index}: "
                         f"{', '.join(missing[:5])} (sentence splitting differs from segment?)")
    if [order[c.utterance] for c in clips] != sorted(order[c.utterance] for c in clips):
        raise ValueError(f"clips of section {doc.index} are not in document order")
    # Clips tile the book: each clip runs to the next one's start; the last to the chapter end.
    ends = [c.start for c in clips[1:]] + [chapter.end]
    audio_name = f"audio/{doc.name}.{AUDIO_EXT}"
    smil = etree.Element(f"{{{SMIL_NS}}}smil", {"version": "3.0"},
                         nsmap={None: SMIL_NS, "epub": EPUB_NS})
    body = etree.SubElement(smil, f"{{{SMIL_NS}}}body")
    seq = etree.SubElement(body, f"{{{SMIL_NS}}}seq", {
        "id": f"seq-{doc.name}", f"{{{EPUB_NS}}}textref": f"{doc.name}.xhtml#{doc.name}",
        f"{{{EPUB_NS}}}type": "chapter"})
    words: dict[str, list] = {}
    for w in timeline.words:
        if w.utterance in doc.worded:
            words.setdefault(w.utterance, []).append(w)
    for clip, end in zip(clips, ends):
        begin_ms = to_ms(clip.start - chapter.start, rate)
        end_ms = to_ms(end - chapter.start, rate)
        if not (chapter.start <= clip.start and begin_ms < end_ms):
            raise ValueError(f"clip {clip.utterance} is empty or outside its chapter "
                             f"({clip.start}–{end} in {chapter.start}–{chapter.end})")
        # Word mode: one par per displayed word, flat in the seq; the words tile the clip, so
        # the pars stay contiguous. A word shorter than a millisecond gets no par (SMIL rejects
        # clipBegin = clipEnd): its neighbours' pars still meet.
        ws = words.get(clip.utterance)
        parts = ([(f"{clip.utterance}-w{w.index:03d}", w.start, w.end) for w in ws] if ws
                 else [(clip.utterance, clip.start, end)])
        parts[0] = (parts[0][0], clip.start, parts[0][2])
        parts[-1] = (parts[-1][0], parts[-1][1], end)
        for target, start, stop in parts:
            a_ms, b_ms = to_ms(start - chapter.start, rate), to_ms(stop - chapter.start, rate)
            if a_ms >= b_ms:
                continue
            par = etree.SubElement(seq, f"{{{SMIL_NS}}}par", {"id": f"par-{target}"})
            etree.SubElement(par, f"{{{SMIL_NS}}}text", {"src": f"{doc.name}.xhtml#{target}"})
            etree.SubElement(par, f"{{{SMIL_NS}}}audio", {
                "src": audio_name, "clipBegin": clock(a_ms), "clipEnd": clock(b_ms)})
    content = etree.tostring(smil, encoding="utf-8", xml_declaration=True, pretty_print=True)
    return _Overlay(content, to_ms(chapter.end - chapter.start, rate))


def _section_audio(chapter: Chapter, timeline: Timeline, aac: Sequence[bytes]) -> bytes:
    """The chapter's AAC blocks in an .m4a of their own (a chapter is whole blocks)."""
    import tempfile
    blocks = spans(timeline)
    inside = [i for i, (a, b) in enumerate(blocks) if chapter.start <= a and b <= chapter.end]
    if sum(blocks[i][1] - blocks[i][0] for i in inside) != chapter.end - chapter.start:
        raise ValueError(f"chapter {chapter.title!r} is not made of whole audio blocks")
    with tempfile.TemporaryDirectory(prefix="hemicycle-epub-") as tmp:
        out = Path(tmp) / f"audio.{AUDIO_EXT}"
        remux(b"".join(aac[i] for i in inside), out, MUX_ARGS)
        return out.read_bytes()


# --- the book ------------------------------------------------------------------------------

class _Document(epub.EpubHtml):
    """An XHTML document written here: ebooklib stores it as given instead of re-templating it."""

    def __init__(self, uid: str, file_name: str, title: str, content: bytes,
                 properties: Sequence[str] = (), media_overlay: str | None = None):
        super().__init__(uid=uid, file_name=file_name, title=title, lang="fr",
                         media_type="application/xhtml+xml", media_overlay=media_overlay)
        self.content = content
        self.properties = list(properties)

    def get_content(self, default=None):
        return self.content


def _repack(raw: bytes, date: datetime.datetime, opf_fix) -> bytes:
    """Rewrite the zip ebooklib produced: mimetype first and stored, fixed timestamps and
    attributes, media stored (already compressed), everything else deflated; fix the OPF."""
    stamp = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w") as zout:
        names = zin.namelist()
        names = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in names:
            data = zin.read(name)
            if name.endswith(".opf"):
                data = opf_fix(data)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name == "mimetype" or name.endswith((".m4a", ".mp3", ".png", ".jpg"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zout.writestr(info, data, compresslevel=9 if not stored else None)
    return out.getvalue()


def _fix_opf(data: bytes) -> bytes:
    """Post-process ebooklib's package document: declare its language (`xml:lang`, which Ace by
    DAISY requires), drop the `prefix` re-declaring the reserved `rendition:` prefix (EPUBCheck
    warns about it)."""
    root = etree.fromstring(data)
    # The package's own language (Ace: epub-lang), besides dc:language.
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
    prefix = root.get("prefix", "")
    kept = " ".join(p for p in prefix.split("rendition: http://www.idpf.org/vocab/rendition/#")
                    if p.strip()).strip()
    if kept:
        root.set("prefix", kept)
    elif "prefix" in root.attrib:
        del root.attrib["prefix"]
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def build_epub(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               aac: Sequence[bytes], cast: Mapping[str, Voice],
               cover_png: bytes | None = None) -> bytes:
    """The EPUB file's bytes (see write_epub)."""
    if len(aac) != len(timeline.blocks):
        raise ValueError(f"{len(aac)} encoded blocks for a timeline of {len(timeline.blocks)}")
    utterance_ids = {u.id for u in utterances}
    docs = section_documents(debate, utterance_ids, Counter(w.utterance for w in timeline.words))
    chapters = {c.section: c for c in timeline.chapters}

    book = epub.EpubBook()
    book.set_identifier(_identifier(debate))
    book.set_title(book_title(debate))
    book.set_language("fr")
    if debate.chamber:
        book.add_author(debate.chamber)
        book.add_metadata("DC", "publisher", debate.chamber)
    if debate.date:
        book.add_metadata("DC", "date", debate.date)
    book.add_metadata("DC", "subject", "Débats parlementaires")
    book.add_metadata("DC", "description",
                      f"{book_title(debate)} — compte rendu lu par des voix de synthèse, "
                      f"synchronisé {_sync(bool(timeline.words))} (EPUB 3 Media Overlays).")

    def meta(prop: str, value: str, refines: str | None = None) -> None:
        attrs = {"property": prop}
        if refines:
            attrs["refines"] = refines
        book.add_metadata(None, "meta", value, attrs)

    # Accessibility (EPUB Accessibility 1.1, schema.org).
    meta("schema:accessMode", "textual")
    meta("schema:accessMode", "auditory")
    meta("schema:accessModeSufficient", "textual")
    meta("schema:accessModeSufficient", "auditory")
    meta("schema:accessModeSufficient", "textual,auditory")
    for feature in ("synchronizedAudioText", "structuralNavigation", "tableOfContents",
                    "readingOrder", "alternativeText", "displayTransformability"):
        meta("schema:accessibilityFeature", feature)
    meta("schema:accessibilityHazard", "none")
    meta("schema:accessibilitySummary", ACCESSIBILITY_SUMMARY.format(
        synced="Chaque mot du texte est synchronisé" if timeline.words
        else "Chaque phrase du texte est synchronisée"))
    meta("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    meta("a11y:certifiedBy", "Hémicycle (auto-évaluation)")

    css = epub.EpubItem(uid="css", file_name=CSS_NAME, media_type="text/css", content=_css())
    book.add_item(css)

    # Cover image and page.
    date = french_date(debate.date)
    alt = " — ".join(x for x in (book_title(debate), debate.chamber,
                                 date if date and date not in debate.title else None) if x)
    cover = epub.EpubCover(uid="cover-img", file_name="images/cover.png")
    cover.media_type = "image/png"
    cover.content = cover_png if cover_png is not None else _default_cover(debate)
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-img"})
    cover_doc = _Document("cover", "cover.xhtml", "Couverture",
                          _cover_page(cover.file_name, f"Couverture : {alt}"))
    title_doc = _Document("titlepage", "title.xhtml", "Page de titre", _title_page(debate, bool(timeline.words)))
    cast_doc = _Document("cast", "cast.xhtml", "Les orateurs", _cast_page(debate, cast))

    # Sections, their audio and overlays.
    section_items: list[_Document] = []
    total_ms = 0
    narrators: list[str] = []
    for d in docs:
        chapter = chapters.get(d.index)
        overlay = _overlay(d, chapter, timeline, utterance_ids) if chapter else None
        if d.ids and overlay is None:
            raise ValueError(f"section {d.index} has utterances but no chapter/clips")
        item = _Document(f"doc-{d.name}", f"{d.name}.xhtml", d.title, d.content,
                         media_overlay=f"mo-{d.name}" if overlay else None)
        section_items.append(item)
        if overlay is None:
            continue
        audio = _section_audio(chapter, timeline, aac)
        book.add_item(epub.EpubItem(uid=f"audio-{d.name}", media_type=AUDIO_MEDIA_TYPE,
                                    file_name=f"audio/{d.name}.{AUDIO_EXT}", content=audio))
        book.add_item(epub.EpubSMIL(uid=f"mo-{d.name}", file_name=f"{d.name}.smil",
                                    content=overlay.smil))
        meta("media:duration", clock(overlay.duration_ms), f"#mo-{d.name}")
        total_ms += overlay.duration_ms

    if total_ms:
        meta("media:duration", clock(total_ms))
        meta("media:active-class", ACTIVE_CLASS)
        meta("media:playback-active-class", PLAYBACK_ACTIVE_CLASS)
        speaking = {u.speaker for u in utterances}
        for key in [NARRATOR, *debate.speakers().keys()]:
            voice = cast.get(key)
            if voice is not None and key in speaking:
                label = voice_label(voice)
                if label not in narrators:
                    narrators.append(label)
        for label in narrators:
            meta("media:narrator", label)

    landmarks = [("cover", "cover.xhtml", "Couverture"), ("titlepage", "title.xhtml", "Page de titre"),
                 ("toc", "nav.xhtml#toc", "Sommaire")]
    if section_items:
        landmarks.append(("bodymatter", section_items[0].file_name, "Début de la séance"))
    landmarks.append(("appendix", "cast.xhtml", "Les orateurs"))
    nav_doc = _Document("nav", "nav.xhtml", "Sommaire", _nav_page(debate, docs, landmarks),
                        properties=["nav"])

    for item in (cover_doc, title_doc, nav_doc, *section_items, cast_doc):
        book.add_item(item)
    book.add_item(epub.EpubNcx())
    book.spine = [cover_doc, title_doc, nav_doc, *section_items, cast_doc]
    book.toc = [
        (epub.Section(d.title, f"{d.name}.xhtml"),
         [epub.Link(t.href, t.label, t.uid) for t in d.turns])
        if d.turns else epub.Link(f"{d.name}.xhtml", d.title, f"toc-{d.name}")
        for d in docs
    ] + [epub.Link("cast.xhtml", "Les orateurs", "toc-cast")]

    raw = io.BytesIO()
    epub.EpubWriter(raw, book, {"mtime": _modified(debate), "epub2_guide": False,
                                "epub3_landmark": False, "epub3_pages": False,
                                "raise_exceptions": True}).write()
    return _repack(raw.getvalue(), _modified(debate), _fix_opf)


def write_epub(path: Path, debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               aac: Sequence[bytes], cast: Mapping[str, Voice],
               cover_png: bytes | None = None) -> None:
    """Write the read-along EPUB 3 to `path`, atomically and deterministically.

    `aac` is the whole book encoded block by block (splice.encode_blocks with AAC); each Debate
    section becomes one XHTML document with its chapter's audio and a SMIL whose clips are the
    timeline's, relative to that audio, in milliseconds."""
    write_bytes(path, build_epub(debate, utterances, timeline, aac, cast, cover_png))
