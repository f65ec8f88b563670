"""Zip-bomb and damage checks on an OOXML package, run before any parser opens it.

Python's zipfile trusts each part's declared size only partly: `ZipFile.read()` inflates the whole
compressed stream in one call, so a part that declares 1 kB and inflates to 10 GB would exhaust memory.
So every part is inflated here first, in bounded steps, and must match its declared size and CRC-32; after
that the declared sizes are true and the caps on them mean something. On the way, each XML part's nodes are
counted ("<" for elements, half the quote characters for attributes: a few C-speed byte counts per step), so a
reader that parses parts whole can refuse a document whose tree would not fit in memory (`check_parsed_xml`).
"""
from __future__ import annotations

import io
import logging
import struct
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable

from server.errors import TooLarge, UnreadableDocument

from .limits import MIB, Limits

log = logging.getLogger(__name__)

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_LOCAL_HEADER = b"PK\x03\x04"
_STEP = 64 * 1024
_MIN_CD_ENTRY = 46  # fixed part of one central-directory record
_XML_PARTS = (".xml", ".rels", ".vml")
WORD_NODES_PER_PAGE = 700  # what Word writes (limits.py), to say a node cap in pages


def open_package(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Return the package as a ZipFile after checking counts, sizes, ratios and every part's integrity; its
    `xml_nodes` attribute maps each XML part's name to (nodes, bytes)."""
    _check_directory_size(data, limits)
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, EOFError) as exc:
        raise UnreadableDocument("The file is damaged or truncated: it is not a complete zip package.") from exc
    members = package.infolist()
    if len(members) > limits.max_members:
        raise TooLarge(f"The package has {len(members)} parts; at most {limits.max_members} are accepted.")
    declared = sum(m.file_size for m in members)
    if declared > limits.max_uncompressed:
        raise TooLarge(
            f"The package expands to {declared // (1024 * 1024)} MB; at most "
            f"{limits.max_uncompressed // (1024 * 1024)} MB are accepted."
        )
    package.xml_nodes = {}
    for member in members:
        if "\\" in member.filename:
            raise UnreadableDocument("The package names its parts with backslashes, which the Office Open XML "
                                     "standard does not allow; open the file in Office, save it again and retry.")
        nodes = _check_member(data, member, limits)
        if nodes is not None:
            package.xml_nodes[member.filename] = (nodes, member.file_size)
    _refuse_doctypes(package)
    return package


def check_parsed_xml(package: zipfile.ZipFile, limits: Limits, parsed: Callable[[str], bool] | None = None) -> None:
    """Refuse (413) a document whose XML parts that a reader parses whole (`parsed(name)`; default all) hold
    more nodes or bytes than limits.max_xml_nodes / max_xml_bytes: their trees would not fit in memory."""
    counts = [counts for name, counts in package.xml_nodes.items() if parsed is None or parsed(name)]
    nodes, size = sum(n for n, _ in counts), sum(b for _, b in counts)
    if nodes > limits.max_xml_nodes or size > limits.max_xml_bytes:
        log.info("document refused: %d XML nodes, %d bytes of XML read whole", nodes, size)
        raise TooLarge(f"The document is too large to read at once ({nodes:,} XML elements and attributes, "
                       f"{size / MIB:.1f} MB of XML; at most {limits.max_xml_nodes:,} and {limits.max_xml_bytes / MIB:.1f} "
                       f"MB, about {limits.max_xml_nodes // WORD_NODES_PER_PAGE:,} pages); split it into parts and send "
                       "them one at a time.")


def _check_directory_size(data: bytes, limits: Limits) -> None:
    """Refuse a huge central directory from the end record alone, before zipfile builds an object per entry."""
    tail_start = max(0, len(data) - (22 + 0xFFFF))
    at = data.rfind(_EOCD, tail_start)
    if at < 0 or at + 22 > len(data):
        raise UnreadableDocument("The file is damaged or truncated: its zip directory is missing.")
    entries, directory_size = struct.unpack_from("<HI", data, at + 10)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        entries, directory_size = _zip64_counts(data, at)
    if entries > limits.max_members or directory_size > limits.max_members * 1024:
        raise TooLarge(f"The package has {entries} parts; at most {limits.max_members} are accepted.")


def _zip64_counts(data: bytes, eocd_at: int) -> tuple[int, int]:
    locator_at = eocd_at - 20
    if locator_at < 0 or data[locator_at:locator_at + 4] != _ZIP64_LOCATOR:
        raise UnreadableDocument("The file is damaged: its zip64 directory is missing.")
    (record_at,) = struct.unpack_from("<Q", data, locator_at + 8)
    if record_at + 56 > len(data) or data[record_at:record_at + 4] != _ZIP64_EOCD:
        raise UnreadableDocument("The file is damaged: its zip64 directory is missing.")
    entries, directory_size = struct.unpack_from("<QQ", data, record_at + 32)
    return entries, directory_size


