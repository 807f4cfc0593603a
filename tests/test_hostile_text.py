"""Hostile text: long runs of punctuation and symbols, and huge numbers, never hang or crash
planning (issue #26). Every reader and the text stage must stay linear in the input's size.

The time bound is per KB of the book's text, measured on ordinary prose (about 17 ms/KB on
this machine: plan_book of 86 KB of sentences, any reader) with wide slack for a loaded CI.
A regular expression that backtracks over a run is quadratic or worse: at the run lengths used
here it takes seconds to hours, far past the bound. Runs are bounded with SIGALRM, which
Python's regular expression engine checks, so an old exponential pattern fails the test
instead of hanging it.
"""

from __future__ import annotations

import re
import signal
import string
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import pysbd
import pytest
from epub_factory import Doc, TocEntry, write_epub
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narration import NarrationOptions, plan_book
from narration.run.plan import BookPlan
from narration.text.normalize import MAX_NUMBER_DIGITS, normalize
from narration.text.sentences import (
    BETWEEN_PATTERNS,
    LINEAR_PATTERNS,
    PYSBD_RE,
    split_sentences,
)

BASE_SECONDS = 3.0  # a tiny book plans in milliseconds; this covers a cold cache and a busy CPU
SECONDS_PER_KB = 0.15  # ~9x ordinary prose's 17 ms/KB
BASE_BYTES = 40_000_000  # tracemalloc peak of a tiny book's planning is ~6 MB (imports included)
BYTES_PER_INPUT_BYTE = 2_000  # ordinary prose peaks far below this (86 KB of text: ~1.3 MB)
HANG_SECONDS = 60  # past this a run is a hang, whatever the bound says

PUNCTUATION = string.punctuation  # every ASCII punctuation and symbol character
RUN_CHARS = PUNCTUATION + " \t"  # and runs of spaces inside a paragraph
PROSE = "It was a bright cold day in April, and the clocks were striking thirteen."


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what}: still running after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bound(size: int) -> float:
    return BASE_SECONDS + SECONDS_PER_KB * size / 1024


def planned(path: Path, text_size: int) -> BookPlan:
    """plan_book within the time and memory bounds for ``text_size`` characters of text."""
    limit = bound(text_size)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with time_limit(max(limit, HANG_SECONDS), f"planning {path.name}"):
            plan = plan_book(path, NarrationOptions())
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < limit, f"{path.name}: {elapsed:.1f} s for {text_size / 1024:.1f} KB (bound {limit:.1f} s)"
    memory = BASE_BYTES + BYTES_PER_INPUT_BYTE * text_size
    assert peak < memory, f"{path.name}: {peak / 2**20:.0f} MiB at peak for {text_size / 1024:.1f} KB"
    return plan


def spoken(plan: BookPlan) -> str:
    return " ".join(c.source for ch in plan.chapters for c in ch.chunks)


# --- books of each kind, with hostile paragraphs among prose --------------------------------


def markdown_book(path: Path, paragraphs: list[str], code: bool) -> Path:
    body = "\n\n".join(f"```\n{p}\n```" if code else p for p in paragraphs)
    path.write_text(f"# A Book\n\n## One\n\n{PROSE}\n\n{body}\n\n{PROSE}\n", encoding="utf-8")
    return path


def text_book(path: Path, paragraphs: list[str], code: bool) -> Path:
    body = "\n\n".join(paragraphs)
    path.write_text(f"A BOOK\n\n\nCHAPTER I\n\n\n{PROSE}\n\n{body}\n\n{PROSE}\n", encoding="utf-8")
    return path


def epub_book(path: Path, paragraphs: list[str], code: bool) -> Path:
    tag = "pre" if code else "p"
    body = "".join(f"<{tag}>{escape(p)}</{tag}>" for p in paragraphs)
    return write_epub(path, [Doc("c1.xhtml", f"<h1>One</h1><p>{PROSE}</p>{body}<p>{PROSE}</p>")],
                      [TocEntry("One", "c1.xhtml")])


READERS = {"md": markdown_book, "txt": text_book, "epub": epub_book}


