"""Content hashes of files: what cache folders, voice identities and the inbox are keyed by."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


def file_hash(path: Path) -> Any:
    """A sha256 hash object fed with the file's bytes (``.update`` it further, or read it)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256")


def file_sha256(path: Path) -> str:
    return file_hash(path).hexdigest()
