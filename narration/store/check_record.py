"""The book's conformance check as recorded in its folder (``.work/conformance.json``): where it
lies and reading it back whole. Mastering measures the files and writes it
(``narration.mastering.record``); the QA report and ``narrate status`` only read it, from here,
so neither depends on mastering."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from narration.store.layout import BookLayout

log = logging.getLogger(__name__)


def conformance_path(layout: BookLayout) -> Path:
    return layout.work / "conformance.json"


def _rules(value: Any) -> bool:
    """Whether ``value`` is a list of rule results (``RuleResult.to_dict``), each naming its rule."""
    return isinstance(value, list) and all(isinstance(r, dict) and isinstance(r.get("rule"), str) for r in value)


def _check_whole(doc: Any) -> bool:
    """Whether ``doc`` holds what the status line, the report and the next check take from it."""
    return (isinstance(doc, dict) and isinstance(doc.get("files"), list) and _rules(doc.get("book_rules", []))
            and all(isinstance(f, dict) and isinstance(f.get("file"), str) and _rules(f.get("rules", []))
                    for f in doc["files"]))


def read_check(layout: BookLayout) -> dict[str, Any] | None:
    """The last run's check, or None: not recorded, or damaged (with a warning; the next run
    measures the files again and writes it anew)."""
    path = conformance_path(layout)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s is damaged (%s): ignored; the next run measures the files again", path, exc)
        return None
    if not _check_whole(doc):
        log.warning("%s is damaged (not a check's record): ignored; the next run measures the files again", path)
        return None
    return doc
