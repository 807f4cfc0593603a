"""Defences for reading untrusted book files.

An EPUB is a ZIP of XML written by strangers, so before any XML parser (ours or ebooklib's) sees
it we check the archive as a whole:

- ZIP bombs: member count, declared sizes, and the bytes actually inflated, per member and in
  total, against ``ArchiveLimits``;
- path tricks: member names and manifest hrefs that are absolute or climb out with ``..``;
- XML entity attacks: any document that declares entities (``<!ENTITY``) is refused, so neither
  an entity-expansion bomb nor an external entity (local file, URL) can reach a parser;
- DRM: ``META-INF/encryption.xml`` encrypting anything with more than font obfuscation.

``read_xml_tree`` / ``read_html_tree`` are the one way this project parses markup: entities are
never resolved, no DTD is loaded, nothing is fetched from the network.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from narration.errors import InputError

log = logging.getLogger(__name__)

# Limits on what one book may inflate to. Generous for real books (a large illustrated EPUB is
# tens of MB), small enough that a bomb is refused long before memory runs out.
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 10_000

# Font obfuscation is not DRM: the text stays readable (EPUB OCF spec and Adobe's variant).
FONT_OBFUSCATION_ALGORITHMS = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})

CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF_NS = "http://www.idpf.org/2007/opf"
ENC_NS = "http://www.w3.org/2001/04/xmlenc#"

_READ_CHUNK = 1024 * 1024
# "<!ENTITY" in every encoding an XML parser auto-detects from the first bytes.
_ENTITY_MARKS = tuple("<!ENTITY".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_ZIP_MAGIC = b"PK\x03\x04"
# Deepest element nesting read as it is: libxml2's own default, far past real books, and what the
# recursive walk over a document (``narration.ingest.html``) can go down within Python's stack.
MAX_DEPTH = 256
# libxml2's ceiling even with huge_tree, and the error it reports reaching it with.
_LIBXML2_DEPTH = 2048
_DEPTH_ERROR = "Excessive depth"
_TOO_DEEP = _LIBXML2_DEPTH + 1
# Tags that only style text: dropped to read a document nested past MAX_DEPTH (the unclosed <b>
# or <font> tags of a bad conversion pile up one level per paragraph).
_FORMATTING_TAG = re.compile(rb"<(?:/\s*)?(?:b|i|u|s|em|strong|font|big|small|tt|strike|mark)(?=[\s/>])[^<>]*>",
                             re.IGNORECASE)


@dataclass(frozen=True)
class ArchiveLimits:
    max_member_bytes: int = MAX_MEMBER_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_members: int = MAX_MEMBERS


DEFAULT_LIMITS = ArchiveLimits()


# --- markup parsing -----------------------------------------------------------------------------


def _safe_xml_parser(recover: bool = False, huge_tree: bool = False) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=huge_tree,
                           recover=recover)


def declares_entities(data: bytes) -> bool:
    """True if the document declares XML entities (the way in for XXE and expansion bombs)."""
    if any(mark in data for mark in _ENTITY_MARKS):
        return True
    # Encodings the byte scan cannot see (UTF-7, EBCDIC...): ask libxml2, which keeps the
    # declarations without expanding them when resolve_entities is off.
    try:
        root = etree.fromstring(data, _safe_xml_parser(recover=True))
    except (etree.XMLSyntaxError, ValueError):
        return False
    if root is None:
        return False
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.entities())


def _refuse_entities(data: bytes, source: str | Path, member: str) -> None:
    if declares_entities(data):
        raise InputError(
            source,
            f"{member or 'document'} declares XML entities (<!ENTITY>), which can read local "
            "files or expand without limit; refusing to parse it",
        )


def read_xml_tree(data: bytes, source: str | Path, member: str = "") -> etree._Element:
    """Parse well-formed XML safely; malformed XML or entity declarations raise InputError."""
    _refuse_entities(data, source, member)
    try:
        return etree.fromstring(data, _safe_xml_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        where = f"{member}: " if member else ""
        raise InputError(source, f"{where}malformed XML ({_one_line(exc)})") from None


def read_html_tree(data: bytes | str, source: str | Path, member: str = "") -> etree._Element:
    """Parse XHTML (or, failing that, tag-soup HTML) safely and return the root element.

    XHTML is tried first so namespaced attributes (``epub:type``) keep their namespace; broken
    documents and HTML fragments (e.g. rendered Markdown) fall back to lxml's HTML parser, which
    also knows HTML named entities such as ``&nbsp;``. Undeclared named entities in XHTML stay as
    entity nodes, which ``narration.ingest.html`` maps to characters.

    Both parsers run with libxml2's ``huge_tree``: without it a text node over 10 MB, or text
    nested deeper than 256 elements, ended the document there and everything after it was
    dropped without a word (entities are refused above and members capped by ``ArchiveLimits``,
    the attacks its default limits guard against). A document nested deeper than ``MAX_DEPTH``
    is read flattened, with a warning; one that libxml2 cannot read to its end is refused.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    _refuse_entities(data, source, member)
    root, depth = _parse_markup(data, source, member)
    if depth <= MAX_DEPTH:
        return root
    where = f"{member}: " if member else ""
    root, depth = _parse_markup(_FORMATTING_TAG.sub(b"", data), source, member)
    if depth == _TOO_DEEP:
        raise InputError(source, f"{where}elements nested more than {_LIBXML2_DEPTH} deep; the text past that "
                         "depth cannot be read (damaged or hostile markup)")
    if depth > MAX_DEPTH:
        _collapse_below(root, MAX_DEPTH)
    log.warning("%s: %selements nested more than %d deep: read with bold, italic and font tags removed "
                "and anything deeper run together", source, where, MAX_DEPTH)
    return root


