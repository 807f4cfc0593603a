"""Captions and read-along books, piece by piece: cue text, sentence-to-chunk matching, where each
sentence lies in the chapter audio (with and without the voice's record), the SRT/WebVTT files
read back by their parsers, and the EPUB checked by epubcheck. The whole pipeline on the sample
book, with the words heard by ASR, is tests/test_captions_accuracy.py."""

from __future__ import annotations

import itertools
import logging
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt
from lxml import etree

from narration.assembly import assemble_chapter
from narration.assembly.captions import (
    MAX_LINE,
    MAX_LINES,
    Cue,
    book_cues,
    chapter_cues,
    split_cues,
    to_srt,
    to_vtt,
)
from narration.assembly.readalong import ACTIVE_CLASS, clips, write_readalong
from narration.assembly.timing import (
    ChapterTiming,
    chapter_text,
    chapter_timing,
    group_spans,
    locate_pieces,
    record_take_spans,
    take_spans,
)
from narration.audio import Audio, read_wav, write_wav
from narration.model import (
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
    PAUSE_TITLE,
    Book,
    Chapter,
    Cover,
    Paragraph,
)
from narration.options import AssemblySettings, NarrationOptions, Pauses
from narration.store.layout import BookLayout
from narration.text import chunk_book, segment_book

LONG = ('"How handsome is the Crow," he exclaimed, "in the beauty of her shape and in the fairness of her '
        'complexion! Oh, if her voice were only equal to her beauty, she would deservedly be considered the '
        'Queen of Birds!"')


# --- cue text ------------------------------------------------------------------------------------


def test_a_short_sentence_is_one_cue_on_one_line() -> None:
    assert split_cues("The Fox and the Crow") == [(0, "The Fox and the Crow")]


def test_a_long_sentence_is_cut_where_a_reader_pauses_into_cues_of_two_lines_of_42() -> None:
    cues = split_cues(LONG)
    assert len(cues) > 1
    for at, text in cues:
        lines = text.split("\n")
        assert len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines), text
        assert LONG[at:].startswith(lines[0])  # each cue says where in the sentence it begins
    # nothing lost or added, and cues end at clause or sentence punctuation, not mid-phrase
    assert " ".join(t.replace("\n", " ") for _, t in cues) == LONG
    assert all(t.rstrip('"').endswith((",", "!", ".")) for _, t in cues), cues
    assert cues[1][1].replace("\n", " ").endswith("complexion!")  # the inner sentence end is a cut


def test_two_lines_are_balanced_and_break_after_punctuation() -> None:
    ((_, text),) = split_cues("The Fox saw the Crow up in a tree, and he longed for the meat.")
    assert text == "The Fox saw the Crow up in a tree,\nand he longed for the meat."
    ((_, text),) = split_cues("A Fox seeing this longed to possess the meat himself and ran.")
    first, second = text.split("\n")
    assert abs(len(first) - len(second)) <= 6  # no punctuation: even lines


def test_srt_and_vtt_read_back_with_their_parsers(tmp_path: Path) -> None:
    cues = [Cue(0.5, 1.25, "Fish & <chips>"), Cue(3661.001, 3662.5, "line one\nline two")]
    parsed = list(srt.parse(to_srt(cues)))
    assert [(s.start.total_seconds(), s.end.total_seconds(), s.content) for s in parsed] == [
        (0.5, 1.25, "Fish & <chips>"), (3661.001, 3662.5, "line one\nline two")]
    (tmp_path / "c.vtt").write_text(to_vtt(cues), encoding="utf-8")
    read = webvtt.read(str(tmp_path / "c.vtt"))
    assert [(c.start, c.end) for c in read] == [("00:00:00.500", "00:00:01.250"), ("01:01:01.001", "01:01:02.500")]
    assert "Fish &amp; &lt;chips&gt;" in to_vtt(cues)  # cue text is markup in WebVTT
    assert read[1].text == "line one\nline two"


# --- which chunk speaks which sentence ------------------------------------------------------------


def _book(*paragraphs: str, title: str = "The Title") -> Book:
    return segment_book(Book("B", ["A. Author"], "en", [Chapter(title, [Paragraph(p) for p in paragraphs])]))


