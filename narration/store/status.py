"""Where a book stands: done / failed / pending chunks per chapter, from the manifest and the
chunk store (a chunk is done only if its audio file exists)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from narration.errors import InputError
from narration.store.check_record import read_check
from narration.store.layout import BookLayout
from narration.store.manifest import DONE, FAILED, PENDING, ChunkRecord, Manifest


def chunk_state(record: ChunkRecord, layout: BookLayout) -> str:
    if layout.chunk_audio(record.key).exists():
        return DONE
    return FAILED if record.status == FAILED else PENDING


def book_status(layout: BookLayout) -> dict[str, Any]:
    """The ``narrate status --json`` document."""
    if not layout.manifest.exists():
        raise InputError(layout.root, "no narration run recorded here (no manifest); run narrate on the book first")
    manifest = Manifest(layout.manifest)
    records = manifest.records()
    totals: Counter[str] = Counter()
    chapters: dict[int, dict[str, Any]] = {}
    failed_chunks = []
    for record in records:
        state = chunk_state(record, layout)
        totals[state] += 1
        chapter = chapters.setdefault(
            record.chapter, {"index": record.chapter, "title": record.chapter_title, DONE: 0, FAILED: 0, PENDING: 0}
        )
        chapter[state] += 1
        if state == FAILED:
            failed_chunks.append({"index": record.index, "key": record.key, "chapter": record.chapter,
                                  "error": record.last_error, "attempts": record.attempts, "text": record.text})
    last = manifest.last_run() or {}
    return {
        "book": str(layout.root),
        "total": len(records),
        DONE: totals[DONE],
        FAILED: totals[FAILED],
        PENDING: totals[PENDING],
        "synthesized_last_run": int(last.get("synthesized", 0)),
        "retakes": sum(r.retakes for r in records),
        "last_run": last,
        "chapters": [chapters[i] for i in sorted(chapters)],
        "failed_chunks": failed_chunks,
        "mastering": read_check(layout),  # the last run's conformance check (narration.store.check_record)
    }


def status_for_book(out_dir: str | Path, book_path: str | Path) -> dict[str, Any]:
    return book_status(BookLayout.for_book(out_dir, book_path))
