"""Files of our own that a later run reads back always can: a script or lexicon with a field
over ``csv``'s 128 KiB limit, and damaged records (detected, warned about, made again)."""

from __future__ import annotations

import csv
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from narration.emotion.script import (
    merge_script,
    paragraph_tags,
    read_script,
    read_script_base,
    write_script,
    write_script_base,
)
from narration.emotion.tagging import PassageTag
from narration.errors import InputError
from narration.model import Book, Chapter, Paragraph
from narration.text.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
LONG = "The fox ran across the field, and on, " * 5300 + "to the end."  # 201,311 characters, one paragraph


def long_book() -> Book:
    return Book(title="Long", chapters=[Chapter("One", [Paragraph("It began."), Paragraph(LONG)])])


def test_a_script_with_a_200000_character_paragraph_is_read_back_with_its_edits(tmp_path: Path) -> None:
    book = long_book()
    tags = [PassageTag(0, 0, "neutral", 0.9, False), PassageTag(0, 1, "neutral", 0.8, False)]
    script = write_script(tmp_path / "script.tsv", book, tags)
    base = write_script_base(tmp_path / "script-base.json", book, paragraph_tags(tags))
    # A person retags the long paragraph; the next run reads the script back as plan_book does.
    script.write_text(script.read_text(encoding="utf-8").replace("1\t2\t1\tneutral", "1\t2\t1\tsad"), encoding="utf-8")
    limit = csv.field_size_limit()
    rows = read_script(script)
    assert csv.field_size_limit() == limit  # the process-wide limit is put back
    assert [(r.paragraph, r.tag, len(r.text)) for r in rows] == [(0, "neutral", 9), (1, "sad", len(LONG))]
    merged = merge_script(book, rows, read_script_base(base), script)
    assert merged is not None
    edited, new_tags = merged
    assert edited.chapters[0].paragraphs[1].text == LONG
    assert [t.tag for t in new_tags] == ["neutral", "sad"]


@pytest.mark.slow
def test_a_book_with_a_200000_character_paragraph_plans_again_from_its_own_script(tmp_path: Path) -> None:
    from narration.options import NarrationOptions
    from narration.run import pipeline

    book = tmp_path / "long.md"
    book.write_text(f"# Long\n\n## One\n\n{LONG}\n\nIt was late.\n", encoding="utf-8")
    # A paragraph limit above the paragraph (the default, 50,000 characters, would split it).
    options = NarrationOptions(backend="piper", emotion={"enabled": False},
                               ingest={"limits": {"paragraph_chars": 2 * len(LONG)}})
    first, layout = pipeline.plan(book, tmp_path / "out", options)
    pipeline.prepare(first, layout)
    pipeline.tag(first, layout, [])  # writes script.tsv and its base, as a first run does
    assert max(len(r.text) for r in read_script(layout.script)) > csv.field_size_limit()
    again, _ = pipeline.plan(book, tmp_path / "out", options)  # the second run's path
    assert [c.text for c in again.chunks] == [c.text for c in first.chunks]


