"""EPUB packaging: ebooklib builds the container (manifest, spine, metadata, NCX) around
documents written elsewhere, then the zip is repacked deterministically (fixed order,
timestamps and identifier)."""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import uuid
import zipfile
from typing import Sequence

from ebooklib import epub
from lxml import etree

from pipeline.model import Debate
from pipeline.write.present import sitting_date

# dcterms:modified, which EPUB requires, for a sitting of unknown date: a stand-in that reads as
# none (the zip format's first instant, also every entry's time), not a plausible date.
UNDATED = datetime.datetime(1980, 1, 1)


def modified(debate: Debate) -> datetime.datetime:
    """dcterms:modified derived from the inputs (the sitting's date), never from the clock."""
    d = sitting_date(debate.date)
    return datetime.datetime(d.year, d.month, d.day) if d else UNDATED


def identifier(debate: Debate) -> str:
    digest = hashlib.sha256(json.dumps(debate.to_json(), ensure_ascii=False, sort_keys=True)
                            .encode("utf-8")).hexdigest()
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "hemicycle:" + digest))


class Document(epub.EpubHtml):
    """An XHTML document written here: ebooklib stores it as given instead of re-templating it."""

    def __init__(self, uid: str, file_name: str, title: str, content: bytes,
                 properties: Sequence[str] = (), media_overlay: str | None = None):
        super().__init__(uid=uid, file_name=file_name, title=title, lang="fr",
                         media_type="application/xhtml+xml", media_overlay=media_overlay)
        self.content = content
        self.properties = list(properties)

    def get_content(self, default=None):
        return self.content


def repack(raw: bytes, date: datetime.datetime, opf_fix) -> bytes:
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


def fix_opf(data: bytes) -> bytes:
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
