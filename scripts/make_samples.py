"""Build the sample books in inputs/ from the public-domain texts in scripts/sample_sources/.

    python scripts/make_samples.py [--out DIR]

Writes ``aesop-fables.epub`` (EPUB 3: nav TOC, NCX, cover image, 5 chapters of Townsend's
Aesop), ``romantic-poems.md`` (YAML front matter, H1 title, H2 chapters, H3 poems) and
``kumo-no-ito.epub`` (EPUB 3 in Japanese: vertical writing, right-to-left page progression,
ruby; 3 chapters of an excerpt of Akutagawa's "The Spider's Thread").
The build is deterministic: fixed identifier, modification date and zip timestamps, so a
rebuild gives the same bytes; tests/test_samples.py checks the committed files against one.
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
import re
import struct
import sys
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from ebooklib import epub

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout

from narration.store.atomic import write_bytes, write_text  # noqa: E402

SOURCES = ROOT / "scripts" / "sample_sources"
EPUB_NAME = "aesop-fables.epub"
MARKDOWN_NAME = "romantic-poems.md"
JAPANESE_NAME = "kumo-no-ito.epub"

# Fixed so that rebuilding gives identical files.
BUILD_DATE = datetime.datetime(2025, 1, 1, 0, 0, 0)
ZIP_DATE = (2025, 1, 1, 0, 0, 0)
AESOP_ID = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'narration/inputs/aesop-fables')}"
KUMO_ID = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'narration/inputs/kumo-no-ito')}"

AESOP_CHAPTERS = [
    ("Flattery and Pride", ["The Fox and the Crow", "The Fox and the Grapes"]),
    ("Great and Small", ["The Lion and the Mouse", "The Mice in Council"]),
    ("Slow but Steady", ["The Hare and the Tortoise", "The Crow and the Pitcher"]),
    ("Thrift and Greed", ["The Ants and the Grasshopper", "The Hen and the Golden Eggs"]),
    ("Lies and Shadows", ["The Dog and the Shadow", "The Shepherd's Boy and the Wolf"]),
]

POEMS_TITLE = "Three Romantic Poets"


# --- sources -------------------------------------------------------------------------------


def _source_lines(name: str) -> list[str]:
    text = (SOURCES / name).read_text(encoding="utf-8")
    return [line.rstrip() for line in text.splitlines() if not line.startswith("#")]


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Split lines into blank-line separated groups."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line:
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def read_fables() -> dict[str, list[str]]:
    """Fable title -> paragraphs (wrapped source lines joined)."""
    fables: dict[str, list[str]] = {}
    title = ""
    body: dict[str, list[str]] = {}
    for line in _source_lines("aesop-townsend.txt"):
        if line.startswith("== "):
            title = line[3:].strip()
            body[title] = []
        elif title:
            body[title].append(line)
    for name, lines in body.items():
        fables[name] = [" ".join(group) for group in _paragraphs(lines)]
    return fables


@dataclass
class Poem:
    title: str
    stanzas: list[list[str]] = field(default_factory=list)


@dataclass
class Poet:
    name: str
    note: str
    poems: list[Poem] = field(default_factory=list)


def read_poems() -> list[Poet]:
    poets: list[Poet] = []
    lines: list[str] = []

    def flush() -> None:
        if poets and poets[-1].poems:
            poets[-1].poems[-1].stanzas = _paragraphs(lines)
        lines.clear()

    for line in _source_lines("romantic-poems.txt"):
        if line.startswith("== "):
            flush()
            name, _, note = line[3:].partition("|")
            poets.append(Poet(name.strip(), note.strip()))
        elif line.startswith("-- "):
            flush()
            poets[-1].poems.append(Poem(line[3:].strip()))
        else:
            lines.append(line)
    flush()
    return poets


# --- cover image -----------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def cover_png(width: int = 600, height: int = 900) -> bytes:
    """A plain RGB cover: green field, cream frame, a golden sun. No drawing library needed."""
    field_rgb, frame_rgb, sun_rgb = b"\x2f\x4f\x3a", b"\xf3\xe9\xd2", b"\xd9\xa4\x41"
    cx, cy, radius = width // 2, height // 3, width // 5
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # PNG filter type "none" for this row
        for x in range(width):
            in_frame = min(x, y, width - 1 - x, height - 1 - y) in range(24, 36)
            in_sun = (x - cx) ** 2 + (y - cy) ** 2 <= radius**2
            rows += frame_rgb if in_frame else sun_rgb if in_sun else field_rgb
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


# --- EPUB ------------------------------------------------------------------------------------

STYLE = """body { font-family: serif; line-height: 1.4; margin: 1em; }
h1 { text-align: center; margin: 2em 0 1em; }
h2 { font-size: 1.2em; margin-top: 1.5em; }
p { text-indent: 1.5em; margin: 0; }
"""


def _chapter_body(title: str, fables: list[tuple[str, list[str]]]) -> str:
    parts = [f"<h1>{html.escape(title)}</h1>"]
    for fable_title, paragraphs in fables:
        parts.append("<section>")
        parts.append(f"<h2>{html.escape(fable_title)}</h2>")
        parts.extend(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
        parts.append("</section>")
    return "\n".join(parts)


def build_aesop_epub() -> bytes:
    fables = read_fables()
    book = epub.EpubBook()
    # ebooklib stamps its own version into the OPF; drop it so the output doesn't change with it.
    book.metadata[epub.NAMESPACES["OPF"]].pop("generator", None)
    book.set_identifier(AESOP_ID)
    book.set_title("Aesop's Fables")
    book.set_language("en")
    book.add_author("Aesop")
    book.add_metadata("DC", "contributor", "George Fyler Townsend", {"id": "translator"})
    book.add_metadata(None, "meta", "trl", {"refines": "#translator", "property": "role", "scheme": "marc:relators"})
    book.add_metadata("DC", "rights", "Public domain: Townsend's translation was published in 1867.")
    book.set_cover("images/cover.png", cover_png())

    css = epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css", content=STYLE)
    chapters = _add_pages(book, css, "en", [
        (title, f"chapter-{number:02d}.xhtml", _chapter_body(title, [(name, fables[name]) for name in names]))
        for number, (title, names) in enumerate(AESOP_CHAPTERS, start=1)
    ])
    # The cover page comes first but is not part of the reading order proper.
    book.spine = [("cover", "no"), *chapters]
    return _epub_bytes(book)


def _add_pages(
    book: epub.EpubBook, css: epub.EpubItem, lang: str, pages: list[tuple[str, str, str]]
) -> list[epub.EpubHtml]:
    """Add (title, file name, XHTML body) pages styled by ``css``; they are also the table of contents."""
    book.add_item(css)
    chapters = []
    for title, file_name, content in pages:
        chapter = epub.EpubHtml(title=title, file_name=file_name, lang=lang)
        chapter.content = content
        chapter.add_item(css)
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    return chapters


def _epub_bytes(book: epub.EpubBook) -> bytes:
    buffer = io.BytesIO()
    epub.write_epub(buffer, book, {"mtime": BUILD_DATE, "raise_exceptions": True})
    return reproducible_zip(buffer.getvalue())


def reproducible_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, keeping member order and compression."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = info.compress_type  # "mimetype" must stay first and stored
            fixed.create_system = 3
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info), compresslevel=9)
    return out.getvalue()


# --- Japanese EPUB ---------------------------------------------------------------------------

# Vertical writing, right to left: what a Japanese novel looks like. The reading order is
# the spine's, whatever the page progression (narration must not reverse it).
VERTICAL_STYLE = """html { writing-mode: vertical-rl; -epub-writing-mode: vertical-rl; -webkit-writing-mode: vertical-rl; }
body { font-family: serif; line-height: 1.8; margin: 1em; }
h1 { font-size: 1.2em; margin: 0 0 0 2em; }
p { text-indent: 1em; margin: 0; }
rt { font-size: 0.5em; }
"""
_RUBY_SOURCE = re.compile(r"｜([^｜《》]+)《([^《》]+)》")


def read_sections(name: str) -> list[tuple[str, list[str]]]:
    """(section title, paragraphs) from a source with "== title" headings, one paragraph a line."""
    sections: list[tuple[str, list[str]]] = []
    for line in _source_lines(name):
        if line.startswith("== "):
            sections.append((line[3:].strip(), []))
        elif line.strip():
            sections[-1][1].append(line.strip())
    return sections


def ruby_html(text: str) -> str:
    """Escape ``text`` and turn its Aozora ruby notation (｜base《reading》) into <ruby> markup."""
    parts, last = [], 0
    for match in _RUBY_SOURCE.finditer(text):
        base, reading = (html.escape(g, quote=False) for g in match.groups())
        parts.append(html.escape(text[last : match.start()], quote=False))
        parts.append(f"<ruby>{base}<rp>（</rp><rt>{reading}</rt><rp>）</rp></ruby>")
        last = match.end()
    parts.append(html.escape(text[last:], quote=False))
    return "".join(parts)


def build_kumo_epub() -> bytes:
    book = epub.EpubBook()
    book.metadata[epub.NAMESPACES["OPF"]].pop("generator", None)
    book.set_identifier(KUMO_ID)
    book.set_title("蜘蛛の糸")
    book.set_language("ja")
    book.add_author("芥川龍之介")
    book.add_metadata("DC", "description", "抄録 (an excerpt): about 1,500 of the story's 4,000 characters.")
    book.add_metadata("DC", "rights", "Public domain: first published in 1918; the author died in 1927.")
    book.add_metadata(None, "meta", "", {"name": "primary-writing-mode", "content": "vertical-rl"})
    book.set_direction("rtl")  # spine page-progression-direction="rtl"

    css = epub.EpubItem(uid="style", file_name="style/vertical.css", media_type="text/css", content=VERTICAL_STYLE)
    book.spine = _add_pages(book, css, "ja", [
        (title, f"section-{number:02d}.xhtml",
         "\n".join([f"<h1>{html.escape(title)}</h1>"] + [f"<p>{ruby_html(p)}</p>" for p in paragraphs]))
        for number, (title, paragraphs) in enumerate(read_sections("kumo-no-ito.txt"), start=1)
    ])
    return _epub_bytes(book)


# --- Markdown --------------------------------------------------------------------------------


def build_poems_markdown() -> str:
    poets = read_poems()
    front = {
        "title": POEMS_TITLE,
        "authors": [poet.name for poet in poets],
        "language": "en",
        "rights": "Public domain: every poem was printed before 1820.",
    }
    out = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    out += [f"# {POEMS_TITLE}", ""]
    for poet in poets:
        out += [f"## {poet.name}", "", f"*{poet.note}*", ""]
        for poem in poet.poems:
            out += [f"### {poem.title}", ""]
            for stanza in poem.stanzas:
                # A trailing backslash is a Markdown hard line break: one verse line per line.
                out += [line + "\\" for line in stanza[:-1]] + [stanza[-1], ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "inputs", help="output folder (default: inputs/)")
    args = parser.parse_args(argv)
    write_bytes(args.out / EPUB_NAME, build_aesop_epub())
    write_text(args.out / MARKDOWN_NAME, build_poems_markdown())
    write_bytes(args.out / JAPANESE_NAME, build_kumo_epub())
    print(f"wrote {args.out / EPUB_NAME}, {args.out / MARKDOWN_NAME} and {args.out / JAPANESE_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
