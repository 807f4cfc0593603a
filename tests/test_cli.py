"""The ``narrate`` command: bad input and options fail with one clear line and exit 2."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def narrate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600
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
