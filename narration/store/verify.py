"""Checking a book's store and outputs before they are used, and ``narrate verify``.

Every stored take has its size and SHA-256 in the manifest; every chapter file, chapter master
and the M4B has a record beside the masters (``.work/chapters/NN.json``, ``.work/audiobook.json``)
saying what it was made from and what it was when written. A run uses a file only when it
matches; ``verify_book`` checks them all without changing anything and says what a run would
redo.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narration.errors import InputError
from narration.store import atomic
from narration.store.fingerprint import Fingerprint
from narration.store.layout import BookLayout
from narration.store.manifest import FAILED, ChunkRecord, Manifest

log = logging.getLogger(__name__)


def wav_problem(path: str | Path) -> str | None:
    """Why the WAV file at ``path`` cannot be used whole (None when it can): missing, empty, not
    RIFF/WAVE with a format and a data chunk, or shorter than its own header says (a truncated or overwritten file). Reads
    only the header chunks, so a 14-hour book's store is checked in well under a second a
    thousand files."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return "not a RIFF/WAVE file" if size else "empty file"
            offset, fmt_seen = 12, False
            while True:
                f.seek(offset)
                chunk = f.read(8)
                if len(chunk) < 8:
                    return "no audio data (the file ends before its data chunk)"
                name, length = chunk[:4], int.from_bytes(chunk[4:], "little")
                if name == b"fmt ":
                    fmt_seen = True
                elif name == b"data":
                    if not fmt_seen:
                        return "data before its format"
                    if length == 0:
                        return "no audio frames"
                    if offset + 8 + length > size:
                        return f"truncated: {size - offset - 8} of {length} audio bytes"
                    return None
                offset += 8 + length + (length & 1)  # chunks are padded to an even size
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"


def take_problem(path: Path, expected: Fingerprint | None) -> str | None:
    """Why the stored take at ``path`` cannot be used (None when it can): not a whole WAV, or
    not the bytes recorded when it was written (``expected``; None: only the WAV is checked)."""
    if (problem := wav_problem(path)) is not None:
        return problem
    return expected.problem(path) if expected is not None else None


# --- records of made files --------------------------------------------------------------------


def write_record(path: Path, root: Path, inputs: str, files: Sequence[Path], **extra: Any) -> None:
    """Record, after making ``files``, what they were made from (``inputs``, a digest) and what
    they are. Written last: a crash before it leaves no record, so the files are made again."""
    record = {"inputs": inputs, **extra,
              "files": {str(p.relative_to(root)): Fingerprint.of(p).to_dict() for p in files}}
    atomic.write_text(path, json.dumps(record, indent=1))


