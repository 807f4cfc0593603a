"""The book's chunk manifest: one SQLite file per book recording what happened to each chunk.

SQLite gives atomic, durable transactions, so a kill at any moment leaves the manifest as of
its last commit; the audio itself lives in the content-addressed store and is the ground
truth for "done" (a chunk counts as done only when its file exists).

Tables:
    chunks(key)       status, attempts, last error, duration, QA figures, and the stored take's
                      size and SHA-256 (checked before the take is used), per chunk key
    plan(idx)         the latest run's chunks in book order (index, chapter, key, text)
    runs(id)          one row per run: when, how many chunks it synthesized, how many retakes
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.model import Chunk
from narration.store.fingerprint import Fingerprint

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    retakes INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    duration REAL,
    qa TEXT,
    run_id TEXT,
    updated REAL,
    bytes INTEGER,
    sha256 TEXT
);
CREATE TABLE IF NOT EXISTS plan (
    idx INTEGER PRIMARY KEY,
    chapter INTEGER NOT NULL,
    chapter_title TEXT NOT NULL,
    key TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    state TEXT,
    synthesized INTEGER NOT NULL DEFAULT 0,
    retakes INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class ChunkRecord:
    index: int
    chapter: int
    chapter_title: str
    key: str
    text: str
    status: str
    attempts: int
    retakes: int
    last_error: str | None
    duration: float | None
    qa: dict[str, Any] | None
    fingerprint: Fingerprint | None  # of the stored take, when one was stored


class Manifest:
    """A thin, thread-safe wrapper: each call opens its own connection (SQLite connections
    must not cross threads, and task runners call from worker threads)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        open_or_start_afresh(self.path, self._open,
                             "the chunk store keeps every finished take, so nothing is synthesized again")

    def _open(self) -> None:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.executescript(_SCHEMA)  # commits by itself
            _add_missing_columns(db)
            check_sqlite(db)
        finally:
            db.close()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading only: no write lock, nothing to commit or fsync."""
        db = sqlite3.connect(self.path, timeout=60)
        try:
            yield db
        finally:
            db.close()

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, run_id: str | None = None) -> str:
        run_id = run_id or uuid.uuid4().hex
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO runs (id, started, state) VALUES (?, ?, 'running')", (run_id, time.time()))
        return run_id

    def finish_run(self, run_id: str, state: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE runs SET finished = ?, state = ? WHERE id = ?", (time.time(), state, run_id))

    def last_run(self) -> dict[str, Any] | None:
        with self._read() as db:
            row = db.execute(
                "SELECT id, started, finished, state, synthesized, retakes FROM runs ORDER BY started DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return dict(zip(("id", "started", "finished", "state", "synthesized", "retakes"), row))

    # --- plan -------------------------------------------------------------------------------

    def set_plan(
        self, chunks: Sequence[Chunk], keys: Sequence[str], chapter_titles: Sequence[str] | Mapping[int, str]
    ) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM plan")
            db.executemany(
                "INSERT INTO plan (idx, chapter, chapter_title, key, text) VALUES (?, ?, ?, ?, ?)",
                [(c.index, c.chapter, chapter_titles[c.chapter], k, c.source) for c, k in zip(chunks, keys, strict=True)],
            )
            db.executemany("INSERT OR IGNORE INTO chunks (key, updated) VALUES (?, ?)", [(k, time.time()) for k in keys])

    def forget_unplanned(self) -> int:
        """Drop the status of chunks the current plan does not use; returns how many."""
        with self._connect() as db:
            return db.execute("DELETE FROM chunks WHERE key NOT IN (SELECT key FROM plan)").rowcount

    def records(self) -> list[ChunkRecord]:
        """The current plan's chunks in book order, with their latest status."""
        with self._read() as db:
            rows = db.execute(
                """SELECT p.idx, p.chapter, p.chapter_title, p.key, p.text, c.status, c.attempts, c.retakes,
                          c.last_error, c.duration, c.qa, c.bytes, c.sha256
                   FROM plan p JOIN chunks c ON c.key = p.key ORDER BY p.idx"""
            ).fetchall()
        return [ChunkRecord(*row[:10], _qa(row[10]), _fingerprint(row[11], row[12])) for row in rows]

    def fingerprints(self, keys: Sequence[str]) -> dict[str, Fingerprint]:
        """The recorded size and SHA-256 of each of ``keys``' stored takes (keys without one left out:
        takes stored before fingerprints were recorded, or a manifest rebuilt from the store)."""
        found: dict[str, Fingerprint] = {}
        with self._read() as db:
            for start in range(0, len(keys), 500):  # SQLite caps the variables of one statement
                part = keys[start : start + 500]
                rows = db.execute(
                    f"SELECT key, bytes, sha256 FROM chunks WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                found.update({key: fp for key, size, digest in rows if (fp := _fingerprint(size, digest))})
        return found

    # --- chunk events -----------------------------------------------------------------------

    def begin_attempts(self, keys: Sequence[str]) -> list[int]:
        """Count an attempt of each chunk (one transaction for the batch); returns each attempt's
        0-based number. Committed before synthesis, so a take killed midway still counts."""
        now = time.time()
        with self._connect() as db:
            db.executemany("INSERT OR IGNORE INTO chunks (key) VALUES (?)", [(k,) for k in keys])
            db.executemany("UPDATE chunks SET attempts = attempts + 1, updated = ? WHERE key = ?", [(now, k) for k in keys])
            return [int(db.execute("SELECT attempts FROM chunks WHERE key = ?", (k,)).fetchone()[0]) - 1 for k in keys]

    def mark_done(
        self, key: str, duration: float, run_id: str | None, qa: dict[str, Any] | None = None, retakes: int = 0,
        *, fingerprint: Fingerprint,
    ) -> None:
        with self._connect() as db:
            db.execute(
                """UPDATE chunks SET status = 'done', last_error = NULL, duration = ?, qa = ?, run_id = ?,
                   retakes = retakes + ?, attempts = attempts + ?, updated = ?, bytes = ?, sha256 = ? WHERE key = ?""",
                (duration, json.dumps(qa) if qa else None, run_id, retakes, retakes, time.time(),
                 fingerprint.size, fingerprint.sha256, key),
            )
            if run_id:
                db.execute(
                    "UPDATE runs SET synthesized = synthesized + 1, retakes = retakes + ? WHERE id = ?", (retakes, run_id)
                )

    def mark_stored(self, takes: Mapping[str, tuple[float, Fingerprint]]) -> None:
        """Chunks found whole in the book's store (synthesized by an earlier run), with their
        duration and fingerprint, in one transaction: a resumed batch costs one commit, not one
        per chunk."""
        now = time.time()
        with self._connect() as db:
            db.executemany(
                "UPDATE chunks SET status = 'done', last_error = NULL, duration = ?, updated = ?, bytes = ?, sha256 = ? "
                "WHERE key = ?",
                [(duration, now, fp.size, fp.sha256, key) for key, (duration, fp) in takes.items()],
            )

    def mark_failed(
        self, key: str, error: str, run_id: str | None, qa: dict[str, Any] | None = None, retakes: int = 0
    ) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE chunks SET status = 'failed', last_error = ?, run_id = ?, qa = ?, retakes = retakes + ?, "
                "attempts = attempts + ?, updated = ? WHERE key = ?",
                (error[:2000], run_id, json.dumps(qa) if qa else None, retakes, retakes, time.time(), key),
            )
            if run_id and retakes:
                db.execute("UPDATE runs SET retakes = retakes + ? WHERE id = ?", (retakes, run_id))


