"""``narrate prune BOOK``: delete takes and chapter files the book's last plan no longer uses."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from narration.cli.output import fail, say
from narration.errors import NarrationError
from narration.store.layout import BookLayout
from narration.store.prune import prune_book

NAME = "prune"
HELP = "delete takes and chapter files the book's plan no longer uses"
DESCRIPTION = (
    "Delete a book's chunk takes and chapter files that its last run's plan no longer uses "
    "(left by edits, another voice or options). Run it when no run of the book is in progress."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted")


def run(args: argparse.Namespace) -> int:
    try:
        result = prune_book(BookLayout.for_book(args.out, args.book), dry_run=args.dry_run)
    except NarrationError as exc:
        return fail(str(exc), getattr(exc, "exit_code", 2))
    console = Console()
    for path in result.files:
        say(console, f"{'would delete' if args.dry_run else 'deleted'} {path}", soft_wrap=True)
    verb = "would free" if args.dry_run else "freed"
    say(console, f"{len(result.files)} file(s), {verb} {result.bytes / 1e6:.1f} MB")
    return 0
