"""The narration script: one editable row per span (a paragraph's quoted speech and the
narration between, ``spans``) with its emotion tag and text.

A tab-separated file a person can open in any editor or spreadsheet. Change a tag, or fix a
word in the text, and the next run reads it back: the edited tags replace the classifier's,
and edited text replaces the span (only the chunks it touches are synthesized again).
A paragraph without quotes is one row. Chapter, paragraph and span numbers are 1-based, as a
person counts; do not change them. A script written before spans (no span column, one row per
paragraph) is still read: its tag applies to the whole paragraph.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.emotion.spans import Span, replace_spans, split_spans
from narration.emotion.tagging import PassageTag
from narration.emotion.tags import TAGS
from narration.errors import InputError
from narration.language import UNSPACED, primary_language
from narration.model import Book
from narration.store import atomic, tsv

COLUMNS = ("chapter", "paragraph", "span", "tag", "score", "dialogue", "speaker", "text")
SPAN_COLUMNS = ("chapter", "paragraph", "span", "tag", "score", "dialogue", "text")  # before speakers
PARAGRAPH_COLUMNS = ("chapter", "paragraph", "tag", "score", "dialogue", "text")  # before spans
_HELP = (
    "# Narration script. Edit a tag (one of: " + ", ".join(TAGS) + ") or the text, then rerun.\n"
    "# Keep the chapter, paragraph and span numbers; score and dialogue are for information only; speaker: "
    "who says it (a character's id or name in cast.toml; empty: the narrator).\n"
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScriptRow:
    chapter: int  # 0-based, as in the book model
    paragraph: int  # 0-based
    tag: str
    text: str
    span: int | None = None  # 0-based; None: the whole paragraph (a script written before spans)
    speaker: str | None = None  # who says it ("" the narrator); None: a script written before speakers


def _rows_of(text: str) -> list[tuple[str, bool]]:
    """(text, is speech) of each script row of a paragraph: one per span, or one for a
    paragraph of at most one span (the text as it is)."""
    spans = split_spans(text)
    if len(spans) <= 1:
        return [(text, bool(spans) and spans[0].speech)]
    return [(text[s.start : s.end], s.speech) for s in spans]


def render_script(book: Book, tags: list[PassageTag], speakers: Mapping[tuple[int, int, int], str] | None = None) -> str:
    """The script's text; ``speakers``: (chapter, paragraph, span) -> who says it ("" or absent: the narrator)."""
    speakers = speakers or {}
    by_span = {(t.chapter, t.paragraph, t.span): t for t in tags}
    out = io.StringIO()
    out.write(_HELP)
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            for n, (text, speech) in enumerate(_rows_of(paragraph.text)):
                tag = by_span.get((c, p, n))
                writer.writerow([
                    c + 1, p + 1, n + 1,
                    tag.tag if tag else "neutral",
                    f"{tag.score:.2f}" if tag else "",
                    "yes" if (tag.is_dialogue if tag else speech) else "no",
                    speakers.get((c, p, n), ""),
                    text,
                ])  # fmt: skip
    return out.getvalue()


def write_script(
    path: str | Path, book: Book, tags: list[PassageTag], speakers: Mapping[tuple[int, int, int], str] | None = None
) -> Path:
    """Write the script of ``book`` with ``tags`` (and each quote's speaker) to ``path`` (atomically)."""
    return atomic.write_text(path, render_script(book, tags, speakers))


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
    try:
        records = tsv.read_rows("".join(lines[skipped:]), delimiter="\t")
    except csv.Error as exc:
        raise InputError(path, f"not a readable script ({exc})") from None
    names = [h.strip().lower() for h in records[0][1]] if records else []
    known = next((c for c in (COLUMNS, SPAN_COLUMNS, PARAGRAPH_COLUMNS) if names == list(c)), None)
    if known is None:
        raise InputError(path, f"line {skipped + 1}: expected the header {' '.join(COLUMNS)}")
    columns = known
    field = {name: i for i, name in enumerate(columns)}
    rows: list[ScriptRow] = []
    seen: set[tuple[int, int, int | None]] = set()
    for line_num, record in records[1:]:
        line = skipped + line_num
        if not any(value.strip() for value in record):
            continue
        if len(record) != len(columns):
            raise InputError(path, f"line {line}: expected {len(columns)} tab-separated columns, found {len(record)}")
        chapter = _number(record[0], "chapter", path, line)
        paragraph = _number(record[1], "paragraph", path, line)
        span = _number(record[field["span"]], "span", path, line) if "span" in field else None
        tag = record[field["tag"]].strip().lower()
        if tag not in TAGS:
            raise InputError(path, f"line {line}: unknown tag {record[field['tag']]!r}; use one of {', '.join(TAGS)}")
        if (chapter, paragraph, span) in seen:
            where = f"chapter {chapter + 1} paragraph {paragraph + 1}" + (f" span {span + 1}" if span is not None else "")
            raise InputError(path, f"line {line}: {where} is listed twice")
        seen.add((chapter, paragraph, span))
        speaker = record[field["speaker"]].strip() if "speaker" in field else None
        rows.append(ScriptRow(chapter, paragraph, tag, record[field["text"]], span, speaker))
    return rows


