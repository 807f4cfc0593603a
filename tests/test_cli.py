"""The ``narrate`` command: bad input and options fail with one clear line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def narrate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narration.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp / "empty.epub"
    empty.write_bytes(b"")
    fake = tmp / "fake.epub"
    fake.write_text("this is plain text, not a zip archive")
    binary_md = tmp / "binary.md"
    binary_md.write_bytes(b"\x00\x01\x02\xff\xfe" * 50)
    latin1 = tmp / "latin1.md"
    latin1.write_bytes("# Chapitre\n\nCaf\xe9 cr\xe8me br\xfbl\xe9e.\n".encode("latin-1"))
    truncated = tmp / "truncated.epub"
    with zipfile.ZipFile(truncated, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("OEBPS/ch1.xhtml", "<html><body>" + "<p>words here</p>" * 500 + "</body></html>")
    truncated.write_bytes(truncated.read_bytes()[:300])
    return {
        "missing": (tmp / "nope.epub", "not found"),
        "empty": (empty, "empty"),
        "fake": (fake, ""),
        "binary": (binary_md, ""),
        "latin1": (latin1, "UTF-8"),
        "truncated": (truncated, ""),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "fake", "binary", "latin1", "truncated"])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path: Path, case: str) -> None:
    path, words = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out"
    result = narrate(str(path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert path.name in lines[0]
    assert words.lower() in lines[0].lower()
    assert not out.exists()


def test_one_bad_book_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("# A Book\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = narrate(str(good), str(tmp_path / "missing.md"), "--out", str(out))
    assert result.returncode == 2
    assert "missing.md" in result.stderr
    assert not out.exists()


def test_bad_options_are_named(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("# A Book\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    result = narrate(str(good), "--backend", "nope", "--dry-run")
    assert result.returncode == 2 and "piper" in result.stderr and "nope" in result.stderr
    result = narrate(str(good), "--format", "wma", "--dry-run")
    assert result.returncode == 2 and "--format" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_commands_are_sub_parsers_and_a_book_named_like_one_is_narrated(tmp_path: Path) -> None:
    from narration.cli import all_commands, parse_args

    commands = all_commands()

    args = parse_args(["./status", "--dry-run"])
    assert args.command == "run" and args.books == [Path("./status")] and args.dry_run
    assert parse_args(["book.epub", "--out", "x"]).command == "run"
    assert parse_args(["--out", "x", "book.epub"]).books == [Path("book.epub")]  # options first still narrate
    assert parse_args(["run", "status"]).books == [Path("status")]  # `run` forces a book named like a command
    status = parse_args(["status", "book.epub", "--json"])
    assert status.command == "status" and status.book == Path("book.epub") and status.json
    assert parse_args(["prune", "b.md", "--dry-run"]).handler is commands["prune"].run

    # a file literally named `status` reaches the book reader (which names the problem), not `narrate status`
    (tmp_path / "status").write_text("# T\n\nwords\n", encoding="utf-8")
    result = narrate("./status", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2 and "status: unsupported book type" in result.stderr

    helped = narrate("--help")
    assert helped.returncode == 0
    assert {"run", "status", "prune", "verify", "serve", "deploy", "classify", "check"} <= set(commands)
    for name in commands:
        assert f"    {name} " in helped.stdout
    no_args = narrate()
    assert no_args.returncode == 2 and "narrate --help" in no_args.stderr


def test_dry_run_prints_the_plan_with_the_script_edits(tmp_path: Path) -> None:
    import json

    from narration.options import NarrationOptions
    from narration.run import pipeline

    book = tmp_path / "tale.md"
    book.write_text("# A Tale\n\n## One\n\nThe fox ran across the field.\n\nIt was late.\n", encoding="utf-8")
    out = tmp_path / "out"
    options = NarrationOptions(backend="piper")
    plan, layout = pipeline.plan(book, out, options)
    pipeline.prepare(plan, layout)
    pipeline.tag(plan, layout, [])  # writes script.tsv as a first run does (every passage neutral)
    script = layout.script.read_text(encoding="utf-8").replace("The fox ran", "The grey fox ran")
    layout.script.write_text(script, encoding="utf-8")

    result = narrate(str(book), "--out", str(out), "--backend", "piper", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["chapters"][0]["first_words"].startswith("The grey fox ran")
    replanned, _ = pipeline.plan(book, out, options)
    assert [c.text for c in replanned.chunks] == [c.text for c in pipeline.plan(book, out, options)[0].chunks]
    assert any("grey fox" in c.text for c in replanned.chunks)


def test_books_run_as_flow_runs_only_with_a_server_dask_or_when_asked(monkeypatch) -> None:
    from flows.runner import wanted as uses_prefect
    from narration.cli import parse_args

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("NARRATION_DASK", raising=False)
    monkeypatch.setattr("flows.scaleout.configured_api_url", lambda: None)
    assert not uses_prefect(parse_args(["book.md"]))
    assert uses_prefect(parse_args(["book.md", "--prefect"]))
    monkeypatch.setenv("NARRATION_DASK", "local")
    assert uses_prefect(parse_args(["book.md"]))
    monkeypatch.delenv("NARRATION_DASK")
    monkeypatch.setattr("flows.scaleout.configured_api_url", lambda: "http://127.0.0.1:4200/api")
    assert uses_prefect(parse_args(["book.md"]))


SILENT_CHAPTER = (
    "# A Book\n\n## One\n\nThe fox ran across the field.\n\n## Two\n\n🎉🎉 ★ ★ ★\n\n"
    "## Three\n\nIt was late, and the fox went home.\n"
)


def test_a_chapter_with_nothing_speakable_is_skipped_and_the_dry_run_says_so(tmp_path: Path) -> None:
    import json

    book = tmp_path / "party.md"
    book.write_text(SILENT_CHAPTER, encoding="utf-8")
    result = narrate(str(book), "--backend", "piper", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [c["title"] for c in doc["chapters"]] == ["One", "Three"]
    [item] = doc["omitted"]["unspeakable"]["items"]
    assert item["where"].startswith("party.md:") and item["excerpt"].startswith("Two")
    assert "Two" in result.stderr and "no speakable text" in result.stderr  # the notice

    table = narrate(str(book), "--backend", "piper", "--dry-run")
    assert table.returncode == 0, table.stderr
    assert "unspeakable" in table.stdout and "Two" in table.stdout and "no speakable text" in table.stdout


def test_a_skipped_chapter_makes_no_file_and_the_others_are_numbered_in_order(tmp_path: Path) -> None:
    import json

    book = tmp_path / "party.md"
    book.write_text(SILENT_CHAPTER, encoding="utf-8")
    out = tmp_path / "out"
    result = narrate(str(book), "--out", str(out), "--backend", "piper", "--no-qa", "--no-emotion", "--format", "flac",
                     "--no-loudnorm", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "no speakable text" in result.stderr
    [doc] = json.loads(result.stdout)
    assert [c["title"] for c in doc["chapters"]] == ["One", "Three"]
    assert sorted(p.name for p in (out / "party" / "chapters").iterdir()) == ["01 - One.flac", "02 - Three.flac"]
    assert (out / "party" / "party.m4b").stat().st_size > 0


def test_a_book_with_nothing_speakable_is_refused_with_one_line(tmp_path: Path) -> None:
    book = tmp_path / "confetti.md"
    book.write_text("# 🎉\n\n🎉🎉\n\n* * * ~~~ ###\n", encoding="utf-8")
    out = tmp_path / "out"
    for extra in ((), ("--dry-run",)):
        result = narrate(str(book), "--out", str(out), "--backend", "piper", *extra)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert "confetti.md" in line and "nothing in it can be spoken" in line
    assert not out.exists()


def test_a_script_edit_that_leaves_a_chapter_silent_is_refused_naming_the_script(tmp_path: Path) -> None:
    from narration.options import NarrationOptions
    from narration.run import pipeline

    book = tmp_path / "tale.md"
    book.write_text("# A Tale\n\n## One\n\nThe fox ran.\n\n## Two\n\nIt was late.\n", encoding="utf-8")
    out = tmp_path / "out"
    plan, layout = pipeline.plan(book, out, NarrationOptions(backend="piper"))
    pipeline.prepare(plan, layout)
    pipeline.tag(plan, layout, [])
    layout.script.write_text(layout.script.read_text(encoding="utf-8").replace("It was late.", "🎉🎉"), encoding="utf-8")
    result = narrate(str(book), "--out", str(out), "--backend", "piper", "--dry-run")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "script.tsv" in line and "chapter 2" in line and "no speakable text" in line


def test_two_books_bound_for_one_output_folder_are_refused(tmp_path: Path) -> None:
    books = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        books.append(str(tmp_path / folder / "tiny.md"))
        Path(books[-1]).write_text(f"# Book {folder}\n\n## One\n\nSome words.\n", encoding="utf-8")
    out = tmp_path / "out"
    for extra in ((), ("--dry-run",)):
        result = narrate(*books, "--out", str(out), "--backend", "piper", *extra)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert books[0] in line and books[1] in line and str(out / "tiny") in line
    twice = narrate(books[0], str(tmp_path / "b" / ".." / "a" / "tiny.md"), "--out", str(out), "--backend", "piper")
    assert twice.returncode == 2 and "given twice" in twice.stderr
    assert not out.exists()


def test_an_out_that_is_a_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    book = tmp_path / "tiny.md"
    book.write_text("# A Book\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me", encoding="utf-8")
    for out, words in ((afile, "exists and is not a folder"), (afile / "sub", f"{afile} is not a folder")):
        result = narrate(str(book), "--out", str(out), "--backend", "piper", "--no-qa")
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert f"--out {out}" in line and words in line
    assert afile.read_text(encoding="utf-8") == "keep me"
    (tmp_path / "out" / "tiny").mkdir(parents=True)
    (tmp_path / "out" / "tiny" / ".work").write_text("", encoding="utf-8")  # a file where the book's work folder goes
    result = narrate(str(book), "--out", str(tmp_path / "out"), "--backend", "piper", "--no-qa")
    assert result.returncode == 2 and ".work is not a folder" in result.stderr, result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: permission bits do not stop root's writes, "
                    "so a read-only folder is writable here and the refusal cannot be shown")
def test_an_out_without_write_permission_is_refused(tmp_path: Path) -> None:
    book = tmp_path / "tiny.md"
    book.write_text("# A Book\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for out in (locked, locked / "out"):
            result = narrate(str(book), "--out", str(out), "--backend", "piper", "--no-qa")
            assert result.returncode == 2, result.stderr
            [line] = result.stderr.strip().splitlines()
            assert f"--out {out}" in line and "not writable" in line
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_the_cli_lives_in_narration_and_finds_the_prefect_commands_without_importing_prefect() -> None:
    code = ("import sys; import narration.cli as cli; before = sorted(m for m in sys.modules if m.split('.')[0] == 'flows'); "
            "cli.build_parser(); print(before, list(cli.all_commands()), any(m.split('.')[0] == 'prefect' for m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("[] ")  # narration.cli imports nothing of flows/ by itself
    assert "'serve'" in proc.stdout and "'deploy'" in proc.stdout  # found through the entry points
    assert proc.stdout.split()[-1] == "False"  # and building the parser (narrate --help) never imports Prefect


def test_python_m_flows_cli_still_narrates_for_a_release(tmp_path: Path) -> None:
    book = tmp_path / "tiny.md"
    book.write_text("# A Book\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    old = subprocess.run([sys.executable, "-m", "flows.cli", str(book), "--backend", "piper", "--dry-run", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert old.returncode == 0, old.stderr
    assert old.stdout == narrate(str(book), "--backend", "piper", "--dry-run", "--json").stdout