def read_record(path: Path) -> dict[str, Any] | None:
    """The record at ``path``; None when there is none, or when it is damaged (with a warning):
    either way its files count as not made, so a run makes them again."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # truncated, not UTF-8, unreadable
        problem: str | None = str(exc)
    else:
        if (problem := _record_damage(record)) is None:
            return record
    log.warning("%s is damaged (%s): ignored, so its files are made again", path, problem)
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _digests(value: Any) -> bool:
    return isinstance(value, list) and all(v is None or isinstance(v, str) for v in value)


# What each field a record may hold must be (``write_record``'s callers add the optional ones).
_FIELDS = {
    "inputs": lambda v: isinstance(v, str),
    "duration": _number,
    "parts": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
    "takes": _digests,
    "masters": _digests,
    "piece_starts": lambda v: isinstance(v, list) and all(_number(x) for x in v),
}


def _record_damage(record: Any) -> str | None:
    """What is wrong with a record read from JSON (None when nothing is): each of its files
    with a size and a SHA-256, each other field it has of the right kind."""
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
        return "no list of files"
    for name, data in record["files"].items():
        if not (isinstance(data, dict) and isinstance(data.get("bytes"), int) and isinstance(data.get("sha256"), str)):
            return f"no size and SHA-256 for {name}"
    return next((f"its {key} is {json.dumps(record[key])[:40]}" for key, fits in _FIELDS.items()
                 if key in record and not fits(record[key])), None)


def record_problem(record: dict[str, Any] | None, root: Path, inputs: str | None = None) -> str | None:
    """Why the files of ``record`` cannot be used (None when they can): no record, made from
    other inputs than ``inputs`` (None: not compared), or a file missing or changed."""
    if record is None:
        return "not made yet (no record)"
    if inputs is not None and record.get("inputs") != inputs:
        return "made from other inputs"
    for name, data in record["files"].items():
        try:
            problem = Fingerprint.from_dict(data).problem(root / name)
        except (KeyError, TypeError, ValueError):
            return "its record is damaged"
        if problem is not None:
            return f"{name}: {problem}"
    return None


# --- the whole book -------------------------------------------------------------------------------


@dataclass
class Verification:
    """What ``verify_book`` found; ``ok`` when a run would redo nothing."""

    book: Path
    manifest: str | None = None  # why the manifest cannot be used
    takes: int = 0  # planned takes checked
    missing: list[ChunkRecord] = field(default_factory=list)  # never stored (failed or not reached)
    damaged: list[tuple[ChunkRecord, str]] = field(default_factory=list)
    chapters: list[tuple[int, str, str]] = field(default_factory=list)  # (index, title, why) to assemble again
    audiobook: str | None = None  # why the M4B would be made again
    timed_text: list[tuple[str, str]] = field(default_factory=list)  # (captions or read-along, why) to make again
    # (index, title) of chapters a ``--chapters`` run left for later: nothing of them made, nothing to check
    not_started: list[tuple[int, str]] = field(default_factory=list)
    made: list[int] = field(default_factory=list)  # chapter indices with something made, in plan order

    @property
    def ok(self) -> bool:
        """Whether what was made is whole (chapters not started are no damage)."""
        return not (self.manifest or self.missing or self.damaged or self.chapters or self.audiobook or self.timed_text)

    def repair_selection(self) -> str | None:
        """The ``--chapters`` selection that repairs only the chapters made (numbers as the dry-run
        shows them); None when every chapter was started (the whole book is repaired)."""
        if not self.not_started:
            return None
        order = sorted([*self.made, *(i for i, _ in self.not_started)])
        return ",".join(str(order.index(i) + 1) for i in self.made)

    def to_dict(self) -> dict[str, Any]:
        return {
            "book": str(self.book), "ok": self.ok, "manifest": self.manifest, "takes_checked": self.takes,
            "missing_takes": [{"index": r.index, "chapter": r.chapter, "key": r.key} for r in self.missing],
            "damaged_takes": [{"index": r.index, "chapter": r.chapter, "key": r.key, "problem": why}
                              for r, why in self.damaged],
            "chapters": [{"index": i, "title": t, "problem": why} for i, t, why in self.chapters],
            "audiobook": self.audiobook,
            "timed_text": [{"output": what, "problem": why} for what, why in self.timed_text],
            "not_started": [{"index": i, "title": t} for i, t in self.not_started],
        }  # fmt: skip


def manifest_problem(path: Path) -> str | None:
    """Why the manifest at ``path`` cannot be read (None when it can), found without changing it."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            db.execute("SELECT count(*) FROM plan JOIN chunks USING (key)").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return f"{path} cannot be read ({exc}): a run moves it aside and rebuilds it from the store"
    if problems != ["ok"]:
        return f"{path} is damaged ({'; '.join(problems[:3])}): a run moves it aside and rebuilds it from the store"
    return None


