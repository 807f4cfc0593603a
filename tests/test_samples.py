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
from narration.text.chunking import chunk_book
from narration.ruby import strip_ruby
from narration.text.sentences import segment_book

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
EPUB = INPUTS / "aesop-fables.epub"
MARKDOWN = INPUTS / "romantic-poems.md"
JAPANESE = INPUTS / "kumo-no-ito.epub"

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


@pytest.mark.parametrize("epub", [EPUB, JAPANESE], ids=lambda p: p.name)
def test_epub_sample_rebuilds_with_identical_contents(rebuilt: Path, epub: Path) -> None:
    # Member by member (inflated), so a different zlib build on another machine still compares equal.
    assert zip_members(rebuilt / epub.name) == zip_members(epub)
    with zipfile.ZipFile(epub) as zf:
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


def test_japanese_sample_is_vertical_rtl_with_ruby_and_chapters() -> None:
    with zipfile.ZipFile(JAPANESE) as zf:
        opf = zf.read("EPUB/content.opf").decode()
        css = zf.read("EPUB/style/vertical.css").decode()
        first = zf.read("EPUB/section-01.xhtml").decode()
    assert 'page-progression-direction="rtl"' in opf and "<dc:language>ja</dc:language>" in opf
    assert "writing-mode: vertical-rl" in css
    assert "<ruby>犍陀多<rp>（</rp><rt>かんだた</rt><rp>）</rp></ruby>" in first

    book = load_book(JAPANESE)
    assert (book.title, book.authors, book.language) == ("蜘蛛の糸", ["芥川龍之介"], "ja")
    assert [c.title for c in book.chapters] == ["一", "二", "三"]
    shown = [strip_ruby(c.text) for c in book.chapters]
    assert shown[0].startswith("ある日の事でございます。御釈迦様は極楽の蓮池のふちを")
    assert "この蜘蛛の糸は己のものだぞ。" in shown[1]
    assert shown[2].endswith("極楽ももう午に近くなったのでございましょう。\n\n（大正七年四月十六日）")
    # Ruby is printed once; the reading reaches every later mention of the name.
    assert book.chapters[1].text.count("｜犍陀多《かんだた》") == shown[1].count("犍陀多") > 3


def test_japanese_sample_chunks_speak_the_readings() -> None:
    from narration.synthesis.kokoro import KokoroBackend

    book = segment_book(load_book(JAPANESE))
    chunks = chunk_book(book, KokoroBackend.max_chars)
    assert {c.chapter for c in chunks} == {0, 1, 2}
    assert all(0 < len(c.text) <= KokoroBackend.max_chars for c in chunks)
    spoken = "".join(c.text for c in chunks)
    assert "かんだた" in spoken and "犍陀多" not in spoken and not set("｜《》") & set(spoken)
    # Nothing is lost or read twice: the chunks' sources are the book's text, in order.
    assert "".join(c.source for c in chunks) == "".join(
        c.title + "".join(p.text for p in c.paragraphs) for c in book.chapters
    ).replace("\n", "")


def test_samples_stay_small_enough_to_narrate_quickly() -> None:
    # Piper reads ~150 words a minute at ~15x real time on 2 cores: 1,700 words is under 1 minute of CPU.
    total = sum(c.words for path in (EPUB, MARKDOWN) for c in load_book(path).chapters)
    assert total <= 1700, total
    # Kokoro reads ~7 characters a second at 0.4-0.9x real time on 2 cores: 2,000 characters
    # are about 5 minutes of audio, 2-4 minutes of CPU.
    characters = sum(len(strip_ruby(c.text)) for c in load_book(JAPANESE).chapters)
    assert 1200 <= characters <= 2000, characters
