"""Build EPUB 2 and EPUB 3 files for tests (and sample books) with zipfile.

High level: ``build_epub(path, [(title, [paragraphs]), ...], version=3)`` writes a valid book,
one XHTML file per chapter, with a nav document (EPUB 3) or an NCX (EPUB 2).

Low level: ``write_epub(path, docs, toc, ...)`` takes ``Doc`` objects (any body markup, spine
flags, manifest properties) and a ``TocEntry`` tree, so tests can build the odd structures real
books have: many chapters in one file, one chapter over several files, nested TOCs, landmarks,
guide entries, encryption.xml, hostile documents. ``write_zip`` writes raw members.

Paths in ``Doc.name`` and ``TocEntry.href`` are relative to the package (OPF) directory.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

XHTML_DOCTYPE_2 = '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'


@dataclass
class Doc:
    name: str  # e.g. "text/ch1.xhtml", relative to the OPF directory
    body: str = ""  # inner markup of <body>; may use the epub: prefix
    title: str = ""  # <title> in <head>
    body_attrs: str = ""  # e.g. 'epub:type="frontmatter copyright-page"'
    linear: bool = True
    in_spine: bool = True
    properties: str = ""  # manifest properties
    raw: bytes | None = None  # the whole document, replacing the template (hostile tests)
    id: str = ""


@dataclass
class TocEntry:
    title: str
    href: str | None  # "text/ch1.xhtml#c1"; None for an unlinked heading (EPUB 3 nav <span>)
    children: list[TocEntry] = field(default_factory=list)


@dataclass
class Cover:
    data: bytes
    media_type: str = "image/png"
    name: str = "images/cover.png"


SAMPLE_CHAPTERS: list[tuple[str, list[str]]] = [
    ("Chapter One", ["It was a bright cold day in April.", "The clocks were striking thirteen."]),
    ("Chapter Two", ["Winston made for the stairs."]),
    ("Chapter Three", ["Outside, even through the shut window-pane, the world looked cold."]),
]

# A 1x1 PNG, enough for a cover image.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a50000000049454e44ae426082"
)


def chapter_body(title: str | None, paragraphs: Iterable[str], *, heading: str = "h1", anchor: str = "") -> str:
    """``<h1>title</h1><p>...</p>...`` with text escaped; ``anchor`` becomes the heading's id."""
    parts = []
    if title is not None:
        id_attr = f" id={quoteattr(anchor)}" if anchor else ""
        parts.append(f"<{heading}{id_attr}>{escape(title)}</{heading}>")
    parts.extend(f"<p>{escape(p)}</p>" for p in paragraphs)
    return "\n".join(parts)


def xhtml(doc: Doc, *, version: int, language: str) -> bytes:
    if doc.raw is not None:
        return doc.raw
    doctype = "<!DOCTYPE html>" if version == 3 else XHTML_DOCTYPE_2
    attrs = f" {doc.body_attrs}" if doc.body_attrs else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"{doctype}\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        f'xml:lang="{language}" lang="{language}">\n'
        f"<head><title>{escape(doc.title)}</title></head>\n"
        f"<body{attrs}>\n{doc.body}\n</body>\n</html>\n"
    ).encode()


def _rel(href: str, from_dir: str) -> str:
    path, _, frag = href.partition("#")
    rel = posixpath.relpath(path, from_dir or ".") if from_dir else path
    return rel + (f"#{frag}" if frag else "")


def nav_document(
    toc: Sequence[TocEntry], landmarks: Sequence[tuple[str, str, str]], nav_dir: str, language: str
) -> bytes:
    def items(entries: Sequence[TocEntry]) -> str:
        out = []
        for entry in entries:
            label = (
                f"<a href={quoteattr(_rel(entry.href, nav_dir))}>{escape(entry.title)}</a>"
                if entry.href
                else f"<span>{escape(entry.title)}</span>"
            )
            sub = f"<ol>{items(entry.children)}</ol>" if entry.children else ""
            out.append(f"<li>{label}{sub}</li>")
        return "".join(out)

    marks = "".join(
        f'<li><a epub:type="{kind}" href={quoteattr(_rel(href, nav_dir))}>{escape(title)}</a></li>'
        for kind, href, title in landmarks
    )
    landmark_nav = f'<nav epub:type="landmarks"><ol>{marks}</ol></nav>' if landmarks else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        f'xml:lang="{language}"><head><title>Contents</title></head><body>'
        f'<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>{items(toc)}</ol></nav>{landmark_nav}'
        "</body></html>"
    ).encode()