def test_chunks_are_matched_to_the_sentences_they_speak() -> None:
    book = _book("One sentence here. Two sentences here. " + LONG, "* * *", "Last one.")
    chunks = chunk_book(book, max_chars=80)
    text = chapter_text(book.chapters[0], chunks, "en")
    assert [s.text for s in text.sentences][:3] == ["The Title", "One sentence here.", "Two sentences here."]
    assert not next(s for s in text.sentences if s.text == "* * *").spoken  # nothing to say: no chunk
    # every spoken character is in exactly one chunk's parts, in reading order
    covered: dict[int, list[tuple[int, int]]] = {}
    for parts in text.parts:
        assert parts
        for p in parts:
            covered.setdefault(p.sentence, []).append((p.start, p.end))
    long_index = next(i for i, s in enumerate(text.sentences) if s.text == LONG)
    pieces = covered[long_index]
    assert len(pieces) > 1 and pieces[0][0] == 0 and pieces[-1][1] == len(LONG)  # cut by the chunker
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(pieces))


def test_a_voice_that_cuts_more_sentences_than_we_do_is_grouped_onto_ours() -> None:
    # Piper reads 'crying out, "Wolf! Wolf!" and when ...' as three sentences: ours are two
    spans = [(0.0, 6.95), (7.30, 7.82), (8.17, 11.79), (12.14, 15.04)]
    assert group_spans(spans, [209, 42]) == [(0.0, 11.79), (12.14, 15.04)]
    assert group_spans([(0, 1), (1.3, 2), (2.3, 4), (4.3, 5)], [10, 10, 20]) == [(0, 1), (1.3, 2), (2.3, 5)]


# --- where each sentence lies ---------------------------------------------------------------------


def _tone(seconds: float, rate: int, freq: float) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _take(layout: BookLayout, key: str, sentences: list[float], rate: int = 24000, gap: float = 0.35,
          lead: float = 0.0, record: bool = True) -> list[tuple[float, float]]:
    """A take of tone "sentences" (seconds each) joined by silent gaps, stored as ``key``; where
    each sentence's sound is, in seconds."""
    parts, spans, at = [np.zeros(round(lead * rate), np.float32)], [], round(lead * rate)
    for n, seconds in enumerate(sentences):
        if n:
            parts.append(np.zeros(round(gap * rate), np.float32))
            at += round(gap * rate)
        parts.append(_tone(seconds, rate, 220 + 110 * n))
        spans.append([at - (round(lead * rate) if n == 0 else 0), at + len(parts[-1])])
        at += len(parts[-1])
    audio = Audio(np.concatenate(parts), rate, {"sentence_spans": spans} if record else {})
    path = write_wav(layout.chunk_audio(key), audio)
    from narration.store.fingerprint import Fingerprint

    record_take_spans(layout, key, audio, Fingerprint.of(path).sha256)
    return [(a / rate + (lead if n == 0 else 0.0), b / rate) for n, (a, b) in enumerate(spans)]


def _timing(tmp_path: Path, record: bool, caplog: pytest.LogCaptureFixture | None = None) -> tuple[ChapterTiming, list]:
    layout = BookLayout(tmp_path / "book")
    book = _book("Short one here. A second and rather longer sentence follows it.", "And a last paragraph.")
    chunks = chunk_book(book, max_chars=400)
    assert [c.source for c in chunks] == ["The Title", "Short one here. A second and rather longer sentence follows it.",
                                          "And a last paragraph."]
    keys = ["aa01", "aa02", "aa03"]
    truth = [_take(layout, keys[0], [0.8], lead=0.07), _take(layout, keys[1], [0.6, 1.9], lead=0.07, record=record),
             _take(layout, keys[2], [1.1])]
    master = assemble_chapter([(layout.chunk_audio(k), c.pause_after) for k, c in zip(keys, chunks, strict=True)],
                              tmp_path / "ch.mp3", loudness=None, pauses=Pauses())
    from narration.store.hashing import file_sha256

    shas = [file_sha256(layout.chunk_audio(k)) for k in keys]
    timing = chapter_timing(0, "The Title", book.chapters[0], chunks, keys, layout, master.piece_starts,
                            master.duration, shas, "en", asr=None)
    expected = [(s + a, s + b) for s, spans in zip(master.piece_starts, truth, strict=True) for a, b in spans]
    return timing, expected


