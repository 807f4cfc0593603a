"""``narrate verify BOOK``: check a book's takes and outputs; ``--repair`` redoes what is damaged."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from narration.cli.output import dump_json, fail, say, stderr
from narration.cli.stopping import Stopped, stopped_by_signals
from narration.errors import NarrationError
from narration.run import pipeline
from narration.store.layout import BookLayout

NAME = "verify"
HELP = "check a book's takes and outputs; --repair redoes what is damaged"
DESCRIPTION = (
    "Check a narrated book's store and outputs against what was recorded when they were written: every take "
    "of its last plan (a whole WAV with the size and SHA-256 it was stored with), each chapter file and master, "
    "and the M4B; after --chapters runs, only the chapters made (the rest are named as not started). Changes nothing and says what a run would redo; with --repair, moves what is damaged aside "
    "and narrates the book again with the options of its last run, redoing only that (and no chapter not started). Exit 0 when all is whole, "
    "1 when something is (or stays) damaged or missing."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK", help="the book's source file (as given to narrate)")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    p.add_argument("--repair", action="store_true", help="redo what is damaged or missing")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")


def run(args: argparse.Namespace) -> int:
    from narration.store.lock import book_lock
    from narration.store.verify import verify_book

    layout = BookLayout.for_book(args.out, args.book)
    try:
        options = pipeline.stored_options(layout)
        with book_lock(layout):
            found = verify_book(layout, m4b=options.assembly.m4b if options else layout.m4b.exists(),
                                partial=_partial(options))
        if args.repair and not found.ok:
            if options is None:
                return fail(f"{layout.options}: no options recorded for this book (narrated by an earlier version): "
                            "narrate it again with the options it was narrated with")
            if not args.book.is_file():
                return fail(f"{args.book}: --repair needs the book's source file, to narrate what is missing again")
            if not args.json:
                print_verification(found, False)
                say(stderr, f"repairing: narrating {args.book} again with its last run's options", soft_wrap=True)
            # Only the chapters made are made again: chapters a --chapters run left wait for a full run.
            # (An unreadable manifest tells no chapters apart: the last run's selection stands.)
            if not found.manifest:
                options = options.model_copy(update={"chapters": found.repair_selection()})
            with stopped_by_signals():
                pipeline.narrate(args.book, args.out, options)
            with book_lock(layout):
                found = verify_book(layout, m4b=options.assembly.m4b, partial=_partial(options))
    except NarrationError as exc:  # not narrated, locked by a run (exit 3), an incomplete repair
        return fail(str(exc), getattr(exc, "exit_code", 2))
    except Stopped as stop:
        return fail(f"repair stopped by {stop.name}; run it again to go on", 128 + stop.signum)
    print_verification(found, args.json)
    return 0 if found.ok else 1


def _partial(options: Any) -> bool:
    """Whether the book's last run made only some chapters (``--chapters``)."""
    return options is not None and options.chapters is not None


def print_verification(found: Any, as_json: bool) -> None:
    """``narrate verify``'s findings: JSON, or a line per problem and a closing line."""
    if as_json:
        dump_json(found.to_dict())
        return
    console = Console(highlight=False, soft_wrap=True)
    if found.manifest:
        say(console, f"manifest: {found.manifest}")
    for record in found.missing:
        say(console, f"take #{record.index} (chapter {record.chapter + 1}): not stored, to be synthesized")
    for record, problem in found.damaged:
        say(console, f"take #{record.index} (chapter {record.chapter + 1}): {problem}; to be moved aside and synthesized again")
    for index, title, problem in found.chapters:
        say(console, f"chapter {index + 1} ({title}): {problem}; to be assembled again")
    if found.audiobook:
        say(console, f"audiobook: {found.audiobook}; to be made again")
    for what, problem in found.timed_text:
        say(console, f"{what}: {problem}; to be made again")
    if found.not_started:
        named = ", ".join(f"{i + 1} ({t})" for i, t in found.not_started)
        say(console, f"not started: chapter(s) {named}: a --chapters run left them; a full run makes them")
    if found.ok and found.not_started:
        say(console, f"{found.book}: what was made is whole ({found.takes} takes of {len(found.made)} chapter(s) "
                     f"verified); {len(found.not_started)} chapter(s) not started, so no audiobook yet")
    elif found.ok:
        say(console, f"{found.book}: whole ({found.takes} takes, their chapters and the audiobook verified)")
    else:
        redo = len(found.missing) + len(found.damaged)
        say(console, f"{found.book}: {redo} take(s) to synthesize, {len(found.chapters)} chapter(s) to assemble"
                     f"{', the audiobook to make' if found.audiobook else ''}"
                     f"{', ' + ' and '.join(w for w, _ in found.timed_text) + ' to make' if found.timed_text else ''}"
                     "; `narrate verify --repair` does it")
