"""EPUB packaging: ebooklib builds the container (manifest, spine, metadata, NCX) around
documents written elsewhere, then the zip is written here deterministically (fixed order,
timestamps and identifier), copying from the previous book every member that did not change."""
from __future__ import annotations

import datetime
import hashlib
import json
import struct
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

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


@dataclass(frozen=True)
class Member:
    """One file of the EPUB's zip. `key`: what it is made from (its content's digest, or for an
    audio file the digest of its frames and of how they are muxed), kept as the member's zip
    comment so that the next build knows it; `make`: its bytes, only called when the previous
    book holds no member of that name and key."""
    name: str
    key: str
    make: Callable[[], bytes]

    @property
    def stored(self) -> bool:
        return self.name == "mimetype" or self.name.endswith((".m4a", ".mp3", ".png", ".jpg"))


def content(name: str, data: bytes) -> Member:
    return Member(name, hashlib.sha256(data).hexdigest(), lambda: data)


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_UTF8 = 0x800                  # general purpose flag: the name is UTF-8


def _comment(m: Member) -> bytes:
    return b"" if m.name == "mimetype" else m.key.encode()     # the mimetype: bare, as OCF asks


class _Previous:
    """The members of the book a previous build wrote, to copy as they are stored: each one
    found by name and key, its data checked against its CRC (a damaged one is made again)."""

    def __init__(self, path: Path | None):
        self.f, self.infos = None, {}
        if path is None or not Path(path).is_file():
            return
        try:
            self.f = open(path, "rb")
            with zipfile.ZipFile(self.f) as z:
                self.infos = {i.filename: i for i in z.infolist()}
        except (OSError, zipfile.BadZipFile, ValueError):
            self.close()

    def raw(self, m: Member, method: int) -> tuple[bytes, int, int] | None:
        """(stored bytes, CRC-32, size) of `m` in the previous book, or None."""
        info = self.infos.get(m.name)
        if info is None or info.comment != _comment(m) or info.compress_type != method:
            return None
        try:
            self.f.seek(info.header_offset)
            head = self.f.read(_LOCAL.size)
            if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
                return None
            fields = _LOCAL.unpack(head)
            self.f.seek(info.header_offset + _LOCAL.size + fields[9] + fields[10])
            data = self.f.read(info.compress_size)
            if method == zipfile.ZIP_STORED:
                plain = data
            else:                      # bounded: a replaced file is no bomb
                plain = zlib.decompressobj(-15).decompress(data, info.file_size + 1)
        except (OSError, zlib.error):
            return None
        if len(data) != info.compress_size or len(plain) != info.file_size \
                or zlib.crc32(plain) != info.CRC:
            return None
        return data, info.CRC, info.file_size

    def close(self) -> None:
        if self.f:
            self.f.close()
        self.f, self.infos = None, {}


def pack(members: Sequence[Member], date: datetime.datetime, out: BinaryIO,
         previous: Path | None = None) -> int:
    """The zip of `members`, in order, into `out`: fixed timestamps and attributes, media stored
    (already compressed), the rest deflated (level 9), each member's key as its comment. A
    member `previous` (the book as last written) holds under the same name and key is copied as
    it is stored there, never made nor compressed again: the same bytes as a full write (same
    content, same zlib). Returns how many members were copied."""
    stamp = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    dostime = stamp[3] << 11 | stamp[4] << 5 | stamp[5] // 2
    dosdate = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
    old = _Previous(previous)
    central, copied, offset = [], 0, 0
    try:
        for m in members:
            method = zipfile.ZIP_STORED if m.stored else zipfile.ZIP_DEFLATED
            found = old.raw(m, method)
            if found:
                data, crc, size = found
                copied += 1
            else:
                plain = m.make()
                crc, size = zlib.crc32(plain), len(plain)
                if m.stored:
                    data = plain
                else:
                    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
                    data = deflate.compress(plain) + deflate.flush()
            name = m.name.encode("utf-8")
            comment = _comment(m)
            flags = 0 if name.isascii() else _UTF8
            if offset + len(data) + len(name) + _LOCAL.size > 0xFFFFFFFF:
                raise ValueError("EPUB over 4 GB: not written (no ZIP64 here)")
            out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, method, dostime, dosdate, crc,
                                  len(data), size, len(name), 0) + name)
            out.write(data)
            central.append(_CENTRAL.pack(b"PK\x01\x02", 3 << 8 | 20, 20, flags, method, dostime,
                                         dosdate, crc, len(data), size, len(name), 0,
                                         len(comment), 0, 0, 0o100644 << 16, offset)
                           + name + comment)
            offset += _LOCAL.size + len(name) + len(data)
    finally:
        old.close()
    directory = b"".join(central)
    out.write(directory)
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory),
                        offset, 0))
    return copied


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