def _by_paragraph(rows: list[ScriptRow]) -> dict[tuple[int, int], list[ScriptRow]]:
    grouped: dict[tuple[int, int], list[ScriptRow]] = {}
    for row in rows:
        grouped.setdefault((row.chapter, row.paragraph), []).append(row)
    return {key: sorted(group, key=lambda r: r.span or 0) for key, group in grouped.items()}


def _paragraph_text(original: str, rows: list[ScriptRow], language: str) -> str:
    """The paragraph's text from its rows; the whitespace between spans is the original's
    where the rows still match its spans one to one."""
    if len(rows) == 1:
        return rows[0].text
    spans = split_spans(original)
    if len(spans) == len(rows):
        return replace_spans(original, spans, [r.text for r in rows])
    joiner = "" if primary_language(language) in UNSPACED else " "
    return joiner.join(r.text.strip() for r in rows if r.text.strip())


def _span_tags(text: str, rows: list[ScriptRow]) -> list[tuple[str, bool]]:
    """(tag, is speech) per span of ``text``: the rows' tags one to one where they match its
    spans; else each span takes the tag of the first row of its kind (speech or narration),
    and a whole-paragraph row (an old script) tags every span."""
    spans = split_spans(text) or [Span(0, len(text), False)]
    if len(rows) == len(spans) and (len(rows) > 1 or rows[0].span is not None or len({r.tag for r in rows}) == 1):
        return [(r.tag, s.speech) for r, s in zip(rows, spans, strict=True)]
    kinds = {}
    for row in rows:
        kinds.setdefault(any(s.speech for s in split_spans(row.text)), row.tag)
    if len(rows) == 1:
        kinds = {True: rows[0].tag, False: rows[0].tag}
    return [(kinds.get(s.speech, rows[0].tag), s.speech) for s in spans]


