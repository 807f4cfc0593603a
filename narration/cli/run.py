"""``narrate BOOK...`` (``narrate run``): check every book up front, then narrate each with a
rich progress bar and a closing summary.

Exit codes: 0 done, 1 a run failed, 2 bad input or options (one line on stderr, no traceback),
3 another run holds a book.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import time
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from narration.allowed_roots import check_allowed
from narration.cli.flags import (
    add_settings_arguments,
    options_from_args,
    validation_message,
)
from narration.cli.output import dump_json, fail, hms, plain, say, stderr
from narration.cli.plugins import RUNNERS_GROUP, Runner, loaded
from narration.cli.stopping import Stopped, stopped_by_signals
from narration.display import shown
from narration.errors import NarrationError
from narration.ingest.omissions import KINDS
from narration.run.books import OutputUnusable, narrate_planned, plan_books
from narration.run.plan import BookPlan

NAME = "run"
HELP = "narrate books (the default command: `narrate BOOK...` is `narrate run BOOK...`)"
DESCRIPTION = "Narrate EPUB, Markdown or plain-text books into chapter audio files and a chaptered M4B."

def runners() -> tuple[Runner, ...]:
    """Other ways to execute the planned books (``flows.runner``: as Prefect flow runs)."""
    return loaded(RUNNERS_GROUP)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("books", nargs="+", type=Path, metavar="BOOK", help="EPUB, Markdown or plain-text (.txt, UTF-8) files")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs/)")
    p.add_argument("--dry-run", action="store_true", help="print the plan without synthesizing")
    p.add_argument("--json", action="store_true", help="print the plan (--dry-run) or the results as JSON")
    p.add_argument("--text", action="store_true",
                   help="with --dry-run: print every chapter's text as the voice will read it, a paragraph a line")
    p.add_argument("--wait", action="store_true",
                   help="when another run is narrating a book, wait for it to end (default: stop, exit 3)")
    for runner in runners():
        runner.add_arguments(p)
    p.add_argument("-v", "--verbose", action="store_true", help="show library and Prefect logs")
    add_settings_arguments(p)


class RichProgress:
    """Shows chapters and chunks done, with an ETA from the chunk rate."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.chapters = bar.add_task("chapters", total=None)
        self.chunks = bar.add_task("chunks", total=None)

    def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None:
        self.bar.reset(self.chapters, total=chapters, description=f"{escape(shown(title[:40]))}: chapters")
        self.bar.reset(self.chunks, total=chunks, description="chunks")

    def chunks_done(self, count: int, audio_seconds: float) -> None:
        self.bar.advance(self.chunks, count)

    def chapter_done(self, index: int, title: str) -> None:
        self.bar.advance(self.chapters, 1)