def ncx_document(toc: Sequence[TocEntry], title: str, ncx_dir: str) -> bytes:
    counter = iter(range(1, 100_000))

    def points(entries: Sequence[TocEntry]) -> str:
        out = []
        for entry in entries:
            n = next(counter)
            # NCX has no unlinked headings: point those at their first child, as converters do.
            href = entry.href or _first_href(entry.children) or ""
            out.append(
                f'<navPoint id="np{n}" playOrder="{n}"><navLabel><text>{escape(entry.title)}</text></navLabel>'
                f"<content src={quoteattr(_rel(href, ncx_dir))}/>{points(entry.children)}</navPoint>"
            )
        return "".join(out)

    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        '<head><meta name="dtb:uid" content="urn:uuid:test-book"/></head>'
        f"<docTitle><text>{escape(title)}</text></docTitle><navMap>{points(toc)}</navMap></ncx>"
    ).encode()


def _first_href(entries: Sequence[TocEntry]) -> str | None:
    for entry in entries:
        if href := entry.href or _first_href(entry.children):
            return href
    return None


def _media_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {
        "xhtml": "application/xhtml+xml",
        "html": "application/xhtml+xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "css": "text/css",
        "otf": "font/otf",
        "ttf": "font/ttf",
        "ncx": "application/x-dtbncx+xml",
    }.get(ext, "application/octet-stream")


def write_epub(
    path: Path,
    docs: Sequence[Doc],
    toc: Sequence[TocEntry],
    *,
    version: int = 3,
    title: str = "Test Book",
    authors: Sequence[str | tuple[str, str]] = ("Ada Author",),
    language: str = "en",
    cover: Cover | None = None,
    landmarks: Sequence[tuple[str, str, str]] = (),  # (epub:type, href, title), EPUB 3 nav
    guide: Sequence[tuple[str, str, str]] = (),  # (type, href, title), OPF <guide>
    ncx: bool | None = None,  # default: EPUB 2 only
    nav_name: str = "nav.xhtml",
    nav_in_spine: bool = False,
    opf_dir: str = "OEBPS",
    extra_members: Mapping[str, bytes] | None = None,  # archive path -> bytes, added last (overrides)
    extra_manifest: Sequence[tuple[str, str, str]] = (),  # (id, href, media-type)
    opf_override: bytes | None = None,
    publisher: str = "",
) -> Path:
    """Write an EPUB; ``authors`` items may be ``(name, role)`` with a MARC role such as "ill"."""
    use_ncx = version == 2 if ncx is None else ncx
    manifest: list[str] = []
    spine: list[str] = []
    members: dict[str, bytes] = {}

    for n, doc in enumerate(docs, 1):
        doc_id = doc.id or f"doc{n}"
        props = f" properties={quoteattr(doc.properties)}" if doc.properties and version == 3 else ""
        manifest.append(f'<item id="{doc_id}" href={quoteattr(doc.name)} media-type="application/xhtml+xml"{props}/>')
        if doc.in_spine:
            linear = "" if doc.linear else ' linear="no"'
            spine.append(f'<itemref idref="{doc_id}"{linear}/>')
        members[doc.name] = xhtml(doc, version=version, language=language)

    if version == 3:
        manifest.append(f'<item id="nav" href="{nav_name}" media-type="application/xhtml+xml" properties="nav"/>')
        members[nav_name] = nav_document(toc, landmarks, posixpath.dirname(nav_name), language)
        if nav_in_spine:
            spine.insert(0, '<itemref idref="nav"/>')
    if use_ncx:
        manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
        members["toc.ncx"] = ncx_document(toc, title, "")

    meta_extra = []
    if cover is not None:
        props = ' properties="cover-image"' if version == 3 else ""
        manifest.append(f'<item id="cover-img" href="{cover.name}" media-type="{cover.media_type}"{props}/>')
        members[cover.name] = cover.data
        if version == 2:
            meta_extra.append('<meta name="cover" content="cover-img"/>')
    for item_id, href, media_type in extra_manifest:
        manifest.append(f'<item id="{item_id}" href={quoteattr(href)} media-type="{media_type}"/>')

    creators = []
    for n, author in enumerate(authors, 1):
        name, role = (author, "aut") if isinstance(author, str) else author
        if version == 3:
            creators.append(f'<dc:creator id="creator{n}">{escape(name)}</dc:creator>')
            creators.append(f'<meta refines="#creator{n}" property="role" scheme="marc:relators">{role}</meta>')
        else:
            creators.append(f'<dc:creator opf:role="{role}">{escape(name)}</dc:creator>')
    modified = '<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>' if version == 3 else ""
    guide_xml = (
        "<guide>"
        + "".join(f'<reference type="{t}" href={quoteattr(h)} title={quoteattr(ti)}/>' for t, h, ti in guide)
        + "</guide>"
        if guide
        else ""
    )
    toc_attr = ' toc="ncx"' if use_ncx else ""
    opf = (
        opf_override
        or (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<package xmlns="http://www.idpf.org/2007/opf" version="{"3.0" if version == 3 else "2.0"}" '
            'unique-identifier="bookid">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">'
            f'<dc:identifier id="bookid">urn:uuid:test-book</dc:identifier><dc:title>{escape(title)}</dc:title>'
            f"{''.join(creators)}<dc:language>{escape(language)}</dc:language>"
            f"{f'<dc:publisher>{escape(publisher)}</dc:publisher>' if publisher else ''}{modified}{''.join(meta_extra)}"
            f"</metadata><manifest>{''.join(manifest)}</manifest>"
            f"<spine{toc_attr}>{''.join(spine)}</spine>{guide_xml}</package>"
        ).encode()
    )

    prefix = f"{opf_dir}/" if opf_dir else ""
    archive = {
        "META-INF/container.xml": (
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            f'<rootfile full-path="{prefix}content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>"
        ).encode(),
        f"{prefix}content.opf": opf,
        **{prefix + name: data for name, data in members.items()},
        **(extra_members or {}),
    }
    return write_zip(path, archive)