def test_sentences_are_placed_from_the_take_positions_and_the_voices_record(tmp_path: Path) -> None:
    timing, expected = _timing(tmp_path, record=True)
    placed = [(t.start, t.end) for t in timing.sentences if t is not None]
    assert len(placed) == 4
    # within a 5 ms frame of where the sound is: the voice's own lead-in (70 ms) is not the sentence
    assert np.allclose(placed, expected, atol=0.006), (placed, expected)
    assert timing.sources == {"voice": 3}
    cues = chapter_cues(timing, "en")
    assert [round(c.start, 2) for c in cues] == [round(a, 2) for a, _ in expected]
    # the whole book's cues run on: chapter two's begin after chapter one's duration
    two = book_cues([timing, timing], "en")
    assert two[4].start == pytest.approx(timing.duration + cues[0].start)


def test_a_take_without_the_voices_record_is_placed_by_characters_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        timing, expected = _timing(tmp_path, record=False)
    assert timing.sources == {"voice": 2, "characters": 1}
    assert "placed by their characters" in caplog.text
    placed = [t.start for t in timing.sentences if t is not None]
    assert placed[0] == pytest.approx(expected[0][0], abs=0.006) and placed[3] == pytest.approx(expected[3][0], abs=0.006)
    assert abs(placed[2] - expected[2][0]) < 1.0  # only roughly: 15 of 64 characters in


def test_a_sidecar_of_another_take_is_not_used(tmp_path: Path) -> None:
    layout = BookLayout(tmp_path)
    _take(layout, "bb01", [0.5, 0.5])
    assert take_spans(layout, "bb01", "0" * 64) is None
    from narration.store.hashing import file_sha256

    assert take_spans(layout, "bb01", file_sha256(layout.chunk_audio("bb01"))) is not None
    # a take made again without spans drops the old sidecar
    record_take_spans(layout, "bb01", Audio(np.zeros(10, np.float32), 24000), "x")
    assert not layout.chunk_audio("bb01").with_suffix(".sentences.json").exists()


def test_takes_are_found_in_a_master_whose_head_was_changed(tmp_path: Path) -> None:
    rate = 24000
    takes = [Audio(np.concatenate([_tone(0.4, rate, 300), np.zeros(2400, np.float32), _tone(0.3, rate, 500)]), rate),
             Audio(_tone(0.9, rate, 400), rate), Audio(_tone(0.5, rate, 250), rate)]
    gaps = [0.35, 0.8, 1.5]
    expected, at = [], 0.5  # where join_pieces would put them after a 0.5 s lead
    for take, gap in zip(takes, gaps, strict=True):
        expected.append(at)
        at += take.duration + gap
    # the master has a 1.0 s head of low noise instead, and quiet room tone under everything
    truth = [s + 0.5 for s in expected]
    master = np.random.default_rng(1).normal(0, 0.0005, round((at + 1.0) * rate)).astype(np.float32)
    for take, start in zip(takes, truth, strict=True):
        i = round(start * rate)
        master[i : i + len(take.samples)] += take.samples
    found = locate_pieces(Audio(master, rate), takes, expected)
    assert np.allclose(found, truth, atol=0.011), (found, truth)


def test_assembly_records_where_each_piece_begins(tmp_path: Path) -> None:
    pieces = [(write_wav(tmp_path / f"{n}.wav", Audio(_tone(s, r, 300), r)), m)
              for n, (s, r, m) in enumerate([(0.8, 22050, PAUSE_TITLE), (0.6, 24000, PAUSE_SENTENCE),
                                             (0.5, 22050, PAUSE_PARAGRAPH)])]
    pauses = Pauses(sentence=0.3, paragraph=0.6, title=0.9, chapter_lead=0.4, chapter_tail=0.7)
    result = assemble_chapter(pieces, tmp_path / "c.flac", fmt="flac", loudness=None, pauses=pauses)
    assert result.piece_starts == pytest.approx((0.4, 0.4 + 0.8 + 0.9, 0.4 + 0.8 + 0.9 + 0.6 + 0.3), abs=1e-4)
    samples = read_wav(result.master).samples
    for start in result.piece_starts:  # sound begins exactly there
        i = round(start * 24000)
        assert not samples[i - 5 : i].any() and np.abs(samples[i : i + 50]).max() > 0


# --- options ------------------------------------------------------------------------------------


def test_caption_options_are_validated_and_do_not_touch_the_chapter_digest() -> None:
    assert AssemblySettings(captions="vtt, SRT,vtt").captions == ("srt", "vtt")
    with pytest.raises(ValueError, match="unknown caption format ass"):
        AssemblySettings(captions="srt,ass")
    plain, extras = AssemblySettings(), AssemblySettings(captions="srt", readalong=True)
    assert plain.digest() == extras.digest()  # chapter files are not made again for captions
    again = NarrationOptions.model_validate_json(NarrationOptions(assembly=extras).model_dump_json())
    assert again.assembly.captions == ("srt",) and again.assembly.readalong