def print_plan(plan: BookPlan) -> None:
    """The dry-run: each chapter with its length and its first and last words, how the chapters
    were found, and what is left out."""
    doc = plan.summary()
    console = Console()
    table = Table(title=plain(f"{doc['title']} — {', '.join(doc['authors']) or 'unknown author'} [{doc['language']}]"),
                  caption=plain(doc["structure"]) if doc["structure"] else None, show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("chapter")
    table.add_column("length", justify="right")
    table.add_column("words", justify="right")
    table.add_column("starts ... ends")
    for n, ch in enumerate(doc["chapters"], 1):
        table.add_row(str(ch.get("number", n)), plain(ch["title"]), hms(ch["estimated_seconds"]), str(ch["words"]),
                      plain(f"{ch['first_words']} ... {ch['last_words']}"))
    console.print(table)
    total = sum(c["words"] for c in doc["chapters"])
    of = f" of {doc['of_chapters']} (--chapters; no M4B until the whole book is narrated)" if "of_chapters" in doc else ""
    say(console, f"{len(doc['chapters'])} chapters{of}, {total} words, about {hms(doc['estimated_seconds'])} of audio")
    say(console, language_line(doc))
    print_cast(console, doc["cast"])
    say(console, lexicon_line(doc["lexicons"]), soft_wrap=True)
    if not doc["omitted"]:
        say(console, "left out: nothing")
        return
    say(console, "left out (bring a kind back with --keep KIND; notes with --notes inline|end):")
    for kind, entry in doc["omitted"].items():
        say(console, f"  {kind}: {entry['parts']} part(s), {entry['words']} words — {KINDS.get(kind, '')}")
        for item in entry["items"][:3]:
            say(console, f"    {item['where']}: {item['words']} words: {item['excerpt']}", soft_wrap=True)
        if len(entry["items"]) > 3:
            say(console, f"    ... and {len(entry['items']) - 3} more")


def print_cast(console: Console, cast: dict) -> None:
    """Who reads the quotes: one table of the characters who speak, or why the narrator reads them all."""
    if cast["narrator"] is None:
        say(console, f"cast: none; {cast['note']}", soft_wrap=True)
        return
    speaking = [c for c in cast["characters"] if c["lines"]]
    table = Table(title=plain(f"cast: {len(speaking)} characters speak; the narrator ({cast['narrator']}) reads "
                              f"{cast['narrator_reads']} of {cast['quotes']} quotes (edit cast.toml or script.tsv)"))
    for column in ("character", "aliases", "gender", "lines", "voice"):
        table.add_column(column, justify="right" if column == "lines" else "left")
    for c in speaking:
        voice = "narrator" if c["voice"] == cast["narrator"] else c["voice"]
        table.add_row(plain(c["name"]), plain(", ".join(c["aliases"])), c["gender"], str(c["lines"]), plain(voice))
    console.print(table)
    if silent := [c["name"] for c in cast["characters"] if not c["lines"]]:
        say(console, plain(f"found, with no quoted lines: {', '.join(silent)}"), soft_wrap=True)


def lexicon_line(files: list[str]) -> str:
    """Which lexicon files the run applies, the one that wins a word both have last."""
    if not files:
        return "lexicon: none"
    return "lexicon: " + ", then ".join(files) + (" (the later wins a word both have)" if len(files) > 1 else "")


def language_line(doc: dict) -> str:
    """'language: French (fr), source: text; chapter 3 in English (en)'."""
    from narration.ingest.language import language_name

    source = f", source: {doc['language_source']}" if doc.get("language_source") else ""
    others = [f"chapter {n} in {language_name(ch['language'])} ({ch['language']})"
              for n, ch in enumerate(doc["chapters"], 1) if ch.get("language")]  # fmt: skip
    return "; ".join([f"language: {language_name(doc['language'])} ({doc['language']}){source}", *others])


def print_summary(results: list, wall: float) -> None:
    console = Console()
    for r in results:
        rtf = r.wall_seconds / r.audio_seconds if r.audio_seconds else float("nan")
        console.print(Text.assemble(
            plain(r.title, "bold"),
            plain(f": {len(r.chapters)} chapters, {hms(r.audio_seconds)} of audio in {hms(r.wall_seconds)} "
                  f"(real-time factor {rtf:.3f}), {r.synthesized}/{r.chunks} chunks synthesized"),
        ))
        say(console, f"  -> {r.m4b or r.root}", soft_wrap=True)
        if r.retakes:
            say(console, f"  {r.retakes} chunk retake(s) after QA; see {Path(r.root) / 'report.html'}")
    if len(results) > 1:
        audio = sum(r.audio_seconds for r in results)
        say(console, f"total: {hms(audio)} of audio in {hms(wall)} (real-time factor {wall / audio if audio else 0:.3f})")


def chosen_runner(args: argparse.Namespace) -> Runner | None:
    """The runner the flags and environment ask for (Prefect's), or None: in this process."""
    return next((runner for runner in runners() if runner.wanted(args)), None)


def disk_full(exc: BaseException, out: Path) -> str | None:
    """The line for a run that stopped because its disk (or quota) is full, naming where; None
    for any other failure. Seen as ENOSPC/EDQUOT from Python, SQLite's "disk is full" and
    ffmpeg's "No space left on device", on the error or the errors it was raised from."""
    import errno
    import sqlite3

    seen: BaseException | None = exc
    while seen is not None:
        where = getattr(seen, "filename", None)
        if (isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT)) or (
            isinstance(seen, sqlite3.OperationalError) and "disk is full" in str(seen)
        ) or "No space left on device" in str(seen):
            try:
                free = f" ({shutil.disk_usage(out).free / 1e6:.1f} MB free there now)"
            except OSError:
                free = ""
            return (f"no space left on the disk holding {where or out}{free}: free some and run the same "
                    "command again; every finished take is kept")
        seen = seen.__cause__ or seen.__context__
    return None


