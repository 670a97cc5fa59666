"""The read-along EPUB 3: one XHTML document per debate section (write/markup.py), each with
its audio and its Media Overlay (write/smil.py) taken from the synthesis timeline; the cover,
title page, navigation and cast pages; the package (write/package.py), written atomically."""
from __future__ import annotations

import io
import warnings
import zipfile
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

from ebooklib import epub

from pipeline.atomic import atomic_path
from pipeline.french import french_date
from pipeline.model import NARRATOR, Debate, Timeline, Utterance, Voice
from pipeline.write.cover import cover as default_cover
from pipeline.write.markup import (CSS_NAME, E, SectionDoc, book_documents, document,
                                   serialize)
from pipeline.write.package import (Document, Member, content, fix_opf, identifier, modified,
                                    pack)
from pipeline.write.present import (book_title, clock, description, label_parts, sync,
                                    voice_label, web_url)
from pipeline.write.smil import (AUDIO_MEDIA_TYPE, audio_key, audio_parts, mux_audio, overlay,
                                 part_frames)

__all__ = ["build_epub", "write_epub"]

ACTIVE_CLASS = "-epub-media-overlay-active"
PLAYBACK_ACTIVE_CLASS = "-epub-media-overlay-playing"

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


def _css() -> bytes:
    return resources.files("pipeline.write").joinpath("epub.css").read_bytes()


def _title_page(debate: Debate, worded: bool) -> bytes:
    html, body = document("Page de titre")
    sec = E("section", {"class": "titlepage", "epub:type": "titlepage",
                        "aria-label": "Page de titre"}, parent=body)
    E("h1", text=book_title(debate), parent=sec)
    if debate.chamber:
        E("p", {"class": "chamber"}, text=debate.chamber, parent=sec)
    date = french_date(debate.date)
    if date:
        p = E("p", {"class": "date"}, parent=sec)
        E("time", {"datetime": debate.date}, text=date[0].upper() + date[1:], parent=p)
    E("p", {"class": "note"}, text="Compte rendu des débats, lu par des voix de synthèse et "
      f"synchronisé {sync(worded)} avec le texte.", parent=sec)
    return serialize(html)


def _cover_page(image_href: str, alt: str) -> bytes:
    html, body = document("Couverture")
    sec = E("section", {"class": "cover", "epub:type": "cover"}, parent=body)
    E("img", {"src": image_href, "alt": alt, "role": "doc-cover"}, parent=sec)
    return serialize(html)


def _cast_page(debate: Debate, cast: Mapping[str, Voice]) -> bytes:
    html, body = document("Les orateurs")
    sec = E("section", {"id": "cast", "class": "cast", "epub:type": "appendix",
                        "role": "doc-appendix", "aria-labelledby": "cast-title"}, parent=body)
    E("h1", {"id": "cast-title"}, text="Les orateurs", parent=sec)
    dl = E("dl", parent=sec)
    for key, speaker in debate.speakers().items():
        label, role = label_parts(speaker)
        E("dt", text=speaker.name or label, parent=dl)
        plain = {speaker.name, f"{speaker.civility} {speaker.name}"} if speaker.name else set()
        if speaker.name and label not in plain:
            E("dd", text=f"Intitulé au compte rendu : « {label} »", parent=dl)
        if role:
            E("dd", {"class": "role"}, text=role[0].upper() + role[1:], parent=dl)
        voice = cast.get(key)
        if voice is not None:
            E("dd", text=f"Voix : {voice_label(voice)}", parent=dl)
    narrator = cast.get(NARRATOR)
    if narrator is not None:
        E("dt", text="Narration", parent=dl)
        E("dd", text="Titres et didascalies", parent=dl)
        E("dd", text=f"Voix : {voice_label(narrator)}", parent=dl)
    return serialize(html)


def _nav_list(li, entries) -> None:
    """The contents below an entry, nested: agenda items, then the interventions in each."""
    if entries:
        sub = E("ol", parent=li)
        for t in entries:
            item = E("li", parent=sub)
            E("a", {"href": t.href}, text=t.label, parent=item)
            _nav_list(item, t.children)


def _ncx(entries):
    return [(epub.Section(t.label, t.href), _ncx(t.children)) if t.children
            else epub.Link(t.href, t.label, t.uid) for t in entries]


