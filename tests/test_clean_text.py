"""Text shown and written is clean (issue 26, scope 5): a title's control and bidi characters never
reach a file name or a tag, and nothing printed acts on the terminal or breaks rich's markup."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import mutagen
import pytest

from narration.cli import main

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # "write this to the clipboard"
HOSTILE = f"Chapter [/b] One{OSC52} \x1b[31mRed\x1b[0m T\u202efdp.exe\u00ad\u200b"
PARAS = ["It was a quiet morning in the town, and nobody expected anything [/x] at all.", "Then the bell rang twice."]
# What must never be printed raw: ESC (every escape sequence), BEL (ends OSC), C1's CSI, bidi overrides.
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u202d", "\u2066")


def hidden(text: str) -> list[str]:
    """The control and format characters in ``text`` (joiners aside)."""
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\u200c\u200d"]


def book(tmp_path: Path, title: str = HOSTILE, first: str = PARAS[0]) -> Path:
    path = tmp_path / "book.md"
    path.write_text(f"# {title}\n\n{first}\n\n# Two\n\n{PARAS[1]}\n", encoding="utf-8")
    return path


def plain_book(tmp_path: Path) -> Path:
    return book(tmp_path, "Chapter 1", "It was a quiet morning in the town, and nobody expected anything at all.")


# -- file names and tags -------------------------------------------------------------------------


def test_chapter_file_names_hold_no_escapes_or_bidi_overrides() -> None:
    from narration.store.layout import BookLayout

    layout = BookLayout(Path("out/book"))
    assert layout.chapter_file(0, "T\u202efdp.exe", "mp3").name == "01 - Tfdp.exe.mp3"
    name = layout.chapter_file(0, HOSTILE, "mp3").name
    assert hidden(name) == []
    assert "52;c;" not in name and "[31m" not in name  # escape sequences go whole, not just their ESC
    assert name == "01 - Chapter [ b] One Red Tfdp.exe.mp3"  # '/' was already unsafe in a file name
    # A book file named with an escape gets a clean folder too.
    assert hidden(BookLayout.for_book("out", "b\x1b[31mook\u202e.md").root.name) == []


@pytest.mark.parametrize("word", [
    "می\u200cخواهم",  # Persian "I want": the ZWNJ keeps mi- apart from the verb
    "क्\u200dष",  # Devanagari: ZWJ asks for the half form
    "\U0001F469\u200d\U0001F4BB",  # an emoji ZWJ sequence (woman technologist)
])
def test_joiners_inside_words_stay(word: str) -> None:
    from narration.display import clean_title

    assert clean_title(word) == word
    assert clean_title(f"\u200d{word}\u200c") == word  # at the edges they join nothing


def test_tags_and_chapter_marks_are_clean(tmp_path: Path) -> None:
    from narration.assembly.audiobook import ChapterMark, ffmetadata
    from narration.assembly.metadata import tag_file

    path = tmp_path / "c.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "0.2",
                    "-c:a", "libmp3lame", str(path)], check=True)
    tag_file(path, {"title": HOSTILE, "artist": "A\u202eB", "album": f"Book{OSC52}"})
    tags = mutagen.File(str(path), easy=True)
    assert tags["title"] == ["Chapter [/b] One Red Tfdp.exe"]
    assert tags["artist"] == ["AB"] and tags["album"] == ["Book"]
    marks = ffmetadata([ChapterMark(HOSTILE, 0, 1000)])
    assert hidden(marks.replace("\n", "")) == [] and "title=Chapter [/b] One Red Tfdp.exe" in marks


# -- what the CLI prints -------------------------------------------------------------------------


def test_dry_run_table_prints_markup_and_escapes_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(book(tmp_path)), "--dry-run"]) == 0  # was a rich MarkupError on '[/b]'
    out = capsys.readouterr()
    assert not any(c in out.out + out.err for c in RAW)
    text = "".join(out.out.split())  # the table wraps cells: compare without the layout
    assert "Chapter[/b]" in text and "[/x]atall." in text  # markup printed as written
    # Ingest already took the OSC 52 sequence and the override out of the title (payload and all);
    # what prints is the clean title (the printing layer's own escaping is tested below).
    assert "ZWNobyBwd25lZA" not in text and "Tfdp.exe" in text


def test_dry_run_json_is_the_same_data_with_nothing_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from narration.options import NarrationOptions
    from narration.run import pipeline

    path = book(tmp_path)
    assert main([str(path), "--dry-run", "--json"]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in RAW)
    planned = pipeline.plan(path, tmp_path / "out", NarrationOptions())[0].summary()
    assert json.loads(out) == json.loads(json.dumps(planned))  # \u escapes: the same document to a reader
    assert json.loads(out)["chapters"][0]["title"].startswith("Chapter [/b] One Red")


def test_an_error_naming_a_file_with_escapes_is_one_clean_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / f"gone{OSC52}\u202e.md"
    assert main([str(missing), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert not any(c in err for c in RAW)
    assert len(err.strip().splitlines()) == 1
    assert "gone\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\u202e.md" in err  # still names the file


def test_progress_bar_and_summary_take_a_title_as_text() -> None:
    from rich.console import Console
    from rich.progress import Progress, TextColumn

    from narration.cli.run import RichProgress, print_summary

    screen = io.StringIO()
    bar = Progress(TextColumn("{task.description}"))
    RichProgress(bar).book_started(f"A [/b] {OSC52}", chapters=2, chunks=4, cached=0)
    Console(file=screen, width=200).print(bar.make_tasks_table(bar.tasks))  # was a MarkupError: rendered as markup
    assert "A [/b] \\x1b]52" in screen.getvalue() and "\x1b]52" not in screen.getvalue()

    result = SimpleNamespace(title=f"Odd [/bold] {OSC52}", chapters=[1], audio_seconds=60.0, wall_seconds=6.0,
                             synthesized=3, chunks=3, m4b=None, root="out/odd", retakes=0)
    with io.StringIO() as stdout, pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdout", stdout)
        print_summary([result], 6.0)
        printed = stdout.getvalue()
    assert "Odd [/bold] \\x1b]52" in printed and not any(c in printed for c in RAW)


def test_log_records_are_one_line_without_escapes() -> None:
    from narration.cli.output import ShownFilter

    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ShownFilter())
    logger = logging.getLogger("narration.test_clean_text")
    logger.addHandler(handler)
    try:
        logger.warning("%s: cover not embedded", f"a\nb{OSC52}.epub")
    finally:
        logger.removeHandler(handler)
    assert handler.stream.getvalue() == "WARNING narration.test_clean_text: a\\nb\\x1b]52;c;ZWNobyBwd25lZA==\\x07.epub: cover not embedded\n"


# -- --styles --------------------------------------------------------------------------------------


def test_a_deeply_nested_styles_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from narration.emotion.styles import load_styles
    from narration.errors import ConfigError

    deep = tmp_path / "deep.toml"
    deep.write_text("[kokoro]\nhappy = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nested too deeply"):  # was RecursionError
        load_styles(deep)
    assert main([str(plain_book(tmp_path)), "--dry-run", "--styles", str(deep)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"narrate: error: {deep}: ") and len(err.splitlines()) == 1


def test_dry_run_checks_the_styles_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = plain_book(tmp_path)
    missing = tmp_path / "missing.toml"
    assert main([str(path), "--dry-run", "--styles", str(missing)]) == 2  # passed before
    assert str(missing) in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[kokoro]\nhappy = {rate = 9}\n", encoding="utf-8")
    assert main([str(path), "--dry-run", "--styles", str(bad)]) == 2
    good = tmp_path / "good.toml"
    good.write_text("[kokoro]\nhappy = {rate = 1.1}\n", encoding="utf-8")
    assert main([str(path), "--dry-run", "--styles", str(good)]) == 0


def test_check_prints_a_file_name_holding_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "take [red]one[bold] \u202e.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=44100", "-t", "1", str(path)], check=True)
    assert main(["check", str(path)]) == 1  # fails ACX's rules
    out = capsys.readouterr().out
    assert "take [red]one[bold] \\u202e.wav" in out and "\u202e" not in out  # was 'take one' + RLO, the tags eaten


def test_a_warning_naming_a_file_with_escapes_reaches_stderr_escaped(tmp_path: Path) -> None:
    import sys

    from epub_factory import Doc, TocEntry, chapter_body, write_epub

    # A manifest item missing from the archive is a warning naming the book's file.
    path = write_epub(tmp_path / f"nolang{OSC52}.epub", [Doc("c1.xhtml", chapter_body("One", PARAS[1:]))],
                      [TocEntry("One", "c1.xhtml")], extra_manifest=[("pic", "images/gone.png", "image/png")])
    proc = subprocess.run([sys.executable, "-m", "narration.cli", str(path), "--dry-run", "--json"],
                          cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0
    assert f"nolang{OSC52.encode('unicode_escape').decode()}.epub: manifest lists" in proc.stderr
    assert not any(c in proc.stderr + proc.stdout for c in RAW)


def test_escapes_and_control_characters_in_a_book_are_neither_read_nor_kept(tmp_path: Path) -> None:
    """Body text and titles reach the voice and the read-along book without ESC sequences, bidi
    overrides or C0/C1 controls; verse line breaks stay."""
    from narration.ingest import load_book

    md = tmp_path / "esc.md"
    md.write_text("# Book\n\n## One \x1b[31mred\x1b[0m\n\nShe said \x1b]52;c;SGVsbG8=\x07hello\u202e to \x07the "
                  "crowd, and the crowd answered her.  \nA second line of the verse.\n", encoding="utf-8")
    book = load_book(md)
    chapter = book.chapters[-1]
    assert chapter.title == "One red"
    assert chapter.paragraphs[0].text == "She said hello to the crowd, and the crowd answered her. A second line of the verse."
    from narration.display import clean_text

    assert clean_text("One line\x1b[1m of verse,\u2028another\x07.\nA third.") == "One line of verse,\nanother.\nA third."
