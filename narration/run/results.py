"""What a narration run returns: the book's result, each chapter's, and the error for a book
whose chunks did not all synthesize."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from narration.errors import NarrationError


class BookIncomplete(NarrationError):
    """Some chunks failed: their chapters (and the M4B) were not assembled."""


@dataclass
class ChapterResult:
    index: int
    title: str
    path: str
    duration: float


@dataclass
class BookResult:
    title: str
    root: str
    m4b: str | None
    chapters: list[ChapterResult] = field(default_factory=list)
    chunks: int = 0
    synthesized: int = 0
    retakes: int = 0
    failed: list[int] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