def move_aside(path: Path) -> Path:
    """A damaged SQLite file (and its WAL files) renamed out of the way, kept for a post-mortem."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    return aside


def open_or_start_afresh(path: Path, open_db: Callable[[], None], consequence: str) -> None:
    """``open_db()``; a database it finds damaged is moved aside (``move_aside``), a warning
    saying ``consequence``, and opened anew."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        open_db()
    except sqlite3.DatabaseError as exc:  # overwritten, truncated, not a database at all
        aside = move_aside(path)
        log.warning("%s is damaged (%s): moved to %s and started afresh; %s", path, exc, aside.name, consequence)
        open_db()


def check_sqlite(db: sqlite3.Connection) -> None:
    """sqlite3.DatabaseError unless SQLite's quick check finds the file whole."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        raise sqlite3.DatabaseError(f"quick_check: {'; '.join(problems[:3])}")


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a manifest written by an earlier version up to this schema (columns added since)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(chunks)")}
    for column, kind in (("bytes", "INTEGER"), ("sha256", "TEXT")):
        if column not in have:
            db.execute(f"ALTER TABLE chunks ADD COLUMN {column} {kind}")
    db.commit()


def _qa(text: str | None) -> dict[str, Any] | None:
    """A chunk's recorded QA figures; None when there are none or they do not read as a JSON object
    (figures for information only: the report shows the chunk without them)."""
    try:
        qa = json.loads(text) if text else None
    except ValueError:
        return None
    return qa if isinstance(qa, dict) else None


def _fingerprint(size: int | None, digest: str | None) -> Fingerprint | None:
    return Fingerprint(int(size), digest) if size is not None and digest else None
