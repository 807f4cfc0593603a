"""Japanese EPUBs: ruby, vertical writing and right-to-left page progression, non-ASCII names."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest
from epub_factory import Doc, TocEntry, chapter_body, write_epub
from lxml import etree

from narration.ingest import load_book
from narration.ingest.html import html_paragraphs, ruby_text
from narration.store.layout import BookLayout, slugify
from narration.text.chunking import chunk_book
from narration.text.normalize import normalize
from narration.ruby import annotate_repeats, ruby_readings, strip_ruby


def _ruby(markup: str) -> str:
    return ruby_text(etree.fromstring(markup))


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        # group ruby, with the <rp> fallback parentheses
        ("<ruby>吾輩<rp>(</rp><rt>わがはい</rt><rp>)</rp></ruby>", "｜吾輩《わがはい》"),
        # mono ruby: one reading per character
        ("<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>", "｜東《とう》｜京《きょう》"),
        # tabular ruby: the n-th <rt> reads the n-th <rb>
        ("<ruby><rb>東</rb><rb>京</rb><rt>とう</rt><rt>きょう</rt></ruby>", "｜東《とう》｜京《きょう》"),
        # katakana gikun reading, markup inside the base, whitespace from pretty-printing
        ("<ruby>\n <span>本気</span>\n <rt> マジ </rt>\n</ruby>", "｜本気《マジ》"),
        # a second annotation line (<rtc>) is not read
        ("<ruby>漢字<rt>かんじ</rt><rtc>kanji</rtc></ruby>", "｜漢字《かんじ》"),
        # pinyin or a gloss is no Japanese reading: the base only, as before
        ("<ruby>汉<rt>hàn</rt>字<rt>zì</rt></ruby>", "汉字"),
        ("<ruby>漢字<rt></rt></ruby>", "漢字"),
        # a base without a reading stays
        ("<ruby>漢<rt>かん</rt>字</ruby>", "｜漢《かん》字"),
    ],
)
def test_ruby_markup_becomes_aozora_notation(markup: str, text: str) -> None:
    assert _ruby(markup) == text


def test_ruby_is_shown_as_base_and_spoken_as_reading_once() -> None:
    html = "<p><ruby>犍陀多<rp>（</rp><rt>かんだた</rt><rp>）</rp></ruby>は<ruby>蜘蛛<rt>くも</rt></ruby>を助けた。</p>"
    [paragraph] = html_paragraphs(html)
    assert strip_ruby(paragraph) == "犍陀多は蜘蛛を助けた。"
    spoken = normalize(paragraph, "ja")
    assert spoken == "かんだたはくもを助けた。"
    assert "犍陀多" not in spoken and spoken.count("くも") == 1  # never base and reading both


def test_aozora_short_form_and_plain_brackets() -> None:
    assert ruby_readings("吾輩《わがはい》は") == "わがはいは"
    assert strip_ruby("吾輩《わがはい》は") == "吾輩は"
    # 《》 around a title or after kana is no ruby
    assert ruby_readings("本の名は《羅生門》です") == "本の名は《羅生門》です"
    assert strip_ruby("かな《かな》") == "かな《かな》"


def test_a_word_given_a_reading_once_keeps_it() -> None:
    texts = ["｜犍陀多《かんだた》と云う男。", "この犍陀多は、", "犍陀多様と大犍陀多", "｜暗《やみ》の中、暗い"]
    annotated = annotate_repeats(texts)
    assert annotated[1] == "この｜犍陀多《かんだた》は、"
    # Inside a longer kanji compound the word may read otherwise: left alone. Single kanji too.
    assert annotated[2] == "犍陀多様と大犍陀多"
    assert annotated[3] == texts[3]
    assert [strip_ruby(t) for t in annotated] == [strip_ruby(t) for t in texts]


def test_two_readings_of_one_word_are_not_spread() -> None:
    texts = ["｜今日《きょう》は", "｜今日《こんにち》の", "今日も"]
    assert annotate_repeats(texts) == texts


def test_epub_ruby_titles_and_repeats(tmp_path: Path) -> None:
    docs = [
        Doc("c1.xhtml", "<h1><ruby>蜘蛛<rt>くも</rt></ruby>の糸</h1><p><ruby>犍陀多<rt>かんだた</rt></ruby>が見た。</p>"),
        Doc("c2.xhtml", "<h1>二</h1><p>犍陀多は喜びました。</p>"),
    ]
    # The first file is not in the TOC: its title comes from its heading.
    book = load_book(write_epub(tmp_path / "r.epub", docs, [TocEntry("二", "c2.xhtml")], language="ja"))
    assert [c.title for c in book.chapters] == ["蜘蛛の糸", "二"]  # the reading is no part of a title
    assert [p.text for p in book.chapters[0].paragraphs] == ["｜犍陀多《かんだた》が見た。"]
    assert book.chapters[1].paragraphs[0].text == "｜犍陀多《かんだた》は喜びました。"
    chunks = chunk_book(book, max_chars=150)
    assert [c.text for c in chunks] == ["蜘蛛の糸", "かんだたが見た。", "二", "かんだたは喜びました。"]


def _rtl(path: Path) -> Path:
    """The same EPUB with page-progression-direction="rtl" on its spine."""
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    opf = members["OEBPS/content.opf"]
    assert b"<spine>" in opf
    members["OEBPS/content.opf"] = opf.replace(b"<spine>", b'<spine page-progression-direction="rtl">')
    rtl = path.with_name("rtl-" + path.name)
    with zipfile.ZipFile(rtl, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), members.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return rtl


VERTICAL = '<div style="writing-mode: vertical-rl; -epub-writing-mode: vertical-rl">{}</div>'


def test_vertical_rtl_book_reads_in_spine_order(tmp_path: Path) -> None:
    sections = [("一", ["ある日の事でございます。"]), ("二", ["ところがある時の事でございます。"]), ("三", ["極楽ももう午に近くなった。"])]
    docs = [
        Doc(f"s{n}.xhtml", VERTICAL.format(chapter_body(title, paras)) + '<span class="tcy">26</span>')
        for n, (title, paras) in enumerate(sections, 1)
    ]
    toc = [TocEntry(title, f"s{n}.xhtml") for n, (title, _) in enumerate(sections, 1)]
    ltr = write_epub(tmp_path / "v.epub", docs, toc, language="ja")
    rtl = _rtl(ltr)
    with zipfile.ZipFile(rtl) as zf:
        assert b'page-progression-direction="rtl"' in zf.read("OEBPS/content.opf")
    books = [load_book(ltr), load_book(rtl)]
    assert books[0].to_dict() | {"source": ""} == books[1].to_dict() | {"source": ""}
    book = books[1]
    assert [c.title for c in book.chapters] == ["一", "二", "三"]
    assert [p.text for p in book.chapters[0].paragraphs] == ["ある日の事でございます。", "26"]

    # No TOC at all: chapters still follow the spine, not the page progression.
    untitled = _rtl(write_epub(tmp_path / "n.epub", docs, [], language="ja"))
    assert [c.title for c in load_book(untitled).chapters] == ["一", "二", "三"]


@pytest.mark.parametrize("name", ["蜘蛛の糸.epub", "芥川 龍之介「羅生門」.epub"])
def test_japanese_file_names(tmp_path: Path, name: str) -> None:
    path = write_epub(tmp_path / name, [Doc("c.xhtml", chapter_body("一", ["本文です。"]))], [TocEntry("一", "c.xhtml")], language="ja")
    book = load_book(path)
    assert book.source == str(path) and book.chapters[0].paragraphs[0].text == "本文です。"
    layout = BookLayout.for_book(tmp_path / "out", path)
    assert layout.root.name == Path(name).stem
    assert layout.m4b.name == Path(name).stem + ".m4b"
    assert layout.chapter_file(0, "第一章「始まり」", "mp3").name == "01 - 第一章「始まり」.mp3"
    layout.chapter_master(0).parent.mkdir(parents=True)  # the paths can be created
    assert layout.chapter_master(0).parent.is_dir()


def test_japanese_markdown_file_name(tmp_path: Path) -> None:
    path = tmp_path / "羅生門.md"
    path.write_text("---\ntitle: 羅生門\nlanguage: ja\n---\n\n# 一\n\nある日の暮方の事である。\n", encoding="utf-8")
    book = load_book(path)
    assert book.title == "羅生門" and book.language == "ja"
    assert BookLayout.for_book(tmp_path, path).root.name == "羅生門"


def test_decomposed_names_are_composed() -> None:
    # macOS file systems hand out NFD names: ガ as カ + combining mark. Outputs use NFC.
    decomposed = unicodedata.normalize("NFD", "ガイド")
    assert decomposed != "ガイド"
    assert slugify(decomposed) == "ガイド"
    assert slugify("AIの未来/2026年:上") == "AIの未来 2026年 上"


def test_internal_japanese_file_names(tmp_path: Path) -> None:
    # Packages whose documents have Japanese names, linked percent-encoded as producers do.
    docs = [Doc("テキスト/第一章.xhtml", chapter_body("第一章", ["一つ目。"])), Doc("テキスト/第二章.xhtml", chapter_body("第二章", ["二つ目。"]))]
    toc = [
        TocEntry("第一章", "%E3%83%86%E3%82%AD%E3%82%B9%E3%83%88/%E7%AC%AC%E4%B8%80%E7%AB%A0.xhtml"),
        TocEntry("第二章", "テキスト/第二章.xhtml"),
    ]
    book = load_book(write_epub(tmp_path / "i.epub", docs, toc, language="ja"))
    assert [(c.title, c.text) for c in book.chapters] == [("第一章", "一つ目。"), ("第二章", "二つ目。")]
