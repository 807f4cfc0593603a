"""A book run's conformance check, kept in ``.work/conformance.json`` for ``report.html`` and
``narrate status --json``.

The files checked are the chapter files the chapter records list (parts and credits included),
measured against the run's profile, or against ``acx`` when the run's profile checks nothing
(``default``): how far the plain output is from what a distributor takes. A file whose recorded
SHA-256 is unchanged keeps its earlier measurement, so a rerun that changed nothing decodes
nothing.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from narration.mastering.conformance import (
    Measurement,
    check_measurements,
    measure_file,
)
from narration.mastering.profiles import ACX, get_profile
from narration.store import atomic
from narration.store.check_record import conformance_path, read_check
from narration.store.layout import BookLayout
from narration.store.verify import read_record


def _chapter_files(layout: BookLayout, index: int) -> list[tuple[Path, str]]:
    """The encoded files of chapter ``index`` (not its master) with their recorded SHA-256."""
    record = read_record(layout.chapter_record(index)) or {"files": {}}
    master = str(layout.chapter_master(index).relative_to(layout.root))
    return [(layout.root / name, data.get("sha256", "")) for name, data in record["files"].items() if name != master]


_WORDS = {"path", "codec", "bitrate_mode"}  # Measurement's fields that are text; the others are numbers


def _measurement(data: Any, path: Path) -> Measurement | None:
    """The measurement recorded in ``data``; None when it is not one (damaged: measured again)."""
    if not isinstance(data, dict) or set(data) != {f.name for f in dataclasses.fields(Measurement)}:
        return None
    for key, value in data.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (isinstance(value, str) if key in _WORDS else number or value is None):
            return None
    # JSON null stands for an infinite level (digital silence), see Measurement.to_dict.
    fields = {k: (-math.inf if v is None and k.endswith("_db") else v) for k, v in data.items()}
    return Measurement(**{**fields, "path": str(path)})


def record_check(layout: BookLayout, chapter_indices: Sequence[int], profile_name: str) -> dict[str, Any]:
    """Measure the chapters' files, judge them, write the record atomically; returns it."""
    profile = get_profile(profile_name)
    against = profile if profile.rules is not None else ACX
    earlier = {f["file"]: f for f in (read_check(layout) or {}).get("files", [])}
    measurements, hashes = [], {}
    for index in chapter_indices:
        for path, sha in _chapter_files(layout, index):
            name = str(path.relative_to(layout.root))
            before = earlier.get(name)
            kept = _measurement(before.get("measured"), path) if before and sha and before.get("sha256") == sha else None
            measurements.append(kept or measure_file(path))
            hashes[str(path)] = sha
    check = check_measurements(measurements, against)
    doc = check.to_dict()
    for entry in doc["files"]:  # paths relative to the book, as the chapter records have them
        entry["sha256"] = hashes[entry["file"]]
        entry["file"] = entry["measured"]["path"] = str(Path(entry["file"]).relative_to(layout.root))
    doc = {"run_profile": profile.name, "checked_against": against.name, **doc}
    atomic.write_text(conformance_path(layout), json.dumps(doc, indent=1))
    return doc
