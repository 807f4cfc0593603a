"""Atomic file writes: every file the pipeline writes appears whole or not at all.

A temp file in the same directory, fsync, then ``os.replace``: a kill at any moment leaves
either the old file or the new one, plus at worst a stray ``.tmp-`` file that
``clean_temp_files`` removes on the next run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

TEMP_MARK = ".tmp-"


def temp_path_for(path: Path) -> Path:
    # Keep the real suffix last so tools that infer the format from the name (ffmpeg) still work.
    return path.with_name(f"{TEMP_MARK}{uuid.uuid4().hex[:12]}-{path.name}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path to write; on success it is moved onto ``path``, on error removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to {tmp}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def clean_temp_files(folder: str | Path) -> int:
    """Remove temp files and scratch folders a killed run left behind; returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    strays = sorted(folder.rglob(f"{TEMP_MARK}*"), key=lambda p: len(p.parts), reverse=True)
    for stray in strays:
        if stray.is_dir():
            shutil.rmtree(stray, ignore_errors=True)
        else:
            stray.unlink(missing_ok=True)
    return len(strays)
