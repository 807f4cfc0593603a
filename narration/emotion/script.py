"""The narration script: one editable row per paragraph with its emotion tag and text.

A tab-separated file a person can open in any editor or spreadsheet. Change a tag, or fix a
word in the text, and the next run reads it back: the edited tags replace the classifier's,
and edited text replaces the paragraph (only the chunks it touches are synthesized again).
Chapter and paragraph numbers are 1-based, as a person counts; do not change them.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from narration import atomic
from narration.emotion.passages import is_dialogue
from narration.emotion.tagging import PassageTag
from narration.emotion.tags import TAGS
from narration.errors import InputError
from narration.model import Book

COLUMNS = ("chapter", "paragraph", "tag", "score", "dialogue", "text")
_HELP = (
    "# Narration script. Edit a tag (one of: " + ", ".join(TAGS) + ") or the text, then rerun.\n"
    "# Keep the chapter and paragraph numbers; score and dialogue are for information only.\n"
)


@dataclass(frozen=True)
class ScriptRow:
    chapter: int  # 0-based, as in the book model
    paragraph: int  # 0-based
    tag: str
    text: str


def render_script(book: Book, tags: list[PassageTag]) -> str:
    by_paragraph = {(t.chapter, t.paragraph): t for t in tags}
    out = io.StringIO()
    out.write(_HELP)
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            tag = by_paragraph.get((c, p))
            writer.writerow(
                [
                    c + 1,
                    p + 1,
                    tag.tag if tag else "neutral",
                    f"{tag.score:.2f}" if tag else "",
                    "yes" if (tag.is_dialogue if tag else is_dialogue(paragraph.text)) else "no",
                    paragraph.text,
                ]
            )
    return out.getvalue()


def write_script(path: str | Path, book: Book, tags: list[PassageTag]) -> Path:
    """Write the script of ``book`` with ``tags`` to ``path`` (atomically)."""
    return atomic.write_text(path, render_script(book, tags))


def _number(value: str, what: str, path: Path, line: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InputError(path, f"line {line}: {what} {value!r} is not a number") from None
    if number < 1:
        raise InputError(path, f"line {line}: {what} must be 1 or more, not {number}")
    return number - 1


def read_script(path: str | Path) -> list[ScriptRow]:
    """The rows of a script file; InputError naming the line for anything malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the script: {exc}") from None
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    reader = csv.reader(io.StringIO("".join(lines[skipped:])), delimiter="\t")
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != list(COLUMNS):
        raise InputError(path, f"line {skipped + 1}: expected the header {' '.join(COLUMNS)}")
    rows: list[ScriptRow] = []
    seen: set[tuple[int, int]] = set()
    for record in reader:
        line = skipped + reader.line_num
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(COLUMNS):
            raise InputError(path, f"line {line}: expected {len(COLUMNS)} tab-separated columns, found {len(record)}")
        chapter = _number(record[0], "chapter", path, line)
        paragraph = _number(record[1], "paragraph", path, line)
        tag = record[2].strip().lower()
        if tag not in TAGS:
            raise InputError(path, f"line {line}: unknown tag {record[2]!r}; use one of {', '.join(TAGS)}")
        if (chapter, paragraph) in seen:
            raise InputError(path, f"line {line}: chapter {chapter + 1} paragraph {paragraph + 1} is listed twice")
        seen.add((chapter, paragraph))
        rows.append(ScriptRow(chapter, paragraph, tag, record[5]))
    return rows


def apply_script(book: Book, rows: list[ScriptRow], path: str | Path) -> tuple[Book, list[PassageTag]]:
    """A copy of ``book`` with the script's text, and the script's tags.

    The script must list every paragraph of the book and no other (``path`` names it in
    errors). An edited paragraph loses its sentences so the text stage splits it again.
    """
    by_key = {(r.chapter, r.paragraph): r for r in rows}
    keys = {(c, p) for c, ch in enumerate(book.chapters) for p in range(len(ch.paragraphs))}
    for extra in sorted(set(by_key) - keys):
        raise InputError(path, f"chapter {extra[0] + 1} paragraph {extra[1] + 1} is not in the book")
    for missing in sorted(keys - set(by_key)):
        raise InputError(path, f"chapter {missing[0] + 1} paragraph {missing[1] + 1} is missing from the script")
    edited = copy.deepcopy(book)
    tags: list[PassageTag] = []
    for c, chapter in enumerate(edited.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            row = by_key[(c, p)]
            if not row.text.strip():
                raise InputError(path, f"chapter {c + 1} paragraph {p + 1}: the text is empty")
            if row.text != paragraph.text:
                paragraph.text, paragraph.sentences = row.text, []
            tags.append(PassageTag(c, p, row.tag, 1.0, is_dialogue(paragraph.text), row.tag, 1.0))
    return edited, tags


# --- merging a (maybe edited) script with a (maybe edited) book --------------------------------
#
# Both the book and its script can change between runs. The script base (written beside the
# script on every run) holds the book's own text of each paragraph and the classifier's tag as
# of that run. A script row whose text or tag differs from its base was edited by a person and
# wins; any other paragraph follows the book, so an edit to the source book gets through too.


def write_script_base(path: str | Path, source: Book, model_tags: dict[tuple[int, int], str]) -> Path:
    """Record the book's own paragraph texts and the classifier's tags (atomically)."""
    paragraphs = [
        {"chapter": c, "paragraph": p, "text": par.text, "tag": model_tags.get((c, p), "neutral")}
        for c, chapter in enumerate(source.chapters)
        for p, par in enumerate(chapter.paragraphs)
    ]
    return atomic.write_text(path, json.dumps({"paragraphs": paragraphs}, ensure_ascii=False))


def read_script_base(path: str | Path) -> dict[tuple[int, int], tuple[str, str]]:
    """(chapter, paragraph) -> (book text, classifier tag); empty when there is no base."""
    path = Path(path)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {(r["chapter"], r["paragraph"]): (r["text"], r["tag"]) for r in data["paragraphs"]}


def edited_rows(rows: list[ScriptRow], base: dict[tuple[int, int], tuple[str, str]]) -> list[ScriptRow]:
    """Rows a person changed since the script was written (all of them when there is no base)."""
    return [r for r in rows if base.get((r.chapter, r.paragraph)) != (r.text, r.tag)]


def merge_script(
    book: Book, rows: list[ScriptRow], base: dict[tuple[int, int], tuple[str, str]], path: str | Path
) -> tuple[Book, list[PassageTag]] | None:
    """The book with the script's edits applied, and the tags; None when the book's paragraphs
    changed so the script no longer fits and nobody edited it (the caller tags afresh).

    A script that was edited but no longer fits raises InputError naming it: nothing is lost.
    """
    shape = {(c, p) for c, ch in enumerate(book.chapters) for p in range(len(ch.paragraphs))}
    if shape != {(r.chapter, r.paragraph) for r in rows} and not edited_rows(rows, base):
        return None
    by_key = {(r.chapter, r.paragraph): r for r in rows}
    merged_rows = []
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            row = by_key.get((c, p))
            if row is not None and base.get((c, p)) == (row.text, row.tag):
                row = ScriptRow(c, p, row.tag, paragraph.text)  # not edited here: the book's text
            merged_rows.append(row if row is not None else ScriptRow(c, p, "neutral", paragraph.text))
    if shape != {(r.chapter, r.paragraph) for r in rows}:
        raise InputError(path, "the book's paragraphs changed since this script was written and the script has "
                         "edits; move your edits over to a fresh script (delete this one to have it rewritten)")
    return apply_script(book, merged_rows, path)