def _nav_page(debate: Debate, docs: list[SectionDoc],
              landmarks: list[tuple[str, str, str]]) -> bytes:
    html, body = document("Sommaire")
    nav = E("nav", {"id": "toc", "epub:type": "toc", "role": "doc-toc",
                    "aria-labelledby": "toc-title"}, parent=body)
    E("h1", {"id": "toc-title"}, text="Sommaire", parent=nav)
    ol = E("ol", parent=nav)
    for d in docs:
        li = E("li", parent=ol)
        E("a", {"href": f"{d.name}.xhtml"}, text=d.title, parent=li)
        _nav_list(li, d.turns)
    li = E("li", parent=ol)
    E("a", {"href": "cast.xhtml"}, text="Les orateurs", parent=li)

    nav = E("nav", {"id": "landmarks", "epub:type": "landmarks", "hidden": "hidden",
                    "aria-labelledby": "landmarks-title"}, parent=body)
    E("h2", {"id": "landmarks-title"}, text="Repères", parent=nav)
    ol = E("ol", parent=nav)
    for kind, href, label in landmarks:
        E("a", {"epub:type": kind, "href": href}, text=label, parent=E("li", parent=ol))
    return serialize(html)


def _members(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
             aac: Sequence[bytes], cast: Mapping[str, Voice],
             cover_png: bytes | None = None,
             docs: Sequence[SectionDoc] | None = None) -> list[Member]:
    """The book's zip members, in order; the audio ones made on demand. `docs`: the build's
    markup.book_documents, when it has them already."""
    if len(aac) != len(timeline.blocks):
        raise ValueError(f"{len(aac)} encoded blocks for a timeline of {len(timeline.blocks)}")
    utterance_ids = {u.id for u in utterances}
    docs = docs if docs is not None else book_documents(debate, utterances, timeline)
    chapters = {c.section: c for c in timeline.sections}
    paths = {u.id: u.agenda for u in utterances}

    book = epub.EpubBook()
    book.set_identifier(identifier(debate))
    book.set_title(book_title(debate))
    book.set_language("fr")
    if debate.chamber:
        book.add_author(debate.chamber)
        book.add_metadata("DC", "publisher", debate.chamber)
    if debate.date:
        book.add_metadata("DC", "date", debate.date)
    book.add_metadata("DC", "subject", "Débats parlementaires")
    if debate.source and web_url(debate.source.url):      # the record as published
        book.add_metadata("DC", "source", debate.source.url)
    elif debate.source and debate.source.url:
        warnings.warn(f"{book_title(debate)}: the record's URL dropped, not http(s): "
                      f"{debate.source.url[:80]!r}")
    book.add_metadata("DC", "description", description(debate))

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
    timed = {w.utterance for w in timeline.words}
    whole = timed and any(c.utterance not in timed for c in timeline.clips)
    meta("schema:accessibilitySummary", ACCESSIBILITY_SUMMARY.format(
        synced="Chaque phrase du texte est synchronisée" if not timed
        else "Chaque mot du texte est synchronisé" if not whole
        else ("Chaque mot du texte est synchronisé, sauf dans les phrases lues par une voix qui "
              "ne donne pas le minutage des mots (SVOX Pico), synchronisées phrase à phrase,")))
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
    cover.content = cover_png if cover_png is not None else default_cover(debate)
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-img"})
    cover_doc = Document("cover", "cover.xhtml", "Couverture",
                        _cover_page(cover.file_name, f"Couverture : {alt}"))
    title_doc = Document("titlepage", "title.xhtml", "Page de titre",
                        _title_page(debate, bool(timeline.words)))
    cast_doc = Document("cast", "cast.xhtml", "Les orateurs", _cast_page(debate, cast))

    # Sections, their audio and overlays.
    section_items: list[Document] = []
    audio: dict[str, Member] = {}
    total_ms = 0
    narrators: list[str] = []
    for d in docs:
        chapter = chapters.get(d.index)
        parts = audio_parts(d.name, chapter, timeline, aac) if chapter else []
        mo = overlay(d, chapter, timeline, utterance_ids, paths, parts) if chapter else None
        if d.ids and mo is None:
            raise ValueError(f"section {d.index} has utterances but no chapter/clips")
        item = Document(f"doc-{d.name}", f"{d.name}.xhtml", d.title, d.content,
                       media_overlay=f"mo-{d.name}" if mo else None)
        section_items.append(item)
        if mo is None:
            continue
        # The audio is muxed only if the previous book lacks it (package.pack): ebooklib
        # gets a stand-in, it only lists it in the manifest.
        for part in parts:
            item = epub.EpubItem(uid="audio-" + Path(part.name).stem,
                                 media_type=AUDIO_MEDIA_TYPE, file_name=part.name, content=b"")
            book.add_item(item)
            audio[f"{book.FOLDER_NAME}/{item.file_name}"] = Member(
                f"{book.FOLDER_NAME}/{item.file_name}", audio_key(part, aac),
                lambda part=part: mux_audio(part_frames(part, aac)))
        book.add_item(epub.EpubSMIL(uid=f"mo-{d.name}", file_name=f"{d.name}.smil",
                                    content=mo.smil))
        meta("media:duration", clock(mo.duration_ms), f"#mo-{d.name}")
        total_ms += mo.duration_ms

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

    landmarks = [("cover", "cover.xhtml", "Couverture"),
                 ("titlepage", "title.xhtml", "Page de titre"),
                 ("toc", "nav.xhtml#toc", "Sommaire")]
    if section_items:
        landmarks.append(("bodymatter", section_items[0].file_name, "Début de la séance"))
    landmarks.append(("appendix", "cast.xhtml", "Les orateurs"))
    nav_doc = Document("nav", "nav.xhtml", "Sommaire", _nav_page(debate, docs, landmarks),
                      properties=["nav"])

    for item in (cover_doc, title_doc, nav_doc, *section_items, cast_doc):
        book.add_item(item)
    book.add_item(epub.EpubNcx())
    book.spine = [cover_doc, title_doc, nav_doc, *section_items, cast_doc]
    book.toc = [
        (epub.Section(d.title, f"{d.name}.xhtml"),
         _ncx(d.turns))
        if d.turns else epub.Link(f"{d.name}.xhtml", d.title, f"toc-{d.name}")
        for d in docs
    ] + [epub.Link("cast.xhtml", "Les orateurs", "toc-cast")]

    # ebooklib's zip (uncompressed: it is only read back) gives the package document, the NCX,
    # the container and the order; the book itself is written by package.pack.
    raw = io.BytesIO()
    epub.EpubWriter(raw, book, {"mtime": modified(debate), "epub2_guide": False,
                                "epub3_landmark": False, "epub3_pages": False,
                                "raise_exceptions": True, "compresslevel": 0}).write()
    members = []
    with zipfile.ZipFile(raw) as z:
        names = z.namelist()
        for name in ["mimetype"] + [n for n in names if n != "mimetype"]:
            if name in audio:
                members.append(audio[name])
            else:
                data = z.read(name)
                members.append(content(name, fix_opf(data) if name.endswith(".opf") else data))
    return members


