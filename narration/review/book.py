"""What the review page shows of a narrated book, read from its folder: the plan its last run
made (with its options), each chapter's audio and sentences placed in it, each chunk's take,
tag and QA, and the script's spans."""

from __future__ import annotations

from pathlib import Path

from narration.errors import InputError
from narration.model import Book
from narration.review.audition import Voice, kokoro_voice
from narration.run.pipeline import stored_options
from narration.store.layout import BookLayout

_DEFAULT_VOICES = {"kokoro-en": "af_heart", "kokoro-multi": "af_heart", "kokoro": "jf_alpha", "piper": "en_US-joe-medium"}


def narrated_voice(out_dir: str | Path, book_path: str | Path) -> tuple[str, Voice | None]:
    """The language of a narrated book and the voice its last run read it with (None for a
    backend the audition does not list: qwen3)."""
    layout = BookLayout.for_book(out_dir, book_path)
    try:
        language = Book.from_json(layout.book_json.read_text(encoding="utf-8")).language
    except FileNotFoundError:
        raise InputError(book_path, f"not narrated into {out_dir} yet (no {layout.book_json.name})") from None
    options = stored_options(layout)
    if options is None:
        return language, None
    backend = options.synthesis.backend
    name = options.synthesis.voice or _DEFAULT_VOICES.get(backend)
    if name is None:
        return language, None
    if backend == "piper":
        return language, Voice("piper", name, "as narrated", "unknown")
    return language, kokoro_voice(backend, name)