def _parse_markup(data: bytes, source: str | Path, member: str) -> tuple[etree._Element, int]:
    """The document's root and its depth (``_TOO_DEEP``: libxml2 stopped at its ceiling, and the
    text after that point is missing from the tree)."""
    try:
        root = etree.fromstring(data, _safe_xml_parser(huge_tree=True))
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None:
        return root, _depth(root)
    try:
        data.decode("utf-8")
        encoding: str | None = "utf-8"
    except UnicodeDecodeError:
        encoding = None  # let libxml2 use the document's own charset declaration
    parser = html.HTMLParser(encoding=encoding, no_network=True, remove_pis=True, huge_tree=True)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        where = f"{member}: " if member else ""
        raise InputError(source, f"{where}unreadable HTML ({_one_line(exc)})") from None
    if any(_DEPTH_ERROR in entry.message for entry in parser.error_log):
        return root, _TOO_DEEP
    return root, _depth(root)


def _depth(root: etree._Element) -> int:
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _collapse_below(root: etree._Element, depth: int) -> None:
    """Each element at ``depth`` keeps the text of everything inside it, as its own text."""
    level, deep = 0, []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        level += 1 if event == "start" else -1
        if event == "start" and level == depth and len(element):
            deep.append(element)
    for element in deep:
        element.text = " ".join(element.itertext())
        element[:] = []


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- the archive ------------------------------------------------------------------------------


def read_book_file(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> bytes:
    """Read the whole book file once; later checks and ebooklib all see these same bytes."""
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a book file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise InputError(path, "file is empty")
        if size > limits.max_total_bytes:
            raise InputError(path, f"file is {size} bytes, over the {limits.max_total_bytes}-byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})") from None


def open_zip(data: bytes, path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.startswith(_ZIP_MAGIC):
            raise InputError(path, "truncated or corrupt EPUB (ZIP directory missing)") from None
        raise InputError(path, "not an EPUB file (not a ZIP archive)") from None


def unsafe_member_name(name: str) -> str | None:
    """Why a ZIP member name is unsafe (absolute, drive letter, ``..``), or None if it is fine."""
    norm = name.replace("\\", "/")
    if "\x00" in norm:
        return "contains a NUL byte"
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        return "is an absolute path"
    if ".." in norm.split("/"):
        return "climbs out of the archive with '..'"
    return None


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: int, limits: ArchiveLimits) -> bytes:
    """Inflate one member, counting real output bytes so a lying header cannot blow past limits."""
    cap = min(limits.max_member_bytes, budget)
    parts: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_READ_CHUNK):
                got += len(chunk)
                if got > limits.max_member_bytes:
                    raise InputError(path, f"{info.filename} inflates past {limits.max_member_bytes} bytes (ZIP bomb?)")
                if got > cap:
                    raise InputError(path, f"archive inflates past {limits.max_total_bytes} bytes in total (ZIP bomb?)")
                parts.append(chunk)
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise InputError(path, f"corrupt EPUB: cannot inflate {info.filename} ({_one_line(exc)})") from None
    return b"".join(parts)


