"""Whether a run could write its output folder, found before anything is written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from narration.errors import NarrationError


class OutputUnusable(NarrationError):
    """The output folder (or a book's folder in it) cannot be written: a file where a folder must
    be, no write permission, a read-only file system. The message starts with the output folder."""

    def __init__(self, out: Path, path: Path, problem: str) -> None:
        self.out, self.path, self.problem = out, path, problem
        super().__init__(f"{out}: " + ("" if path == out else f"{path} ") + problem)


def check_writable(out: Path, folders: Sequence[Path]) -> None:
    """``OutputUnusable`` when the run could not write under ``out`` or the book ``folders`` in
    it. A folder not made yet needs its nearest existing parent writable. Besides the permission
    bits (which do not stop root) each such folder is tried with an empty folder made and
    removed at once, so NFS root squash and the like are found too; nothing stays."""
    tried: set[Path] = set()
    for folder in (out, *folders):
        path = folder
        while not os.path.lexists(path) and path != path.parent:
            path = path.parent
        if path in tried:
            continue
        tried.add(path)
        if not path.is_dir():
            raise OutputUnusable(out, path, "exists and is not a folder" if path == out else "is not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
            raise OutputUnusable(out, path, "is on a read-only file system" if read_only
                                 else "is not writable (no write permission)")
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".narrate-write-check-", dir=path))
        except OSError as exc:
            raise OutputUnusable(out, path, f"cannot be written to ({exc.strerror or exc})") from None