# --- the read-along EPUB --------------------------------------------------------------------------

EPUBCHECK = shutil.which("epubcheck")


def epubcheck(path: Path) -> str:
    """epubcheck's report of ``path`` (Debian's epubcheck, a jar run by java)."""
    if EPUBCHECK is None:
        pytest.skip("epubcheck is not installed (scripts/setup.sh --test installs it)")
    proc = subprocess.run(["java", "-jar", str(Path(EPUBCHECK).resolve()), str(path)], check=False, capture_output=True, text=True,
                          timeout=300)
    return proc.stdout + proc.stderr


def test_the_readalong_epub_passes_epubcheck_with_overlays_that_add_up(tmp_path: Path) -> None:
    timing, _ = _timing(tmp_path, record=True)
    audio = tmp_path / "ch.mp3"
    book = Book("A Book & Co", ["A. Author"], "en", [Chapter("The Title")], Cover("image/png", _png()))
    path = write_readalong(tmp_path / "b.readalong.epub", book, [timing], [audio])
    report = epubcheck(path)
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in report, report
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        opf = etree.fromstring(z.read(next(n for n in names if n.endswith(".opf"))))
        smil = etree.fromstring(z.read(next(n for n in names if n.endswith(".smil"))))
        page = z.read(next(n for n in names if n.endswith("chapter001.xhtml"))).decode()
        assert any(n.endswith("chapter001.mp3") for n in names)
    metas = {(m.get("property"), m.get("refines")): m.text for m in opf.iter("{*}meta") if m.get("property")}
    assert metas[("media:active-class", None)] == ACTIVE_CLASS
    spans = clips(timing)
    total = sum(b - a for _, a, b in spans)
    assert metas[("media:duration", None)] == metas[("media:duration", "#smil001")] == \
        f"0:00:{total // 1000:02d}.{total % 1000:03d}"
    pars = list(smil.iter("{*}par"))
    assert len(pars) == 4 and all(p.find("{*}text").get("src").split("#")[1] in page for p in pars)
    begins = [float(p.find("{*}audio").get("clipBegin").rstrip("s")) for p in pars]
    assert begins == pytest.approx([t.start for t in timing.sentences if t is not None], abs=0.0011)
    assert "Short one here." in page and "A second and rather longer sentence follows it." in page


def _png() -> bytes:
    import zlib

    raw = b"\x00\xff\x00\x00"
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.mark.slow
def test_a_book_with_credits_gets_captions_for_them_too(tmp_path: Path) -> None:
    """The credits are chapters of their own (-1, and one after the book's last) that the book does
    not hold: the captions' step looked them up in the book and failed (IndexError for the closing
    credits, and the opening credits took the book's last chapter's text)."""
    from narration import narrate

    book = tmp_path / "tiny.md"
    book.write_text("---\ntitle: A Tiny Book\nauthor: Ann Writer\n---\n\n# One\n\nThe river rose. The boat waited.\n\n"
                    "# Two\n\nThe night was long.\n", encoding="utf-8")
    options = NarrationOptions(synthesis={"backend": "piper"}, qa={"enabled": False}, emotion={"enabled": False},
                               assembly={"credits": True, "captions": ["srt"], "readalong": True, "format": "flac", "m4b": False})
    result = narrate(book, tmp_path / "out", options)
    assert [c.index for c in result.chapters] == [-1, 0, 1, 2]
    cues = list(srt.parse((Path(result.root) / "tiny.srt").read_text(encoding="utf-8")))
    text = " ".join(c.content.replace("\n", " ") for c in cues)
    assert text.startswith("This is A Tiny Book, written by Ann Writer.")  # the opening credits, not chapter two
    assert text.index("The river rose.") < text.index("The night was long.") < text.index("The end.")
    assert text.endswith("The end.")  # the closing credits, last
    starts = [c.start for c in cues]
    assert starts == sorted(starts)
    with zipfile.ZipFile(Path(result.root) / "tiny.readalong.epub") as epub:  # the credits read along too
        pages = "".join(epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml"))
    assert "This is A Tiny Book" in pages and "The end." in pages