def check_members(zf: zipfile.ZipFile, path: Path, limits: ArchiveLimits) -> None:
    """Check names and sizes, inflate every member under the limits, refuse entity declarations."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise InputError(path, f"archive has {len(infos)} members, over the {limits.max_members} limit")
    seen: set[str] = set()
    declared = 0
    for info in infos:
        if problem := unsafe_member_name(info.filename):
            raise InputError(path, f"unsafe member name {info.filename!r}: {problem}")
        if info.filename in seen:
            raise InputError(path, f"duplicate member name {info.filename!r}")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise InputError(path, f"{info.filename} is password-encrypted")
        if info.file_size > limits.max_member_bytes:
            raise InputError(
                path, f"{info.filename} declares {info.file_size} bytes, over the {limits.max_member_bytes}-byte limit"
            )
        declared += info.file_size
    if declared > limits.max_total_bytes:
        raise InputError(path, f"archive declares {declared} bytes, over the {limits.max_total_bytes}-byte limit")

    budget = limits.max_total_bytes
    for info in infos:
        if not info.is_dir():
            data = read_member(zf, info, path, budget, limits)
            budget -= len(data)
            _refuse_entities(data, path, info.filename)


def _member(zf: zipfile.ZipFile, name: str, path: Path, limits: ArchiveLimits) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    return read_member(zf, info, path, limits.max_total_bytes, limits)


def check_drm(encryption_xml: bytes | None, path: Path) -> None:
    """Refuse books whose content (not just fonts) is encrypted."""
    if encryption_xml is None:
        return
    root = read_xml_tree(encryption_xml, path, "META-INF/encryption.xml")
    encrypted: list[str] = []
    for data in root.iter(f"{{{ENC_NS}}}EncryptedData"):
        method = data.find(f"{{{ENC_NS}}}EncryptionMethod")
        algorithm = method.get("Algorithm", "") if method is not None else ""
        if algorithm in FONT_OBFUSCATION_ALGORITHMS:
            continue
        ref = data.find(f".//{{{ENC_NS}}}CipherReference")
        encrypted.append(ref.get("URI", "?") if ref is not None else "?")
    if encrypted:
        raise InputError(
            path,
            f"DRM-protected EPUB ({len(encrypted)} encrypted file(s), e.g. {unquote(encrypted[0])}); "
            "a DRM-free copy is needed",
        )


def package_path(container_xml: bytes | None, path: Path) -> str:
    """The OPF package document's path inside the archive, from META-INF/container.xml."""
    if container_xml is None:
        raise InputError(path, "not an EPUB file (no META-INF/container.xml)")
    root = read_xml_tree(container_xml, path, "META-INF/container.xml")
    for rootfile in root.iter(f"{{{CONTAINER_NS}}}rootfile"):
        if rootfile.get("media-type") == "application/oebps-package+xml" and rootfile.get("full-path"):
            return rootfile.get("full-path", "")
    raise InputError(path, "META-INF/container.xml names no OPF package document")


def resolve_href(base_dir: str, href: str) -> str | None:
    """Archive path of ``href`` relative to ``base_dir``; None if it is remote, absolute or escapes."""
    if urlsplit(href).scheme or href.startswith(("/", "\\")):
        return None
    resolved = posixpath.normpath(posixpath.join(base_dir, unquote(href.split("#", 1)[0])))
    if resolved == ".." or resolved.startswith("../") or resolved.startswith("/"):
        return None
    return resolved


# Manifest items a book can be read without: a missing one is a warning, not an error (real
# files list fonts and images that were stripped, and samples ship without their media).
_OPTIONAL_MEDIA = re.compile(r"^(image|audio|video|font)/|^application/(font-|x-font|vnd\.ms-opentype|.*font)")
_OPTIONAL_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".mp3", ".mp4", ".m4a", ".ogg", ".webm",
                      ".otf", ".ttf", ".woff", ".woff2", ".css")


def check_manifest(opf_path: str, opf_xml: bytes, names: set[str], path: Path) -> list[str]:
    """Every manifest item must be a file inside this archive, except media and fonts.

    Returns the ids of missing optional items (images, audio, video, fonts, stylesheets), each
    logged as a warning naming the file; a missing text document (in the spine or not) is an
    error, since its words would be lost.
    """
    root = read_xml_tree(opf_xml, path, opf_path)
    base = posixpath.dirname(opf_path)
    spine = {ref.get("idref") for ref in root.iter(f"{{{OPF_NS}}}itemref")}
    missing: list[str] = []
    for item in root.iter(f"{{{OPF_NS}}}item"):
        href = item.get("href", "")
        resolved = resolve_href(base, href)
        if resolved is None:
            raise InputError(path, f"manifest item {href!r} points outside the EPUB")
        if resolved in names:
            continue
        optional = _OPTIONAL_MEDIA.match(item.get("media-type") or "") or resolved.lower().endswith(_OPTIONAL_SUFFIXES)
        if not optional or item.get("id") in spine:
            raise InputError(path, f"manifest lists {href!r}, which is missing from the archive")
        log.warning("%s: manifest lists %s, which is missing from the archive; reading on without it", path, href)
        missing.append(item.get("id") or "")
    return missing


def _without_items(data: bytes, opf_path: str, opf_xml: bytes, ids: list[str], path: Path) -> bytes:
    """The archive with the given manifest items taken out of its OPF (ebooklib reads every item)."""
    root = read_xml_tree(opf_xml, path, opf_path)
    for item in list(root.iter(f"{{{OPF_NS}}}item")):
        if item.get("id") in ids:
            item.getparent().remove(item)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = etree.tostring(root, xml_declaration=True, encoding="utf-8") if info.filename == opf_path else src.read(info)
            dst.writestr(info, content)
    return out.getvalue()


def check_epub_archive(data: bytes, path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> bytes:
    """Every check above, in order; raises InputError naming ``path`` on the first failure.

    Returns the archive to read: ``data`` itself, or a copy whose OPF no longer lists the
    missing media files (see ``check_manifest``).
    """
    with open_zip(data, path) as zf:
        check_members(zf, path, limits)
        opf = package_path(_member(zf, "META-INF/container.xml", path, limits), path)
        opf_xml = _member(zf, opf, path, limits)
        if opf_xml is None:
            raise InputError(path, f"package document {opf!r} is missing from the archive")
        check_drm(_member(zf, "META-INF/encryption.xml", path, limits), path)
        missing = check_manifest(opf, opf_xml, set(zf.namelist()), path)
    return _without_items(data, opf, opf_xml, missing, path) if missing else data