def test_a_tsv_lexicon_entry_over_128_kib_is_read(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text(f"# word\tspoken\nHermione\ther my oh nee\nFox\t{LONG}\n", encoding="utf-8")
    assert load_lexicon(lexicon) == {"Hermione": "her my oh nee", "Fox": LONG}


@pytest.mark.parametrize(("name", "content", "words"), [
    ("deep.toml", "a = " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
    ("inline.toml", "[words]\nFox = " + "{a = " * 5_000 + '"x"' + "}" * 5_000 + "\n", "nested too deeply"),
])  # fmt: skip
def test_a_malformed_lexicon_is_one_input_error_naming_it(tmp_path: Path, name: str, content: str, words: str) -> None:
    lexicon = tmp_path / name
    lexicon.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=words) as raised:
        load_lexicon(lexicon)
    assert raised.value.path == str(lexicon) and "\n" not in str(raised.value)


def test_the_cli_refuses_a_malformed_lexicon_with_one_line_and_exit_2(tmp_path: Path) -> None:
    book = tmp_path / "tale.md"
    book.write_text("# A Tale\n\n## One\n\nThe fox ran.\n", encoding="utf-8")
    lexicon = tmp_path / "deep.toml"
    lexicon.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "narration.cli", str(book), "--lexicon", str(lexicon), "--backend",
                             "piper", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "deep.toml" in lines[0] and "nested too deeply" in lines[0], result.stderr
    assert not out.exists()  # refused before anything is written


# --- the script base ------------------------------------------------------------------------------

BASE = '{"paragraphs": [{"chapter": 0, "paragraph": 0, "text": "It began.", "tags": ["neutral"]}]}'


@pytest.mark.parametrize("damage", [
    BASE[: len(BASE) // 2],  # truncated by a full disk or a copy cut short
    "",
    "\udcff\udcfe not JSON",  # other bytes altogether (written with surrogateescape: not UTF-8)
    "[]",
    '{"paragraphs": 3}',
    '{"paragraphs": [{"chapter": 0}]}',
    '{"paragraphs": [{"chapter": "1", "paragraph": 0, "text": "It began.", "tags": ["neutral"]}]}',
    '{"paragraphs": [{"chapter": 0, "paragraph": 0, "text": null, "tags": ["neutral"]}]}',
    '{"paragraphs": [{"chapter": 0, "paragraph": 0, "text": "It began.", "tags": "neutral"}]}',
])  # fmt: skip
def test_a_damaged_script_base_is_one_warning_and_reads_as_none(tmp_path: Path, damage: str, caplog) -> None:
    path = tmp_path / "script-base.json"
    path.write_bytes(damage.encode("utf-8", "surrogateescape"))
    with caplog.at_level(logging.WARNING):
        assert read_script_base(path) == {}
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(path) in warnings[0] and "\n" not in warnings[0]


def test_a_run_with_a_damaged_script_base_keeps_the_script_and_writes_the_base_again(tmp_path: Path, caplog) -> None:
    from narration.options import NarrationOptions
    from narration.run import pipeline

    book = tmp_path / "tale.md"
    book.write_text("# A Tale\n\n## One\n\nThe fox ran across the field.\n\nIt was late.\n", encoding="utf-8")
    # A paragraph limit above the paragraph (the default, 50,000 characters, would split it).
    options = NarrationOptions(backend="piper", emotion={"enabled": False},
                               ingest={"limits": {"paragraph_chars": 2 * len(LONG)}})
    first, layout = pipeline.plan(book, tmp_path / "out", options)
    pipeline.prepare(first, layout)
    pipeline.tag(first, layout, [])
    script = layout.script.read_text(encoding="utf-8")
    layout.script.write_text(script.replace("1\t2\t1\tneutral", "1\t2\t1\tsad"), encoding="utf-8")
    whole = layout.script_base.read_text(encoding="utf-8")
    layout.script_base.write_text(whole[: len(whole) // 2], encoding="utf-8")

    with caplog.at_level(logging.WARNING):
        again, _ = pipeline.plan(book, tmp_path / "out", options)
        pipeline.tag(again, layout, None)
    assert [t.tag for t in again.tags or []] == ["neutral", "sad"]  # the person's edit holds
    assert sum(str(layout.script_base) in r.getMessage() for r in caplog.records) == 1
    # Rebuilt whole, with the script's tags standing in for the classifier's: "sad" is no edit
    # from now on, so a later change to the book's own text gets through.
    assert read_script_base(layout.script_base) == {(0, 0): ("The fox ran across the field.", ("neutral",)),
                                                    (0, 1): ("It was late.", ("sad",))}


# --- the other files a run reads back -------------------------------------------------------------


def _warnings(caplog, path: Path) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and str(path) in r.getMessage()]


def _tone(path: Path, seconds: float = 0.5, rate: int = 24000) -> Path:
    import math
    import struct
    import wave

    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(int(seconds * rate))))
    return path


@pytest.mark.parametrize("damage", [
    lambda r: r[: len(r) // 2],
    lambda r: r.replace('"bytes": ', '"bytes": "').replace(', "sha256"', '", "sha256"'),
    lambda r: r.replace('"files": {', '"files": {"chapters/01.mp3": "whole", '),
    lambda r: r.replace('"duration": 12.5', '"duration": "long"'),
    lambda r: r.replace('"parts": 2', '"parts": "two"'),
    lambda r: r.replace('"takes": ["aa", "bb"]', '"takes": "aabb"'),
    lambda r: r.replace('"piece_starts": [0.0, 6.0]', '"piece_starts": [0.0, "six"]'),
])  # fmt: skip
def test_a_damaged_chapter_record_is_one_warning_and_its_files_count_as_not_made(tmp_path: Path, damage, caplog) -> None:
    import json

    from narration.store.layout import BookLayout
    from narration.store.verify import master_sha256, read_record, write_record

    layout = BookLayout(tmp_path / "book")
    master = _tone(layout.chapter_master(0))
    path = layout.chapter_record(0)
    write_record(path, layout.root, "digest", [master], duration=12.5, parts=2, takes=["aa", "bb"],
                 piece_starts=[0.0, 6.0])
    assert read_record(path) is not None and master_sha256(layout, 0) is not None  # whole, it is used
    path.write_text(damage(json.dumps(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_record(path) is None
        assert master_sha256(layout, 0) is None  # what the M4B's record is compared with: no traceback
    assert len(_warnings(caplog, path)) == 2 and "damaged" in _warnings(caplog, path)[0]


@pytest.mark.parametrize("damage", [
    '{"run_profile": "acx", "files": [{"fi',
    '{"files": 3}',
    '{"files": [{"file": 1, "passed": true}]}',
    '{"files": [{"file": "chapters/01.mp3", "passed": true, "rules": [7]}]}',
    '{"files": [], "book_rules": {"rule": "mono"}}',
])  # fmt: skip
def test_a_damaged_conformance_check_is_one_warning(tmp_path: Path, damage: str, caplog) -> None:
    from narration.mastering.record import conformance_path, read_check
    from narration.store.layout import BookLayout

    layout = BookLayout(tmp_path / "book")
    path = conformance_path(layout)
    path.parent.mkdir(parents=True)
    path.write_text(damage, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        check = read_check(layout)
    assert check is None and len(_warnings(caplog, path)) == 1  # `narrate status` prints no mastering line


def test_a_damaged_measurement_is_measured_again(tmp_path: Path, caplog) -> None:
    import json

    from narration.mastering.record import conformance_path, record_check
    from narration.store.layout import BookLayout
    from narration.store.verify import write_record

    layout = BookLayout(tmp_path / "book")
    chapter = _tone(layout.root / "chapters" / "01 - One.wav")
    write_record(layout.chapter_record(0), layout.root, "digest", [chapter, _tone(layout.chapter_master(0))])
    first = record_check(layout, [0], "default")
    measured = first["files"][0]["measured"]
    doc = json.loads(conformance_path(layout).read_text(encoding="utf-8"))
    doc["files"][0]["measured"] = {**measured, "rms_db": "loud"}  # the file is unchanged, its figures are not
    conformance_path(layout).write_text(json.dumps(doc), encoding="utf-8")
    again = record_check(layout, [0], "default")
    assert again["files"][0]["measured"] == measured


def test_damaged_run_options_are_one_warning_and_read_as_none(tmp_path: Path, caplog) -> None:
    from narration.run import pipeline
    from narration.store.layout import BookLayout

    layout = BookLayout(tmp_path / "book")
    layout.options.parent.mkdir(parents=True)
    layout.options.write_text('{"synthesis": {"backend": "piper", "speed": "fa', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert pipeline.stored_options(layout) is None
    assert len(_warnings(caplog, layout.options)) == 1 and "\n" not in _warnings(caplog, layout.options)[0]


def test_a_damaged_inbox_ledger_is_moved_aside_and_started_afresh(tmp_path: Path, caplog) -> None:
    from narration.run.inbox import InboxBook, Ledger

    path = tmp_path / ".inbox.sqlite"
    Ledger(path).claim(InboxBook(tmp_path / "a.md", "f1"))
    path.write_bytes(path.read_bytes()[:100])  # truncated mid-header
    with caplog.at_level(logging.WARNING):
        ledger = Ledger(path)
    assert ledger.claim(InboxBook(tmp_path / "a.md", "f1"))  # queued again: its run finds its takes stored
    assert not ledger.claim(InboxBook(tmp_path / "a.md", "f1"))
    assert len(_warnings(caplog, path)) == 1
    assert [p.name.split(".damaged-")[0] for p in tmp_path.glob("*.damaged-*")] == [".inbox.sqlite"]


def test_a_chunks_damaged_qa_figures_read_as_none(tmp_path: Path) -> None:
    import sqlite3

    from narration.model import Chunk
    from narration.store.fingerprint import Fingerprint
    from narration.store.manifest import Manifest

    manifest = Manifest(tmp_path / "manifest.sqlite")
    manifest.set_plan([Chunk(0, 0, "It began.", "It began.", "en")], ["k0"], ["One"])
    manifest.mark_done("k0", 1.0, None, {"wer": 0.0}, fingerprint=Fingerprint(10, "ab"))
    assert manifest.records()[0].qa == {"wer": 0.0}
    with sqlite3.connect(manifest.path) as db:
        db.execute("UPDATE chunks SET qa = '{\"wer\": 0.' WHERE key = 'k0'")
    assert manifest.records()[0].qa is None


def test_a_sentence_sidecar_with_no_sample_rate_reads_as_none(tmp_path: Path) -> None:
    from narration.assembly.timing import spans_path, take_spans
    from narration.store.layout import BookLayout

    layout = BookLayout(tmp_path / "book")
    path = spans_path(layout, "abcd")
    path.parent.mkdir(parents=True)
    path.write_text('{"sha256": "ab", "rate": 0, "spans": [[0, 2400]]}', encoding="utf-8")
    assert take_spans(layout, "abcd", "ab") is None  # located in the master again, as for no sidecar


def test_a_damaged_lock_record_still_names_another_run(tmp_path: Path) -> None:
    import fcntl
    import os

    from narration.store.layout import BookLayout
    from narration.store.lock import locked_by

    layout = BookLayout(tmp_path / "book")
    layout.work.mkdir(parents=True)
    (layout.work / "lock").write_text('{"pid": 1, "host": "h", "since": 1e300}', encoding="utf-8")
    fd = os.open(layout.work / "lock", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held as another run would hold it
        assert locked_by(layout) == "another run"
    finally:
        os.close(fd)
