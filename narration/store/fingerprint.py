"""What a stored file was when it was written: its size and SHA-256, checked before it is used.

A WAV header check finds a truncated or overwritten take; only the content hash finds a take
whose bytes changed in place (a bit flip, a sync tool writing another version over it), so every
take and output file is recorded with both, and checked against them before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.store.hashing import file_sha256


@dataclass(frozen=True)
class Fingerprint:
    size: int  # bytes
    sha256: str

    @classmethod
    def of(cls, path: str | Path) -> Fingerprint:
        path = Path(path)
        return cls(path.stat().st_size, file_sha256(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(int(data["bytes"]), str(data["sha256"]))

    def to_dict(self) -> dict[str, Any]:
        return {"bytes": self.size, "sha256": self.sha256}

    def problem(self, path: str | Path) -> str | None:
        """Why the file at ``path`` is not this one (None when it is): missing, another size, or
        other bytes. The size is compared first, so most damage costs no hashing."""
        try:
            size = Path(path).stat().st_size
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if size != self.size:
            return f"{size} bytes where {self.size} were written"
        try:
            digest = file_sha256(Path(path))
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        return None if digest == self.sha256 else "its content changed since it was written (SHA-256 differs)"
