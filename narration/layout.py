"""Where a book's outputs live. One place decides every path, so resume logic and the CLI agree.

    <out>/<book-slug>/
        <book-slug>.m4b              the chaptered audiobook
        chapters/01 - <title>.mp3    one file per chapter
        book.json                    the parsed book (chapters, paragraphs, sentences)
        script.tsv                   editable: each paragraph's emotion tag and text
        emotion-arc.png              tags along the book
        report.html                  the QA report
        .work/chunks/ab/<key>.wav    synthesized chunks, content-addressed
        .work/manifest.sqlite        per-chunk status, attempts, errors; runs
        .work/chapters/01.wav        lossless chapter audio the M4B is built from
        .work/chapters/01.json       what chapter 1's files were made from, their sizes and SHA-256
        .work/audiobook.json         the same for the M4B
        .work/options.json           the options of the last run (``narrate verify --repair`` reruns with them)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from narration.display import clean_title

_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


def slugify(name: str, max_len: int = 80) -> str:
    """A file-system-safe name that keeps non-ASCII letters (Japanese titles stay readable), with
    no escape sequence, bidi override or other invisible character left to spoof it."""
    name = unicodedata.normalize("NFC", clean_title(name))
    name = _UNSAFE.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    return name[:max_len].rstrip(" .\u200c\u200d") or "untitled"


@dataclass(frozen=True)
class BookLayout:
    root: Path  # <out>/<book-slug>

    @classmethod
    def for_book(cls, out_dir: str | Path, book_path: str | Path) -> BookLayout:
        # Named for the input file, not the title: two editions of one title never collide.
        return cls(Path(out_dir) / slugify(Path(book_path).stem))

    @property
    def work(self) -> Path:
        return self.root / ".work"

    @property
    def chunks(self) -> Path:
        return self.work / "chunks"

    @property
    def manifest(self) -> Path:
        return self.work / "manifest.sqlite"

    @property
    def book_json(self) -> Path:
        return self.root / "book.json"

    @property
    def m4b(self) -> Path:
        return self.root / f"{self.root.name}.m4b"

    def chunk_audio(self, key: str) -> Path:
        return self.chunks / key[:2] / f"{key}.wav"

    @property
    def replaced(self) -> Path:
        return self.work / "replaced"

    @property
    def rejected(self) -> Path:
        return self.work / "rejected"

    def replaced_take(self, key: str) -> Path:
        """A take a named-chunk rerun set aside before making a new one."""
        return self.replaced / key[:2] / f"{key}.wav"

    def damaged_take(self, key: str) -> Path:
        """Where a stored take that failed verification is moved (kept for a post-mortem)."""
        return self.work / "damaged" / f"{key}.wav"

    def rejected_take(self, key: str) -> Path:
        """The worst take QA turned down, kept for the report's before/after."""
        return self.rejected / key[:2] / f"{key}.wav"

    @property
    def script(self) -> Path:
        """The editable narration script: chapter, paragraph, emotion tag, text."""
        return self.root / "script.tsv"

    @property
    def script_base(self) -> Path:
        """What the script said when it was written: tells a person's edits from the book's."""
        return self.work / "script-base.json"

    @property
    def arc(self) -> Path:
        return self.root / "emotion-arc.png"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def chapter_masters(self) -> Path:
        return self.work / "chapters"

    def chapter_file(self, index: int, title: str, fmt: str) -> Path:
        return self.chapters / f"{index + 1:02d} - {slugify(title, 60)}.{fmt}"

    def chapter_master(self, index: int) -> Path:
        return self.chapter_masters / f"{index + 1:02d}.wav"

    def chapter_record(self, index: int) -> Path:
        return self.chapter_masters / f"{index + 1:02d}.json"

    @property
    def audiobook_record(self) -> Path:
        return self.work / "audiobook.json"

    @property
    def captions_record(self) -> Path:
        return self.work / "captions.json"

    @property
    def readalong_record(self) -> Path:
        return self.work / "readalong.json"

    @property
    def options(self) -> Path:
        return self.work / "options.json"
