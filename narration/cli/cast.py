"""``narrate cast BOOK [--json]``: the book's characters, who says each quote, and their voices.

Reads the book, attributes every quote (``narration.cast``) and casts Kokoro English voices
when they are installed (else every character is listed without a voice). Writes nothing unless
``--write FILE`` asks for a ``cast.toml``; ``--cast FILE`` keeps the voices of a cast you wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from narration.cast import Attribution, Cast, attribute_book, read_cast, write_cast
from narration.cast import build_cast as cast_characters
from narration.cast.attribution import LANGUAGES
from narration.cli.output import dump_json, fail, plain, say
from narration.errors import NarrationError
from narration.run.cast import kokoro_styles

NAME = "cast"
HELP = "list the book's characters, who says each quote, and the voice each is given"
DESCRIPTION = "The book's characters, who says each quote, and the voice each is given (a run reads each quote in it)."
DEFAULT_NARRATOR = "af_heart"  # Kokoro English's default voice (narration.synthesis.kokoro_en)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("book", type=Path, metavar="BOOK", help="EPUB, Markdown or plain-text book")
    parser.add_argument("--json", action="store_true", help="print the cast and every quote with its speaker as JSON")
    parser.add_argument("--voice", default=DEFAULT_NARRATOR, help="the narrator's Kokoro voice (default af_heart)")
    parser.add_argument("--cast", type=Path, metavar="FILE", help="a cast.toml whose voices are kept")
    parser.add_argument("--write", type=Path, metavar="FILE", help="write the cast to this cast.toml")
    parser.add_argument("--min-confidence", type=float, default=0.5,
                        help="least confidence for a speaker; below it the narrator reads the quote")  # fmt: skip


def _styles() -> dict[str, Any]:
    """Installed Kokoro English voices' style vectors; empty when none are installed."""
    return kokoro_styles()


def build_cast(attribution: Attribution, narrator: str, previous: Cast | None, styles: dict[str, Any]) -> Cast:
    """The cast a run would read with (``narration.cast.build_cast``): a previous cast's entries
    kept (renamed, merged, voiced), every other character given a voice."""
    cast, _ = cast_characters(attribution.characters, narrator, previous, styles, attribution.partners())
    return cast


def document(cast: Cast, attribution: Attribution) -> dict[str, Any]:
    """The JSON the issue names: the characters, then every quote with its speaker (null: the narrator)."""
    names = {c.id: c.name for c in cast.characters}
    return {
        "narrator": cast.narrator,
        "characters": [
            {"name": c.name, "aliases": list(c.aliases), "gender": c.gender, "voice": c.voice or cast.narrator,
             "lines": c.lines, "kind": c.kind, "id": c.id}
            for c in cast.characters
        ],
        "quotes": [
            {"chapter": q.chapter, "paragraph": q.paragraph, "span": q.span, "text": q.text,
             "speaker": names.get(q.speaker) if q.speaker else None, "confidence": round(q.confidence, 2),
             "rule": q.rule, "narrator_speaks": q.narrator}
            for q in attribution.quotes
        ],
    }  # fmt: skip


def _print_table(cast: Cast, attribution: Attribution) -> Console:
    console = Console()
    narrated = sum(1 for q in attribution.quotes if q.speaker is None)
    table = Table(title=plain(f"{len(cast.characters)} characters; {len(attribution.quotes)} quotes, "
                              f"{narrated} read by the narrator ({cast.narrator})"))  # fmt: skip
    for column in ("name", "aliases", "gender", "lines", "voice"):
        table.add_column(column)
    for c in cast.characters:
        table.add_row(plain(c.name), plain(", ".join(c.aliases)), c.gender, str(c.lines),
                      plain(c.voice or f"narrator ({cast.narrator})"))  # fmt: skip
    console.print(table)
    return console


def run(args: argparse.Namespace) -> int:
    from narration.ingest import load_book

    try:
        previous = read_cast(args.cast) if args.cast else None
        book = load_book(args.book)
        attribution = attribute_book(book, args.min_confidence)
        cast = build_cast(attribution, args.voice, previous, _styles())
        if args.write:
            write_cast(args.write, cast)
    except NarrationError as exc:
        return fail(str(exc))
    if args.json:
        dump_json(document(cast, attribution))
        return 0
    console = _print_table(cast, attribution)
    if book.language not in LANGUAGES:
        say(console, f"The book is in {book.language!r}: who speaks is found in English only, so the narrator "
                     f"reads every quote.", soft_wrap=True)  # fmt: skip
    return 0
