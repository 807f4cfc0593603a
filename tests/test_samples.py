"""The committed sample books: rebuildable from their sources, and readable by load_book."""

from __future__ import annotations

import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from narration.ingest import load_book

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
EPUB = INPUTS / "aesop-fables.epub"
MARKDOWN = INPUTS / "romantic-poems.md"

AESOP_CHAPTERS = ["Flattery and Pride", "Great and Small", "Slow but Steady", "Thrift and Greed", "Lies and Shadows"]
POET_CHAPTERS = ["William Blake", "William Wordsworth", "Percy Bysshe Shelley"]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return out


def png_pixels(data: bytes) -> tuple[bytes, bytes]:
    """(IHDR, inflated IDAT): what a PNG shows, whatever zlib build compressed it."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, header, idat = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    return header, zlib.decompress(idat)


def zip_members(path: Path) -> list[tuple[str, int, object]]:
    with zipfile.ZipFile(path) as zf:
        members = []
        for info in zf.infolist():
            data = zf.read(info)
            content = png_pixels(data) if info.filename.endswith(".png") else data
            members.append((info.filename, info.compress_type, content))
        return members


def test_markdown_sample_rebuilds_byte_for_byte(rebuilt: Path) -> None:
    assert (rebuilt / MARKDOWN.name).read_bytes() == MARKDOWN.read_bytes()


def test_epub_sample_rebuilds_with_identical_contents(rebuilt: Path) -> None:
    # Member by member (inflated), so a different zlib build on another machine still compares equal.
    assert zip_members(rebuilt / EPUB.name) == zip_members(EPUB)
    with zipfile.ZipFile(EPUB) as zf:
        first = zf.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert zf.read(first) == b"application/epub+zip"
        assert {info.date_time for info in zf.infolist()} == {(2025, 1, 1, 0, 0, 0)}


def test_epub_sample_loads_with_its_chapters() -> None:
    book = load_book(EPUB)
    assert book.title == "Aesop's Fables"
    assert book.authors == ["Aesop"]
    assert book.language == "en"
    assert [c.title for c in book.chapters] == AESOP_CHAPTERS
    assert book.cover is not None and book.cover.data.startswith(b"\x89PNG")
    assert "Slow but steady wins the race." in book.chapters[2].text
    assert "There is no believing a liar, even when he speaks the truth." in book.chapters[4].text
    words = sum(c.words for c in book.chapters)
    assert 700 <= words <= 1100, words


def test_markdown_sample_loads_with_its_chapters() -> None:
    book = load_book(MARKDOWN)
    assert book.title == "Three Romantic Poets"
    assert book.authors == POET_CHAPTERS
    assert book.language == "en"
    assert [c.title for c in book.chapters] == POET_CHAPTERS
    # Poem titles (H3) are sections read inside their poet's chapter.
    blake = [p.text for p in book.chapters[0].paragraphs]
    assert blake[1] == "The Lamb" and "The Tyger" in blake
    assert book.chapters[2].text.endswith("The lone and level sands stretch far away.\"")
    words = sum(c.words for c in book.chapters)
    assert 400 <= words <= 650, words


def test_samples_stay_small_enough_to_narrate_quickly() -> None:
    # Piper reads ~150 words a minute at ~15x real time on 2 cores: 1,700 words is under 1 minute of CPU.
    total = sum(c.words for path in (EPUB, MARKDOWN) for c in load_book(path).chapters)
    assert total <= 1700, total
