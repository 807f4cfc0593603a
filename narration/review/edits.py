"""What the review page changes, each a file in the book's folder a person could edit by hand,
written under the book's lock (a run, another browser tab or a CLI command never interleaves)
and atomically (a reader sees the old file or the new one, never half):

    <book>/lexicon.tsv      word<TAB>how to say it; seeded from the run's --lexicon file
    <book>/script.tsv       the span's tag column (the next run reads it back)
    <book>/retakes.tsv      chunks marked for a new take: number<TAB>key<TAB>text
    <book>/.work/review-applied.json   after an Apply: each changed chunk's take before it

Apply (``apply``) sets the marked takes aside (``.work/replaced/``, as the rerun flow does) and
narrates the book again with the last run's options and the book's lexicon: only chunks whose
text, tag or take changed are synthesized; the rest are reused from the store.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.cast import read_cast, write_cast
from narration.emotion.script import COLUMNS, SPAN_COLUMNS
from narration.emotion.tags import TAGS
from narration.errors import BookLocked, InputError
from narration.options import NarrationOptions
from narration.run.progress import ProgressListener
from narration.run.results import BookResult
from narration.store import atomic, tsv
from narration.store.layout import BookLayout
from narration.store.lock import book_lock
from narration.store.manifest import Manifest
from narration.text.lexicon import load_lexicon

MAX_WORD = 100
MAX_SPOKEN = 300
_KEY = re.compile(r"[0-9a-f]{64}")
_LEXICON_HEAD = "# Pronunciations: a word, a tab, how to say it. Written by narrate review; edit freely.\n"
_RETAKES_HEAD = "# Chunks to take again at the next Apply: number, key, text. Delete a line to unmark it.\n"


@contextlib.contextmanager
def edit_lock(layout: BookLayout, patience: float = 1.0) -> Iterator[None]:
    """The book's lock for one small edit: another edit (a second tab) holds it for milliseconds,
    so it is tried again for up to ``patience`` seconds; a run holding it longer is ``BookLocked``."""
    deadline = time.monotonic() + patience
    with contextlib.ExitStack() as held:
        while True:
            try:
                held.enter_context(book_lock(layout))
                break
            except BookLocked:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)
        yield


def lexicon_path(layout: BookLayout) -> Path:
    return layout.lexicon


def retakes_path(layout: BookLayout) -> Path:
    return layout.root / "retakes.tsv"


def applied_path(layout: BookLayout) -> Path:
    return layout.work / "review-applied.json"


def is_key(text: str) -> bool:
    return bool(_KEY.fullmatch(text))


def _field(text: object, what: str, limit: int) -> str:
    """One line of text fit for a TSV field; InputError for anything else."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(what, "is empty")
    text = text.strip()
    if len(text) > limit or any(c in text for c in "\t\r\n\x00"):
        raise InputError(what, f"must be one line of at most {limit} characters, without tabs")
    return text


# --- the lexicon --------------------------------------------------------------------------------


def set_pronunciation(layout: BookLayout, word: object, spoken: object, seed: str | None = None) -> dict[str, str]:
    """Say ``word`` as ``spoken`` from now on: the book's lexicon (a copy of ``seed``, the run's
    --lexicon file, when it has none yet) with the entry set. The lexicon's entries."""
    word, spoken = _field(word, "word", MAX_WORD), _field(spoken, "pronunciation", MAX_SPOKEN)
    path = lexicon_path(layout)
    with edit_lock(layout):
        source = path if path.is_file() else (Path(seed) if seed and Path(seed).is_file() else None)
        entries = load_lexicon(source) if source is not None else {}
        entries[word] = spoken
        lines = "".join(f"{w}\t{s}\n" for w, s in entries.items())
        atomic.write_text(path, _LEXICON_HEAD + lines)
    return entries


# --- the script's tags ---------------------------------------------------------------------------


def set_tag(layout: BookLayout, chapter: int, paragraph: int, span: int, tag: object) -> None:
    """Set the emotion tag of a span of ``script.tsv`` (1-based numbers, as the file has them);
    every other line stays as it was."""
    if tag not in TAGS:
        raise InputError("tag", f"{tag!r} is not one of {', '.join(TAGS)}")
    _set_column(layout, chapter, paragraph, span, "tag", str(tag))


def set_speaker(layout: BookLayout, chapter: int, paragraph: int, span: int, speaker: object) -> None:
    """Set who says a span of ``script.tsv`` (a character's id or name in ``cast.toml``; "" the
    narrator); the next run reads it in that character's voice."""
    if not isinstance(speaker, str) or len(speaker) > MAX_WORD or "\t" in speaker or "\n" in speaker:
        raise InputError("speaker", "a speaker is a character's id or name, on one line")
    _set_column(layout, chapter, paragraph, span, "speaker", speaker.strip())


