"""``narrate review BOOK``: listen to a narrated book in the browser and fix it there."""

from __future__ import annotations

import argparse
from pathlib import Path

from narration.cli.output import fail, say, stderr
from narration.errors import NarrationError

NAME = "review"
HELP = "listen to a narrated book in the browser: retakes, pronunciations, tags, then Apply"
DESCRIPTION = (
    "Serve a page of the narrated book on this machine: per chapter its audio and text, the sentence being "
    "heard highlighted, each span's tag and speaker, QA flags and what the ASR heard. Per sentence: play it, "
    "mark it for a new take, fix how a word is said (BOOK's folder/lexicon.tsv), change a span's tag "
    "(script.tsv). Apply narrates the book again in the background, synthesizing only the chunks touched."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.add_argument("book", type=Path, metavar="BOOK", help="the book's source file (as given to narrate)")
    parser.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    parser.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; the page can rewrite the book's files)")


def run(args: argparse.Namespace) -> int:
    from narration.review.book import book_plan, open_book
    from narration.review.server import serve

    try:
        review = open_book(args.out, args.book)
        book_plan(review)  # planned before serving: the page's first request finds it ready
    except NarrationError as exc:
        return fail(str(exc))
    say(stderr, f"reviewing {review.layout.root} at http://{args.host}:{args.port}/ (Ctrl-C stops)", soft_wrap=True)
    serve(review, args.host, args.port)
    return 0