def book(tmp_path: Path, reader: str, paragraphs: list[str], code: bool = False) -> tuple[Path, int]:
    """The book file and the size of its text (an EPUB's file is compressed)."""
    path = READERS[reader](tmp_path / f"book.{reader}", paragraphs, code)
    return path, sum(map(len, paragraphs)) + 2 * len(PROSE)


@st.composite
def runs(draw: st.DrawFn) -> str:
    """A run of thousands of one punctuation character, alone, before a letter, spaced out or
    inside a sentence."""
    char = draw(st.sampled_from(RUN_CHARS))
    run = char * draw(st.integers(2_000, 12_000))
    shape = draw(st.sampled_from(["alone", "letter", "spaced", "prose"]))
    if shape == "letter":
        return run + draw(st.sampled_from("aZ"))
    if shape == "spaced":
        return (char + " ") * (len(run) // 2) + "x"
    if shape == "prose":
        return f"The {run} end. {PROSE}"
    return run


@pytest.fixture(scope="module", autouse=True)
def warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Import every reader and the text stage once, outside the timed runs."""
    folder = tmp_path_factory.mktemp("warm")
    for reader in READERS:
        plan_book(book(folder, reader, [PROSE])[0], NarrationOptions())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reader=st.sampled_from(sorted(READERS)), paragraphs=st.lists(runs(), min_size=1, max_size=3),
       code=st.booleans())
@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_every_reader_plans_long_runs_in_time_proportional_to_size(
    tmp_path: Path, reader: str, paragraphs: list[str], code: bool
) -> None:
    path, size = book(tmp_path, reader, paragraphs, code)
    plan = planned(path, size)
    assert "bright cold day" in spoken(plan)  # the prose around the runs is still read


@settings(max_examples=200, deadline=None)
@given(text=runs(), language=st.sampled_from(["en", "ja"]))
def test_normalising_and_splitting_long_runs_is_linear(text: str, language: str) -> None:
    start = time.perf_counter()
    with time_limit(HANG_SECONDS, "normalising"):
        for sentence in split_sentences(text, language):
            normalize(sentence, language)
        normalize(text, language)
    limit = 1.0 + SECONDS_PER_KB * len(text) / 1024
    assert time.perf_counter() - start < limit


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="!?a .\n", max_size=16))
def test_pysbd_patterns_rewritten_linear_match_the_same_text(text: str) -> None:
    for original, linear in LINEAR_PATTERNS.items():
        old, new = re.compile(original), re.compile(linear)
        assert [(m.span(), m.groups()) for m in new.finditer(text)] == [(m.span(), m.groups()) for m in old.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="[]«»“”《》「」„,a .!\n", max_size=16))
def test_pysbd_between_patterns_match_the_same_text_linearly(text: str) -> None:
    for original in BETWEEN_PATTERNS:
        assert PYSBD_RE.sub(original, lambda m: f"<{m.group()}>", text) == re.sub(original, lambda m: f"<{m.group()}>", text)


def test_the_rewritten_patterns_are_pysbds_own() -> None:
    """A pysbd update that changes a pattern must not leave a rewrite that nothing uses."""
    source = "".join(path.read_text(encoding="utf-8") for path in Path(pysbd.__file__).parent.rglob("*.py"))
    for original in [*LINEAR_PATTERNS, *BETWEEN_PATTERNS]:
        assert original in source


@pytest.mark.parametrize("char", "[«“《「„")
def test_a_run_of_opening_brackets_splits_in_linear_time(char: str) -> None:
    """pysbd's between-punctuation patterns scanned from every opening mark to the end:
    20,000 "[" took 0.9 s to split, 100,000 20.6 s."""
    text = f"The {char * 200_000} end. {PROSE}"
    start = time.perf_counter()
    with time_limit(HANG_SECONDS, "splitting"):
        split_sentences(text, "zh" if char in "《「" else "de" if char == "„" else "en")
    assert time.perf_counter() - start < 1.0 + SECONDS_PER_KB * len(text) / 1024


# --- the cases named in the issue ------------------------------------------------------------


def test_asterisks_then_a_letter_in_an_epub_paragraph(tmp_path: Path) -> None:
    """`_SCENE_BREAK` was exponential: 34 asterisks then a letter never finished."""
    path, size = book(tmp_path, "epub", ["*" * 34 + "a", "* * *"])
    assert "bright cold day" in spoken(planned(path, size))


def test_hyphens_before_a_transcribers_note(tmp_path: Path) -> None:
    path, size = book(tmp_path, "epub", ["-" * 40 + " Transcriber's note"])
    planned(path, size)


def test_dashes_opening_a_pre(tmp_path: Path) -> None:
    """An svn log in a <pre>: a line of 72 dashes, then the entry's message."""
    log = "-" * 72 + "\nThe build now works on every platform.\n"
    path, size = book(tmp_path, "epub", [log], code=True)
    planned(path, size)


def test_a_100000_asterisk_markdown_line(tmp_path: Path) -> None:
    path, size = book(tmp_path, "md", ["*" * 100_000])
    planned(path, size)


def test_a_20000_asterisk_plain_text_line(tmp_path: Path) -> None:
    """The Gutenberg marker patterns (``^\\W*\\*+``) were quadratic: 42 s."""
    path, size = book(tmp_path, "txt", ["*" * 20_000])
    planned(path, size)


def test_gutenberg_markers_still_found_after_punctuation(tmp_path: Path) -> None:
    from narration.ingest.gutenberg import is_end, is_start

    assert is_start("*** START OF THE PROJECT GUTENBERG EBOOK ALICE ***")
    assert is_start("-- * * * START OF THIS PROJECT GUTENBERG EBOOK X")
    assert is_start("*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS")
    assert is_end("*** END OF THE PROJECT GUTENBERG EBOOK ALICE ***")
    assert is_end("End of the Project Gutenberg EBook of Alice")
    assert not is_start("*" * 20_000 + " start of nothing")


@pytest.mark.parametrize("opening", ["[Illustration: a", "[Footnote 1: a"])
def test_spaces_inside_a_bracketed_note_of_a_plain_text(tmp_path: Path, opening: str) -> None:
    """'(?P<text>.*?)\\s*\\]?$' tried the end at every character: 20,000 spaces took 11-17 s."""
    path, size = book(tmp_path, "txt", [opening + " " * 20_000 + "x y"])
    planned(path, size)


def test_a_paragraph_of_years() -> None:
    """Each year's cue ("in 1850") was searched for in all the text before it: 8,000 years took
    24 s to normalise (and the title page's edition-note pattern tried every year too)."""
    text = "1850 " * 8_000
    start = time.perf_counter()
    with time_limit(HANG_SECONDS, "normalising"):
        spoken = normalize(text, "en")
    assert time.perf_counter() - start < 1.0 + SECONDS_PER_KB * len(text) / 1024
    assert spoken.count("eighteen fifty") == 8_000


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_5000_digit_number_is_read_digit_by_digit(tmp_path: Path, reader: str) -> None:
    """int() refuses more than 4,300 digits: it was a ValueError traceback."""
    number = "7" * 5_000
    path, size = book(tmp_path, reader, [f"The count was {number} exactly.", number])
    text = spoken(planned(path, size))
    assert "bright cold day" in text


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    "written",
    ["The count was {n} exactly.", "It cost ${n}.50.", "the {n}th time", "the {n}3d of May", "{n}% of it", "{n}.{n} men"],
)
def test_huge_numbers_are_read_digit_by_digit(written: str, language: str) -> None:
    text = normalize(written.format(n="9" * 5_000), language)
    digit = "nine" if language == "en" else "キュー"
    assert text.count(digit) >= 5_000


def test_numbers_up_to_the_limit_are_still_read_as_numbers() -> None:
    assert normalize("12345", "en") == "twelve thousand three hundred forty-five"
    assert "trillion" in normalize("9" * MAX_NUMBER_DIGITS, "en")
    assert normalize("1" + "0" * MAX_NUMBER_DIGITS, "en") == " ".join(["one"] + ["zero"] * MAX_NUMBER_DIGITS)
