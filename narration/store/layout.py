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

The book's folder is narrate's alone: ``check_own_folder`` refuses one that is, or holds, a
symbolic link (or anything else a run would write, read or delete through) before a run or a
prune touches it. The ``--out`` folder above it may be a link: the user chose it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from narration.display import clean_title
from narration.errors import InputError

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
    def cast(self) -> Path:
        """The editable cast: each character's name, aliases, gender, lines and voice."""
        return self.root / "cast.toml"

    @property
    def speakers_base(self) -> Path:
        """Who the last run's script said speaks each quote: tells a person's speaker edits apart."""
        return self.work / "speakers-base.json"  # narration.run.cast.SPEAKERS_BASE

    @property
    def lexicon(self) -> Path:
        """The book's own pronunciation lexicon (``narrate review`` writes it; every run applies it)."""
        return self.root / "lexicon.tsv"

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


# Written in place (SQLite, the lock), not replaced whole as every other file is: a second name
# (a hard link) would be written through too. A hard-linked take or chapter file is harmless.
_IN_PLACE = ("lock", "manifest.sqlite", "manifest.sqlite-journal", "manifest.sqlite-wal", "manifest.sqlite-shm")
_NOT_OURS = "narrate writes, reads and deletes only real files and folders in a book's folder; remove it"


def check_own_folder(layout: BookLayout) -> None:
    """Refuse (``InputError`` naming it) the first thing in the book's folder that a run or a prune
    would go through to somewhere else: a symbolic link (the folder itself, ``.work``,
    ``chapters/``, an output file...), a FIFO, socket or device, or a second name of a file
    written in place. Creates nothing; a folder not made yet passes. Links are never followed."""
    if os.path.islink(layout.root):
        raise InputError(layout.root, f"the book's folder is a symbolic link; {_NOT_OURS} (--out itself may be a link)")
    if not layout.root.is_dir():
        return  # not made yet (or a file: the run's own mkdir says so)
    in_place = {layout.work / name for name in _IN_PLACE}
    folders = [layout.root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    raise InputError(path, f"is a symbolic link; {_NOT_OURS}")
                if entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                elif not entry.is_file(follow_symlinks=False):
                    raise InputError(path, f"is not a regular file (a FIFO, socket or device); {_NOT_OURS}")
                elif path in in_place and entry.stat(follow_symlinks=False).st_nlink > 1:
                    raise InputError(path, "has other names (hard links) a run would write through; "
                                           "replace it with a copy of its own, or remove it")