def run(args: argparse.Namespace) -> int:
    try:
        with stopped_by_signals():  # reading and planning a long book takes seconds: Ctrl-C is clean there too
            return _run(args)
    except Stopped as stop:  # before the run began: nothing was written
        return fail(f"stopped by {stop.name} before the run began", 128 + stop.signum)


def _run(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
        for book in args.books:  # NARRATION_ALLOWED_ROOTS, when set, binds the command line as it does the flows
            check_allowed({"BOOK": book, "--out": args.out}, options)
        # Every book is read and planned, and the run checked (books bound for one folder, an
        # unusable --out, a book another run holds), before anything is written: a bad file fails
        # fast and nothing is written for any book. These plans (script edits included, ``auto``
        # resolved) are what the dry-run prints and what the runs execute.
        planned = plan_books(args.books, args.out, options, writing=not args.dry_run, wait=args.wait)
        plans = [plan for plan, _layout in planned]
    except OutputUnusable as exc:
        return fail(f"--out {exc}")
    except NarrationError as exc:  # BookLocked: another run holds a book (exit 3)
        return fail(str(exc), getattr(exc, "exit_code", 2))
    except ValidationError as exc:
        return fail(validation_message(exc))

    # Said once every book is known to be readable, so a bad input stays one line.
    for note in dict.fromkeys(f"{p.options.synthesis.backend} ({p.backend_note})" for p in plans if p.backend_note):
        say(stderr, f"backend: {note}")
    if args.dry_run:
        if args.text:
            for plan in plans:
                print("\n".join(shown(line) for line in plan.script_lines()))
        elif args.json:
            docs = [p.summary() for p in plans]
            dump_json(docs[0] if len(docs) == 1 else docs)
        else:
            for plan in plans:
                print_plan(plan)
        return 0

    for runner in runners():  # their flags and environment checked before anything runs
        if error := runner.problem(args):
            return fail(error)
    runner = chosen_runner(args)
    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        # Libraries that print (model loaders do) must not corrupt the --json document on stdout.
        # The bar only on a terminal: in a log (cron, a pipe) its frozen last frame would be noise
        # around the lines that matter (a book refused because another run holds it, the summary).
        bar_shown = Progress(*columns, console=stderr, disable=not stderr.is_terminal)
        with stopped_by_signals(), contextlib.redirect_stdout(sys.stderr), bar_shown as bar:
            if runner is not None:
                results, failures = runner.run(planned, args.out, options, RichProgress(bar))
            else:
                results, failures = narrate_planned(planned, args.out, options, on_progress=RichProgress(bar),
                                                    wait=args.wait)
    except NarrationError as exc:  # BookLocked: another run holds a book (exit 3)
        return fail(str(exc), getattr(exc, "exit_code", 2))
    except Stopped as stop:
        if runner is not None:
            runner.cancel(f"stopped by {stop.name}")
        say(stderr, f"narrate: stopped by {stop.name}; every finished take is kept: "
            "run the same command again to resume", soft_wrap=True)
        return 128 + stop.signum
    except Exception as exc:  # a crashed run: say what failed, keep the traceback for --verbose
        if args.verbose:
            raise
        if full := disk_full(exc, args.out):
            return fail(full, 1)
        say(stderr, f"narrate: run failed: {type(exc).__name__}: {exc}")
        return 1
    if args.json:
        dump_json([r.to_dict() for r in results])
    else:
        print_summary(results, time.monotonic() - started)
        if any(plan.partial for plan in plans):
            say(stderr, f"narrate: only chapters {options.chapters} made: no M4B; narrate the book without --chapters "
                "to make the rest and the M4B (every take made now is reused)", soft_wrap=True)
    for message in failures:
        say(stderr, f"narrate: incomplete: {message}", soft_wrap=True)
    return 1 if failures else 0