def build_epub(debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               aac: Sequence[bytes], cast: Mapping[str, Voice],
               cover_png: bytes | None = None) -> bytes:
    """The EPUB file's bytes (see write_epub)."""
    out = io.BytesIO()
    pack(_members(debate, utterances, timeline, aac, cast, cover_png), modified(debate), out)
    return out.getvalue()


def write_epub(path: Path, debate: Debate, utterances: Sequence[Utterance], timeline: Timeline,
               aac: Sequence[bytes], cast: Mapping[str, Voice],
               cover_png: bytes | None = None, docs: Sequence[SectionDoc] | None = None) -> int:
    """Write the read-along EPUB 3 to `path`, atomically and deterministically.

    `aac` is the whole book encoded block by block (splice.encode_blocks with AAC); each Debate
    section becomes one XHTML document with its chapter's audio and a SMIL whose clips are the
    timeline's, relative to that audio, in milliseconds. What the book already at `path` holds
    unchanged is copied from it as stored (package.pack): the same bytes as a full write, in a
    fraction of the time after a small edit. Returns how many members were copied. `docs`:
    the build's markup.book_documents (the page shows the same)."""
    members = _members(debate, utterances, timeline, aac, cast, cover_png, docs)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        return pack(members, modified(debate), f, previous=Path(path))