def _check_member(data: bytes, member: zipfile.ZipInfo, limits: Limits) -> int | None:
    """Check one part; return its XML node count, or None for a part that is not XML."""
    if member.flag_bits & 0x1:
        raise UnreadableDocument("The file is password-protected (encrypted zip); remove the password and retry.")
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnreadableDocument("The package uses a compression method Office never writes.")
    if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(member.compress_size, 1):
        raise TooLarge(
            f"A part expands {member.file_size // max(member.compress_size, 1)} times its compressed size, "
            "as zip bombs do; the file was refused."
        )
    raw = _compressed_bytes(data, member)
    counter = _NodeCounter() if member.filename.lower().endswith(_XML_PARTS) else None
    if member.compress_type == zipfile.ZIP_STORED:
        size, crc = len(raw), zlib.crc32(raw)
        if counter is not None:
            for start in range(0, len(raw), _STEP):
                counter.add(bytes(raw[start:start + _STEP]))
    else:
        size, crc = _inflate_bounded(raw, member.file_size, counter)
    if size != member.file_size or crc != member.CRC:
        log.info("zip part failed its size or CRC check (declared %s, actual %s)", member.file_size, size)
        raise UnreadableDocument("The file is damaged: one of its parts fails its integrity check.")
    return counter.nodes if counter is not None else None


class _NodeCounter:
    """Elements ("<") and attributes (quote characters, two each) of an XML part, counted as it inflates.

    An overcount at worst (a "<" in a comment, quotes in text); an attribute cannot avoid its quotes."""

    def __init__(self):
        self.tags = self.quotes = 0

    def add(self, chunk) -> None:
        self.tags += chunk.count(b"<")
        self.quotes += chunk.count(b'"') + chunk.count(b"'")

    @property
    def nodes(self) -> int:
        return self.tags + self.quotes // 2


def _compressed_bytes(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    start = member.header_offset
    if start < 0 or start + 30 > len(data) or data[start:start + 4] != _LOCAL_HEADER:
        raise UnreadableDocument("The file is damaged: a part's header is missing.")
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_length + extra_length
    end = begin + member.compress_size
    if end > len(data):
        raise UnreadableDocument("The file is damaged or truncated: a part is cut off.")
    return memoryview(data)[begin:end]


def _inflate_bounded(raw: memoryview, declared: int, counter: _NodeCounter | None = None) -> tuple[int, int]:
    """Inflate in steps of at most 64 kB of output; stop as soon as the output passes the declared size.

    Input goes in 64 kB slices too: `unconsumed_tail` is a copy of the input left over, so handing the whole
    part over at once would copy the rest of it at every step (quadratic: 40 s for a 50 MB part)."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size, crc, offset, pending = 0, 0, 0, b""
    try:
        while True:
            if not pending and offset < len(raw):
                pending, offset = raw[offset:offset + _STEP], offset + _STEP
            chunk = inflater.decompress(pending, _STEP)
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
            if counter is not None:
                counter.add(chunk)
            if size > declared:
                raise UnreadableDocument("The file is damaged: a part is larger than it declares.")
            pending = inflater.unconsumed_tail
            if inflater.eof or (not pending and not chunk and offset >= len(raw)):
                break
    except zlib.error as exc:
        raise UnreadableDocument("The file is damaged: a part cannot be decompressed.") from exc
    if not inflater.eof:
        raise UnreadableDocument("The file is damaged or truncated: a part ends early.")
    return size, crc


class _Doctype(Exception):
    pass


class _RootReached(Exception):
    pass


def _refuse_doctypes(archive: zipfile.ZipFile) -> None:
    """Refuse any XML part with a DOCTYPE; only each part's prolog is parsed (it ends at the root element).

    Office never writes a DTD; one in a package is an entity-expansion or external-entity probe, so it is
    refused up front rather than left to each parser's settings."""
    for info in archive.infolist():
        if not info.filename.lower().endswith(_XML_PARTS):
            continue
        if _has_doctype(archive, info):
            log.info("package part with a document type declaration refused")
            raise UnreadableDocument(
                "The document's XML declares a document type (DTD), which Office never writes; "
                "the file was refused as possibly hostile (entity expansion)."
            )


def _has_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    parser = xml.parsers.expat.ParserCreate()

    def doctype(*_args):
        raise _Doctype

    def root(*_args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    with archive.open(info) as stream:
        while chunk := stream.read(16 * 1024):
            try:
                parser.Parse(chunk, False)
            except _Doctype:
                return True
            except (_RootReached, xml.parsers.expat.ExpatError):
                return False  # a malformed part is left to the real parser to report
    return False