def apply_script(book: Book, rows: list[ScriptRow], path: str | Path) -> tuple[Book, list[PassageTag]]:
    """A copy of ``book`` with the script's text, and the script's tags.

    The script must list every paragraph of the book and no other (``path`` names it in
    errors). An edited paragraph loses its sentences so the text stage splits it again.
    """
    by_key = _by_paragraph(rows)
    keys = {(c, p) for c, ch in enumerate(book.chapters) for p in range(len(ch.paragraphs))}
    for extra in sorted(set(by_key) - keys):
        raise InputError(path, f"chapter {extra[0] + 1} paragraph {extra[1] + 1} is not in the book")
    for missing in sorted(keys - set(by_key)):
        raise InputError(path, f"chapter {missing[0] + 1} paragraph {missing[1] + 1} is missing from the script")
    edited = copy.deepcopy(book)
    tags: list[PassageTag] = []
    for c, chapter in enumerate(edited.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            group = by_key[(c, p)]
            text = _paragraph_text(paragraph.text, group, book.language)
            if not text.strip():
                raise InputError(path, f"chapter {c + 1} paragraph {p + 1}: the text is empty")
            if text != paragraph.text:
                paragraph.text, paragraph.sentences = text, []
            tags.extend(PassageTag(c, p, tag, 1.0, speech, tag, 1.0, span=n)
                        for n, (tag, speech) in enumerate(_span_tags(paragraph.text, group)))
    return edited, tags


# --- merging a (maybe edited) script with a (maybe edited) book --------------------------------
#
# Both the book and its script can change between runs. The script base (written beside the
# script on every run) holds the book's own text of each paragraph and the classifier's tag as
# of that run. A script row whose text or tag differs from its base was edited by a person and
# wins; any other paragraph follows the book, so an edit to the source book gets through too.


def paragraph_tags(tags: list[PassageTag]) -> dict[tuple[int, int], tuple[str, ...]]:
    """(chapter, paragraph) -> its spans' tags in order: what the script base records."""
    out: dict[tuple[int, int], list[str]] = {}
    for t in sorted(tags, key=lambda t: (t.chapter, t.paragraph, t.span)):
        out.setdefault((t.chapter, t.paragraph), []).append(t.tag)
    return {key: tuple(value) for key, value in out.items()}


def write_script_base(path: str | Path, source: Book, model_tags: dict[tuple[int, int], tuple[str, ...] | str]) -> Path:
    """Record the book's own paragraph texts and the classifier's tags, per span (atomically)."""
    def span_tags(key: tuple[int, int]) -> list[str]:
        value = model_tags.get(key, ("neutral",))
        return [value] if isinstance(value, str) else list(value)

    paragraphs = [
        {"chapter": c, "paragraph": p, "text": par.text, "tags": span_tags((c, p))}
        for c, chapter in enumerate(source.chapters)
        for p, par in enumerate(chapter.paragraphs)
    ]
    return atomic.write_text(path, json.dumps({"paragraphs": paragraphs}, ensure_ascii=False))


def read_script_base(path: str | Path, *, warn: bool = True) -> dict[tuple[int, int], tuple[str, tuple[str, ...]]]:
    """(chapter, paragraph) -> (book text, classifier tags per span); empty when there is no
    base, or when it is damaged (with a warning, unless ``warn`` is off: a run reads it twice):
    every run writes it again. A base written before spans holds one tag per paragraph."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return dict(_base_entry(r) for r in data["paragraphs"])
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:  # truncated, overwritten, not ours
        if warn:
            log.warning("%s is damaged (%s): ignored, and written again by this run; until then every row of "
                        "the script counts as a person's edit", path, exc)
        return {}


def _base_entry(record: dict[str, Any]) -> tuple[tuple[int, int], tuple[str, tuple[str, ...]]]:
    """One paragraph's entry of the script base; ValueError (or KeyError, TypeError) if it is not one."""
    key, text = (record["chapter"], record["paragraph"]), record["text"]
    tags = record["tags"] if "tags" in record else [record["tag"]]
    if not (all(type(n) is int for n in key) and isinstance(text, str) and isinstance(tags, list)
            and all(isinstance(t, str) for t in tags)):
        raise ValueError(f"not a paragraph's entry: {json.dumps(record)[:80]}")
    return key, (text, tuple(tags))


def _edited(groups: dict[tuple[int, int], list[ScriptRow]], base: dict[tuple[int, int], tuple[str, tuple[str, ...]]],
            language: str) -> set[tuple[int, int]]:
    """Paragraphs a person changed since the script was written (all of them when there is no base)."""
    edited = set()
    for key, group in groups.items():
        known = base.get(key)
        if known is None or _paragraph_text(known[0], group, language) != known[0] or tuple(
                r.tag for r in group) != tuple(known[1]):
            edited.add(key)
    return edited


def merge_script(
    book: Book, rows: list[ScriptRow], base: dict[tuple[int, int], tuple[str, tuple[str, ...]]], path: str | Path
) -> tuple[Book, list[PassageTag]] | None:
    """The book with the script's edits applied, and the tags; None when the book's paragraphs
    changed so the script no longer fits and nobody edited it (the caller tags afresh).

    A script that was edited but no longer fits raises InputError naming it: nothing is lost.
    """
    groups = _by_paragraph(rows)
    edited = _edited(groups, base, book.language)
    shape = {(c, p) for c, ch in enumerate(book.chapters) for p in range(len(ch.paragraphs))}
    if shape != set(groups) and not edited:
        return None
    merged_rows: list[ScriptRow] = []
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            group = groups.get((c, p))
            if group is None:
                merged_rows.append(ScriptRow(c, p, "neutral", paragraph.text, 0))
            elif (c, p) in edited:
                merged_rows.extend(group)
            else:  # not edited here: the book's text, with the script's tags
                tags = [tag for tag, _ in _span_tags(paragraph.text, group)]
                merged_rows.extend(ScriptRow(c, p, tag, text, n)
                                   for n, ((text, _), tag) in enumerate(zip(_rows_of(paragraph.text), tags)))
    if shape != set(groups):
        raise InputError(path, "the book's paragraphs changed since this script was written and the script has "
                         "edits; move your edits over to a fresh script (delete this one to have it rewritten)")
    return apply_script(book, merged_rows, path)