def write_zip(path: Path, members: Mapping[str, bytes], *, mimetype: bool = True) -> Path:
    """Write members in order; ``mimetype`` first and stored, as the OCF spec requires."""
    with zipfile.ZipFile(path, "w") as zf:
        if mimetype:
            zf.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def build_epub(
    path: Path,
    chapters: Sequence[tuple[str, Sequence[str]]],
    *,
    version: int = 3,
    front_matter: bool = False,
    **kwargs: object,
) -> Path:
    """One file per chapter (``<h1>`` + paragraphs), a flat TOC; ``kwargs`` go to ``write_epub``.

    ``front_matter`` adds a cover page, title page and copyright page, marked the way the version
    allows (EPUB 3 epub:type + landmarks, EPUB 2 guide), none of them in the TOC.
    """
    docs: list[Doc] = []
    toc: list[TocEntry] = []
    title = str(kwargs.get("title", "Test Book"))
    if front_matter:
        docs += [
            Doc(
                "text/cover.xhtml",
                '<div><img src="../images/cover.png" alt="Cover"/></div>',
                title="Cover",
                linear=False,
            ),
            Doc("text/title.xhtml", f"<h1>{escape(title)}</h1><p>A Novel</p>", title=title),
            Doc("text/copyright.xhtml", "<p>Copyright 2026 Ada Author. All rights reserved.</p>", title="Copyright"),
        ]
        if version == 3:
            docs[1].body_attrs = 'epub:type="frontmatter titlepage"'
            docs[2].body_attrs = 'epub:type="frontmatter copyright-page"'
            kwargs.setdefault(
                "landmarks", [("cover", "text/cover.xhtml", "Cover"), ("bodymatter", "text/ch1.xhtml", "Start")]
            )
        else:
            kwargs.setdefault(
                "guide",
                [
                    ("cover", "text/cover.xhtml", "Cover"),
                    ("title-page", "text/title.xhtml", "Title Page"),
                    ("copyright-page", "text/copyright.xhtml", "Copyright"),
                    ("text", "text/ch1.xhtml", "Start"),
                ],
            )
    for n, (chapter_title, paragraphs) in enumerate(chapters, 1):
        name = f"text/ch{n}.xhtml"
        docs.append(Doc(name, chapter_body(chapter_title, paragraphs), title=chapter_title))
        toc.append(TocEntry(chapter_title, name))
    return write_epub(path, docs, toc, version=version, **kwargs)  # type: ignore[arg-type]