def _set_column(layout: BookLayout, chapter: int, paragraph: int, span: int, column: str, value: str) -> None:
    path = layout.script
    with edit_lock(layout):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        head = 0
        while head < len(lines) and lines[head].startswith("#"):
            head += 1
        rows = tsv.read_rows("".join(lines[head:]), delimiter="\t")
        names = [h.strip().lower() for h in rows[0][1]] if rows else []
        if names != list(COLUMNS) and not (column != "speaker" and names == list(SPAN_COLUMNS)):
            raise InputError(path, "not a script with spans and speakers: narrate the book again to rewrite it")
        want = (str(chapter), str(paragraph), str(span))
        found = [n for n, (_, row) in enumerate(rows) if tuple(v.strip() for v in row[:3]) == want]
        if not found:
            raise InputError(path, f"no chapter {chapter} paragraph {paragraph} span {span}")
        rows[found[0]][1][names.index(column)] = value
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        for _, row in rows:
            writer.writerow(row)
        atomic.write_text(path, "".join(lines[:head]) + out.getvalue())


def set_voice(layout: BookLayout, character: str, voice: object) -> None:
    """Give a character of ``cast.toml`` (by id or name) another voice: a name, a mix
    ("af_heart:0.7,bf_emma:0.3") or "" for the narrator's. Written whole, atomically."""
    if not isinstance(voice, str) or len(voice) > MAX_SPOKEN or "\n" in voice:
        raise InputError("voice", "a voice is a name or a mix such as af_heart:0.7,bf_emma:0.3, on one line")
    with edit_lock(layout):
        cast = read_cast(layout.cast)
        if not any(character in (c.id, c.name) for c in cast.characters):
            raise InputError(layout.cast, f"no character {character!r}")
        characters = tuple(dataclasses.replace(c, voice=voice.strip()) if character in (c.id, c.name) else c
                           for c in cast.characters)  # fmt: skip
        write_cast(layout.cast, dataclasses.replace(cast, characters=characters))


# --- retakes ------------------------------------------------------------------------------------


def _retake_rows(layout: BookLayout) -> list[list[str]]:
    path = retakes_path(layout)
    if not path.is_file():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    return [row for _, row in tsv.read_rows("\n".join(lines), delimiter="\t", quoting=csv.QUOTE_NONE)]


def marked_keys(layout: BookLayout) -> set[str]:
    """Keys of the takes marked for a new take (lines that do not name a key are ignored)."""
    return {row[1].strip() for row in _retake_rows(layout) if len(row) >= 2 and is_key(row[1].strip())}


def mark_retake(layout: BookLayout, index: int, marked: bool) -> set[str]:
    """Mark chunk ``index`` (book order, 0-based) for a new take, or unmark it; the marked keys."""
    record = next((r for r in Manifest(layout.manifest).records() if r.index == index), None)
    if record is None:
        raise InputError("chunk", f"no chunk {index} in the book's last plan")
    with edit_lock(layout):
        rows = [row for row in _retake_rows(layout) if len(row) >= 2 and row[1].strip() != record.key]
        if marked:
            rows.append([str(index), record.key, " ".join(record.text.split())])
        text = "".join("\t".join(row) + "\n" for row in rows)
        atomic.write_text(retakes_path(layout), _RETAKES_HEAD + text)
    return marked_keys(layout)


def applied_keys(layout: BookLayout) -> dict[int, str]:
    """After an Apply: chunk index -> the key of its take before it (a damaged record: none)."""
    try:
        data = json.loads(applied_path(layout).read_text(encoding="utf-8"))
        return {int(k): str(v) for k, v in data.items() if is_key(str(v))}
    except (OSError, ValueError, AttributeError):
        return {}


# --- Apply ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    result: BookResult
    changed: dict[int, str]  # chunk index -> its take's key before


def set_aside_marked(layout: BookLayout) -> list[str]:
    """Move the marked takes to ``.work/replaced/`` (kept, not deleted: the page plays them beside
    the new ones) and clear the marks, under the book's lock; the keys moved."""
    moved = []
    with edit_lock(layout):
        for key in sorted(marked_keys(layout)):
            take = layout.chunk_audio(key)
            if take.is_file():
                aside = layout.replaced_take(key)
                aside.parent.mkdir(parents=True, exist_ok=True)
                take.replace(aside)
                moved.append(key)
        if retakes_path(layout).exists():
            atomic.write_text(retakes_path(layout), _RETAKES_HEAD)
    return moved


def review_options(review: Any) -> NarrationOptions:
    """The last run's options of ``review`` (a ``narration.review.book.ReviewBook``), reading the
    book's own lexicon when the page has written one."""
    lexicon = lexicon_path(review.layout)
    if not lexicon.is_file():
        return review.options
    synthesis = review.options.synthesis.model_copy(update={"lexicon": str(lexicon.resolve())})
    return review.options.model_copy(update={"synthesis": synthesis})


def apply(review: Any, progress: ProgressListener | None = None, narrator: Any = None) -> Applied:
    """Take the marked chunks again and narrate the book with the page's edits; only the chunks
    they touch are synthesized. ``review``: a ``narration.review.book.ReviewBook``."""
    from narration.run.pipeline import narrate

    layout = review.layout
    before = {r.index: r.key for r in Manifest(layout.manifest).records()}
    moved = set(set_aside_marked(layout))
    result = narrate(review.source, review.out_dir, review_options(review), on_progress=progress,
                     narrator=narrator, wait=True)
    after = {r.index: r.key for r in Manifest(layout.manifest).records()}
    changed = {i: before[i] for i, key in after.items() if i in before and (key != before[i] or key in moved)}
    atomic.write_text(applied_path(layout), json.dumps({str(i): k for i, k in sorted(changed.items())}, indent=1))
    return Applied(result, changed)