def verify_book(layout: BookLayout, m4b: bool = True, partial: bool = False) -> Verification:
    """Check every planned take of the book's last run, its chapter files and masters and (with
    ``m4b``) its audiobook against what was recorded when they were written. Reads only.

    ``partial``: the last run made only some chapters (``--chapters``); a chapter with nothing
    made (no take stored, none failed, no chapter record) is then not started, not missing, and
    the M4B, made only of a whole book, is not looked for while any chapter is not started."""
    if not layout.manifest.exists():
        raise InputError(layout.root, "no narration run recorded here (no manifest); run narrate on the book first")
    found = Verification(layout.root, manifest=manifest_problem(layout.manifest))
    if found.manifest:  # without the plan the takes cannot be matched to chunks
        return found
    records = Manifest(layout.manifest).records()
    found.takes = len(records)
    whole: set[str] = set()
    for record in records:
        path = layout.chunk_audio(record.key)
        if not path.exists():
            found.missing.append(record)
        elif (problem := take_problem(path, record.fingerprint)) is not None:
            found.damaged.append((record, problem))
        else:
            whole.add(record.key)
    chapters: dict[int, list[ChunkRecord]] = {}
    for record in records:
        chapters.setdefault(record.chapter, []).append(record)
    found.made = sorted(chapters)
    if partial:
        _set_aside_not_started(layout, found, chapters)
    for index in found.made:
        members = chapters[index]
        if problem := _chapter_problem(layout, index, members, whole):
            found.chapters.append((index, members[0].chapter_title, problem))
    if m4b and not found.not_started:  # part of a book has no M4B yet
        if found.chapters:
            found.audiobook = "chapters are to be made again first"
        else:
            record = read_record(layout.audiobook_record)
            found.audiobook = record_problem(record, layout.root) or _stale_audiobook(layout, record, sorted(chapters))
    found.timed_text = _timed_text_problems(layout)
    return found


def _set_aside_not_started(layout: BookLayout, found: Verification, chapters: dict[int, list[ChunkRecord]]) -> None:
    """Move the chapters with nothing made out of ``found``'s made chapters and their takes out
    of its missing ones: they are not started, not damaged."""
    idle = {index for index, members in chapters.items()
            if not layout.chapter_record(index).exists()
            and not any(r.status == FAILED or layout.chunk_audio(r.key).exists() for r in members)}
    found.not_started = [(i, chapters[i][0].chapter_title) for i in sorted(idle)]
    found.made = [i for i in sorted(chapters) if i not in idle]
    found.missing = [r for r in found.missing if r.chapter not in idle]
    found.takes -= sum(len(chapters[i]) for i in idle)


def _timed_text_problems(layout: BookLayout) -> list[tuple[str, str]]:
    """The captions and the read-along EPUB, where a run made them: whole as recorded? (Whether
    they are stale is for the next run to see: that needs the options and the plan.)"""
    found = []
    for what, path in (("captions", layout.captions_record), ("read-along EPUB", layout.readalong_record)):
        if path.exists() and (problem := record_problem(read_record(path), layout.root)) is not None:
            found.append((what, problem))
    return found


def _chapter_problem(layout: BookLayout, index: int, members: list[ChunkRecord], whole: set[str]) -> str | None:
    bad = [r for r in members if r.key not in whole]
    if bad:
        return f"{len(bad)} of its {len(members)} takes must be made first"
    record = read_record(layout.chapter_record(index))
    if (problem := record_problem(record, layout.root)) is not None:
        return problem
    assert record is not None
    if record.get("takes") != [r.fingerprint.sha256 for r in members if r.fingerprint]:
        return "made from other takes than the stored ones"
    return None


def _stale_audiobook(layout: BookLayout, record: dict[str, Any] | None, chapters: list[int]) -> str | None:
    """Whether the M4B (its ``record``) was made from other chapter masters than those stored now."""
    assert record is not None
    masters = [master_sha256(layout, i) for i in chapters]
    return None if record.get("masters") == masters else "made from other chapter audio than the stored chapters"


def master_sha256(layout: BookLayout, index: int) -> str | None:
    """The recorded SHA-256 of chapter ``index``'s master, from its chapter record."""
    record = read_record(layout.chapter_record(index)) or {"files": {}}
    name = str(layout.chapter_master(index).relative_to(layout.root))
    return (record["files"].get(name) or {}).get("sha256")
