"""``narrate status BOOK``: done / failed / pending chunks of a book, per chapter."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from narration.cli.output import dump_json, fail, plain, say
from narration.errors import NarrationError
from narration.store.status import status_for_book

NAME = "status"
HELP = "done / failed / pending chunks of a book, per chapter"
DESCRIPTION = "Done / failed / pending chunks of a book, per chapter."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    p.add_argument("--json", action="store_true", help="print the status as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        doc = status_for_book(args.out, args.book)
    except NarrationError as exc:
        return fail(str(exc))
    if args.json:
        dump_json(doc)
        return 0
    table = Table(title=plain(f"{args.book.name}: {doc['done']}/{doc['total']} done, {doc['failed']} failed, "
                              f"{doc['pending']} pending"))
    for col in ("#", "chapter", "done", "failed", "pending"):
        table.add_column(col)
    for ch in doc["chapters"]:
        table.add_row(str(ch["index"] + 1), plain(ch["title"]), str(ch["done"]), str(ch["failed"]), str(ch["pending"]))
    console = Console()
    console.print(table)
    for chunk in doc["failed_chunks"]:
        say(console, f"failed chunk {chunk['index']} (chapter {chunk['chapter'] + 1}): {chunk['error']}")
    say(console, f"last run synthesized {doc['synthesized_last_run']} chunk(s); {doc['retakes']} retake(s) in all")
    if mastering := doc.get("mastering"):
        say(console, mastering_line(mastering))
    return 0


def mastering_line(check: dict) -> str:
    """One line of the last run's conformance check: the profile, how many files pass, and the
    rules the others break."""
    files = check.get("files", [])
    passed = sum(bool(f.get("passed")) for f in files)
    broken = dict.fromkeys(r["rule"] for f in files for r in f.get("rules", []) if not r.get("passed"))
    broken.update(dict.fromkeys(r["rule"] for r in check.get("book_rules", []) if not r.get("passed")))
    against = check.get("checked_against", check.get("profile"))
    line = f"mastering: {passed}/{len(files)} file(s) pass {against}'s rules"
    if check.get("run_profile", against) != against:  # a default run is measured against ACX, not made for it
        line += f" (made with the {check['run_profile']} profile; --profile {against} masters to them)"
    return line + (f"; failing: {', '.join(broken)} (narrate check shows the numbers)" if broken else "")
