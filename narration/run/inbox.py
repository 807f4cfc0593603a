"""The bulk-run inbox: which books in a folder are new or changed since they were last queued.

A book's fingerprint hashes its bytes, the narration options and the files they name (lexicon,
styles), so the same content with the same settings is queued once, however often the scan
runs; editing the book, the options or those files queues it again. The ledger is SQLite
(atomic, safe against concurrent scans).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from narration.ingest import BOOK_SUFFIXES
from narration.options import NarrationOptions
from narration.store.hashing import file_hash
from narration.store.manifest import check_sqlite, open_or_start_afresh

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxBook:
    path: Path
    fingerprint: str


def scan_books(folder: str | Path) -> list[Path]:
    """Book files directly in ``folder`` and below, in a stable order; hidden entries skipped."""
    folder = Path(folder)
    found = [
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in BOOK_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found)


def fingerprint(path: Path, options: NarrationOptions) -> str:
    digest = file_hash(path)
    digest.update(options.flat_json().encode("utf-8"))
    # Files the options name count by content: editing the lexicon in place changes the speech.
    for extra in (options.synthesis.lexicon, options.emotion.styles):
        if extra and Path(extra).is_file():
            digest.update(file_hash(Path(extra)).digest())
    return digest.hexdigest()


class Ledger:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        open_or_start_afresh(self.path, self._create, "the books it listed are queued again, and their runs "
                             "find every finished take in their stores")

    def _create(self) -> None:
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS queued (fingerprint TEXT PRIMARY KEY, path TEXT NOT NULL, "
                "run_id TEXT, queued REAL NOT NULL)"
            )
            check_sqlite(db)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            with db:  # commit or roll back
                yield db
        finally:
            db.close()

    def claim(self, book: InboxBook) -> bool:
        """Record the book as queued; False if the same fingerprint was queued before."""
        with self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO queued (fingerprint, path, queued) VALUES (?, ?, ?)",
                (book.fingerprint, str(book.path), time.time()),
            )
            return cursor.rowcount == 1

    def release(self, book: InboxBook) -> None:
        """Forget a claim whose run could not be started, so the next scan tries again."""
        with self._db() as db:
            db.execute("DELETE FROM queued WHERE fingerprint = ?", (book.fingerprint,))

    def set_run(self, book: InboxBook, run_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE queued SET run_id = ? WHERE fingerprint = ?", (run_id, book.fingerprint))


def new_books(folder: str | Path, ledger: Ledger, options: NarrationOptions) -> list[InboxBook]:
    """Claim every book in ``folder`` not queued before with this content and these options."""
    books = [InboxBook(p, fingerprint(p, options)) for p in scan_books(folder)]
    return [b for b in books if ledger.claim(b)]
