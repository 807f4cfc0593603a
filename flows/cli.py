"""``narrate``: the command line. Parses options, checks every book up front, then runs each
book through the Prefect flow with a rich progress bar and a closing summary.

Exit codes: 0 done, 1 a run failed, 2 bad input or options (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

from flows.check_command import CHECK_DESCRIPTION, add_check_arguments, check_main
from flows.output import dump_json, plain, say, setup_logging, shown_logs
from narration.allowed_roots import ENV as ROOTS_ENV
from narration.allowed_roots import allowed_roots, check_allowed
from narration.display import json_shown, shown
from narration.emotion.settings import EmotionSettings
from narration.errors import NarrationError
from narration.ingest.omissions import KEEPABLE, KINDS
from narration.mastering.profiles import PROFILES
from narration.options import (
    AssemblySettings,
    IngestOptions,
    NarrationOptions,
    Pauses,
    QASettings,
    SynthesisSettings,
    TextLimits,
)
from narration.run import pipeline
from narration.run.plan import BookPlan
from narration.store.layout import BookLayout
from narration.store.prune import prune_book
from narration.store.status import status_for_book
from narration.synthesis import available_backends

stderr = Console(stderr=True)


RUN_DESCRIPTION = "Narrate EPUB, Markdown or plain-text books into chapter audio files and a chaptered M4B."


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("books", nargs="+", type=Path, metavar="BOOK", help="EPUB, Markdown or plain-text (.txt, UTF-8) files")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs/)")
    p.add_argument("--backend", default="auto",
                   help=f"synthesis backend: auto (default: qwen3 on a CUDA GPU with its model, else kokoro-en for "
                   f"English and kokoro for Japanese when installed, else piper), "
                   f"{', '.join(available_backends())}")
    p.add_argument("--model", help="qwen3: hub id or local model dir (default Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice)")
    p.add_argument("--quantization", help="qwen3: nf4 (GPU default), int8, bf16, fp32 (CPU default)")
    p.add_argument("--voice", help="voice name or model path (default: the backend's voice for the language)")
    p.add_argument("--speed", type=float, default=1.0, help="speaking rate multiplier (default 1.0)")
    p.add_argument("--format", default="mp3", help="chapter files: mp3 (default), m4a, opus, flac")
    p.add_argument("--bitrate", default="64k", help="bitrate of lossy outputs (default 64k)")
    p.add_argument("--loudness", type=float, default=-19.0, help="target loudness in LUFS (default -19)")
    p.add_argument("--no-loudnorm", action="store_true", help="leave loudness as synthesized")
    p.add_argument("--no-m4b", action="store_true", help="chapter files only")
    p.add_argument("--profile", default="default", choices=sorted(PROFILES),
                   help="master the chapter files to a delivery profile: default (as --format, --bitrate, --loudness "
                   "say) or acx (ACX / Audible: 192k CBR MP3, 44.1 kHz mono, RMS, peak, room tone; "
                   "narrate check measures it)")
    p.add_argument("--credits", action="store_true",
                   help="opening and closing credits (title and author; \"The end.\") as their own chapter files")
    p.add_argument("--captions", metavar="FORMATS", default="",
                   help="captions of each chapter and the book, one cue per sentence: srt, vtt or srt,vtt")
    p.add_argument("--readalong", action="store_true",
                   help="also write <book>.readalong.epub: the text lit sentence by sentence as the audio plays (EPUB 3)")
    p.add_argument("--max-chars", type=int, help="longest synthesis chunk in characters (default: the backend's)")
    p.add_argument("--lexicon", help="pronunciation lexicon, TOML or TSV: word -> how to say it (report.html suggests entries)")
    p.add_argument("--batch-size", type=int, default=8, help="chunks per synthesis task (default 8)")
    p.add_argument("--no-qa", action="store_true", help="skip chunk QA (signal checks and ASR round trip)")
    p.add_argument("--asr-model", default="auto", help="faster-whisper model for QA: auto (tiny.en for English, its failures "
                   "heard again by base; base for other languages), tiny.en, base, a size/id or a local dir (default auto)")
    p.add_argument("--max-retakes", type=int, default=2, help="new takes of a chunk that fails QA (default 2)")
    p.add_argument("--allow-failures", action="store_true", help="assemble chapters with the best take of chunks that still fail QA")
    for name, default in Pauses().model_dump().items():
        p.add_argument(f"--{name.replace('_', '-')}-pause", type=float, default=default, dest=f"pause_{name}",
                       help=f"seconds of silence: {Pauses.model_fields[name].description} (default {default})")
    p.add_argument("--notes", choices=("skip", "inline", "end"), default="skip",
                   help="footnotes and endnotes: skip (default), inline (read after the sentence with the marker), "
                   "end (read at the chapter's end)")
    p.add_argument("--keep", metavar="KINDS", default="",
                   help=f"left-out text to read anyway, comma-separated: {', '.join(sorted(KEEPABLE))}")
    p.add_argument("--chapter-level", type=int, metavar="N",
                   help="TOC level whose entries are chapters (default: chosen per book; the dry-run says which)")
    limits = TextLimits()
    p.add_argument("--max-paragraph-chars", type=int, metavar="N", default=limits.paragraph_chars,
                   help=f"split a longer paragraph at sentence ends (default {limits.paragraph_chars:,})")
    p.add_argument("--max-book-paragraphs", type=int, metavar="N", default=limits.book_paragraphs,
                   help=f"refuse a book with more paragraphs (default {limits.book_paragraphs:,})")
    p.add_argument("--max-book-chars", type=int, metavar="N", default=limits.book_chars,
                   help=f"refuse a book with more characters (default {limits.book_chars:,})")
    p.add_argument("--no-emotion", action="store_true", help="narrate every passage neutrally")
    p.add_argument("--emotion-model", help="text-classification model (hub id or local dir) for emotion tags; "
                   "mlask: Japanese books tagged from ML-Ask's emotion lexicon")
    p.add_argument("--emotion-share", type=float, default=0.3, help="most passages given a non-neutral tag (default 0.3)")
    p.add_argument("--styles", help="TOML file overriding how each backend voices each emotion tag")
    p.add_argument("--chapters", metavar="LIST", help=NarrationOptions.model_fields["chapters"].description)
    p.add_argument("--dry-run", action="store_true", help="print the plan without synthesizing")
    p.add_argument("--json", action="store_true", help="print the plan (--dry-run) or the results as JSON")
    p.add_argument("--text", action="store_true",
                   help="with --dry-run: print every chapter's text as the voice will read it, a paragraph a line")
    add_scaleout_arguments(p)
    p.add_argument("--wait", action="store_true",
                   help="when another run is narrating a book, wait for it to end (default: stop, exit 3)")
    p.add_argument("--prefect", action="store_true",
                   help="run each book as a Prefect flow run even without a Prefect server (a temporary one); "
                   "with PREFECT_API_URL set or --dask, books always run as flow runs")
    p.add_argument("-v", "--verbose", action="store_true", help="show library and Prefect logs")


def add_scaleout_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dask", metavar="CLUSTER",
                   help="run tasks on Dask: local (2 worker processes), local:N, or a scheduler address "
                   "tcp://host:8786 (needs PREFECT_API_URL; sets NARRATION_DASK)")
    p.add_argument("--dask-synth-resources", metavar="NAME=N",
                   help="Dask worker resources each synthesis batch needs, e.g. GPU=1 "
                   "(workers started with --resources GPU=1; sets NARRATION_DASK_SYNTH_RESOURCES)")


def scaleout_error(args: argparse.Namespace) -> str | None:
    """Turn the flags into the environment the flows read (and Prefect workers inherit), then
    check it, so a bad address is one line before anything runs; the problem, or None."""
    from flows.scaleout import (
        DASK_ENV,
        RESOURCES_ENV,
        synthesis_resources,
        task_runner_from_env,
    )

    if args.dask:
        os.environ[DASK_ENV] = args.dask
    if args.dask_synth_resources:
        os.environ[RESOURCES_ENV] = args.dask_synth_resources
    try:
        task_runner_from_env()
        synthesis_resources()
    except NarrationError as exc:
        return str(exc)
    return None


def options_from_args(args: argparse.Namespace) -> NarrationOptions:
    pauses = Pauses(**{name: getattr(args, f"pause_{name}") for name in Pauses.model_fields})
    return NarrationOptions(
        ingest=IngestOptions(notes=args.notes, keep=args.keep, chapter_level=args.chapter_level,
                             limits=TextLimits(paragraph_chars=args.max_paragraph_chars,
                                               book_paragraphs=args.max_book_paragraphs, book_chars=args.max_book_chars)),
        synthesis=SynthesisSettings(backend=args.backend, model=args.model, quantization=args.quantization,
                                    voice=args.voice, speed=args.speed, max_chars=args.max_chars,
                                    lexicon=args.lexicon, batch_size=args.batch_size),
        emotion=EmotionSettings(enabled=not args.no_emotion, model=args.emotion_model, max_share=args.emotion_share,
                                styles=args.styles),
        qa=QASettings(enabled=not args.no_qa, asr_model=args.asr_model, max_retakes=args.max_retakes,
                      allow_failures=args.allow_failures),
        assembly=AssemblySettings(format=args.format, bitrate=args.bitrate,
                                  loudness=None if args.no_loudnorm else args.loudness, m4b=not args.no_m4b,
                                  pauses=pauses, captions=args.captions, readalong=args.readalong,
                                  profile=args.profile, credits=args.credits),
        chapters=args.chapters,
    )


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
        table.add_row(str(ch.get("number", n)), plain(ch["title"]), _hms(ch["estimated_seconds"]), str(ch["words"]),
                      plain(f"{ch['first_words']} ... {ch['last_words']}"))
    console.print(table)
    total = sum(c["words"] for c in doc["chapters"])
    of = f" of {doc['of_chapters']} (--chapters; no M4B until the whole book is narrated)" if "of_chapters" in doc else ""
    say(console, f"{len(doc['chapters'])} chapters{of}, {total} words, about {_hms(doc['estimated_seconds'])} of audio")
    say(console, language_line(doc))
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
            plain(f": {len(r.chapters)} chapters, {_hms(r.audio_seconds)} of audio in {_hms(r.wall_seconds)} "
                  f"(real-time factor {rtf:.3f}), {r.synthesized}/{r.chunks} chunks synthesized"),
        ))
        say(console, f"  -> {r.m4b or r.root}", soft_wrap=True)
        if r.retakes:
            say(console, f"  {r.retakes} chunk retake(s) after QA; see {Path(r.root) / 'report.html'}")
    if len(results) > 1:
        audio = sum(r.audio_seconds for r in results)
        say(console, f"total: {_hms(audio)} of audio in {_hms(wall)} (real-time factor {wall / audio if audio else 0:.3f})")


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def fail(message: str, code: int = 2) -> int:
    say(stderr, f"narrate: error: {message}", soft_wrap=True)
    return code


def add_status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    p.add_argument("--json", action="store_true", help="print the status as JSON")


def status_main(args: argparse.Namespace) -> int:
    try:
        doc = status_for_book(args.out, args.book)
    except NarrationError as exc:
        return fail(str(exc))
    if args.json:
        dump_json(doc)
        return 0
    table = Table(title=plain(f"{args.book.name}: {doc['done']}/{doc['total']} done, {doc['failed']} failed, "
                              f"{doc['pending']} pending"))
    for col in ("#", "chapter", "state", "done", "failed", "pending"):
        table.add_column(col)
    for ch in doc["chapters"]:
        table.add_row(str(ch["index"] + 1), plain(ch["title"]), ch["state"], str(ch["done"]), str(ch["failed"]),
                      str(ch["pending"]))
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


PRUNE_DESCRIPTION = (
    "Delete a book's chunk takes and chapter files that its last run's plan no longer uses "
    "(left by edits, another voice or options). Run it when no run of the book is in progress."
)


def add_prune_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted")


def prune_main(args: argparse.Namespace) -> int:
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


VERIFY_DESCRIPTION = (
    "Check a narrated book's store and outputs against what was recorded when they were written: every take "
    "of its last plan (a whole WAV with the size and SHA-256 it was stored with), each chapter file and master, "
    "and the M4B. Changes nothing and says what a run would redo; with --repair, moves what is damaged aside "
    "and narrates the book again with the options of its last run, redoing only that. Exit 0 when all is whole, "
    "1 when something is (or stays) damaged or missing."
)


def add_verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK", help="the book's source file (as given to narrate)")
    p.add_argument("--out", type=Path, default=Path("outputs"), help="output folder the book was narrated into")
    p.add_argument("--repair", action="store_true", help="redo what is damaged or missing")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")


def verify_main(args: argparse.Namespace) -> int:
    from narration.store.lock import book_lock
    from narration.store.verify import verify_book

    layout = BookLayout.for_book(args.out, args.book)
    try:
        options = pipeline.stored_options(layout)
        with book_lock(layout):
            found = verify_book(layout, m4b=options.assembly.m4b if options else layout.m4b.exists())
        if args.repair and not found.ok:
            if options is None:
                return fail(f"{layout.options}: no options recorded for this book (narrated by an earlier version): "
                            "narrate it again with the options it was narrated with")
            if not args.book.is_file():
                return fail(f"{args.book}: --repair needs the book's source file, to narrate what is missing again")
            if not args.json:
                print_verification(found, False)
                say(stderr, f"repairing: narrating {args.book} again with its last run's options", soft_wrap=True)
            with stopped_by_signals():
                pipeline.narrate(args.book, args.out, options)
            with book_lock(layout):
                found = verify_book(layout, m4b=options.assembly.m4b)
    except NarrationError as exc:  # not narrated, locked by a run (exit 3), an incomplete repair
        return fail(str(exc), getattr(exc, "exit_code", 2))
    except Stopped as stop:
        return fail(f"repair stopped by {signal.Signals(stop.signum).name}; run it again to go on", 128 + stop.signum)
    print_verification(found, args.json)
    return 0 if found.ok else 1


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
    if found.ok:
        say(console, f"{found.book}: whole ({found.takes} takes, their chapters and the audiobook verified)")
    else:
        redo = len(found.missing) + len(found.damaged)
        say(console, f"{found.book}: {redo} take(s) to synthesize, {len(found.chapters)} chapter(s) to assemble"
                     f"{', the audiobook to make' if found.audiobook else ''}"
                     f"{', ' + ' and '.join(w for w, _ in found.timed_text) + ' to make' if found.timed_text else ''}"
                     "; `narrate verify --repair` does it")


def add_deployment_arguments(p: argparse.ArgumentParser) -> None:
    """The options ``narrate serve`` and ``narrate deploy`` share."""
    p.add_argument("--inputs", default="inputs", help="folder the scheduled bulk run scans (default inputs/)")
    p.add_argument("--out", default="outputs", help="output folder (default outputs/)")
    p.add_argument("--cron", default="0 2 * * *", help="bulk scan schedule, cron syntax (default: 02:00 daily)")
    add_scaleout_arguments(p)


SERVE_DESCRIPTION = (
    "Register and serve the Prefect deployments (bulk-narrate on a schedule, narrate-book, "
    "rerun-failed-chunks). Needs a Prefect server: set PREFECT_API_URL (see README, Dashboard)."
)


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    add_deployment_arguments(p)
    p.add_argument("--limit", type=int, help="most flow runs at once (default: no limit)")


def deployment_roots_error(args: argparse.Namespace) -> str | None:
    """``--inputs`` and ``--out`` against ``NARRATION_ALLOWED_ROOTS``, which the deployments'
    runs check them against (defaults outside would fail every run); the problem, or None.
    Unset: a note that the deployments take any path."""
    try:
        if allowed_roots():
            check_allowed({"--inputs": args.inputs, "--out": args.out})
            return None
    except NarrationError as exc:
        return str(exc)
    stderr.print(f"narrate: note: {ROOTS_ENV} is not set, so whoever reaches the Prefect API can have these deployments "
                 "read and write any path this user can (README: Trust model)", markup=False, highlight=False,
                 soft_wrap=True)
    return None


def serve_main(args: argparse.Namespace) -> int:
    if error := scaleout_error(args) or deployment_roots_error(args):
        return fail(error)
    from flows.deployments import serve_all

    shown_logs()
    serve_all(str(Path(args.inputs).resolve()), str(Path(args.out).resolve()), args.cron, args.limit)
    return 0


DEPLOY_DESCRIPTION = (
    "Register the deployments (bulk-narrate on a schedule, narrate-book, rerun-failed-chunks) "
    "on a Prefect work pool, for `prefect worker start --pool POOL` on machines with narration installed "
    "and the same paths mounted. Needs a Prefect server: set PREFECT_API_URL (see README, Scale-out)."
)


def add_deploy_arguments(p: argparse.ArgumentParser) -> None:
    add_deployment_arguments(p)
    p.add_argument("--pool", required=True, help="work pool name (created as a process pool if missing)")


def deploy_main(args: argparse.Namespace) -> int:
    if error := scaleout_error(args) or deployment_roots_error(args):
        return fail(error)
    from flows.scaleout import configured_api_url

    if not configured_api_url():  # a temporary server would vanish with this command
        return fail("narrate deploy needs a Prefect server: start one (prefect server start) and set PREFECT_API_URL")
    from flows.deployments import deploy_all

    shown_logs()
    ids = deploy_all(args.pool, str(Path(args.inputs).resolve()), str(Path(args.out).resolve()), args.cron)
    print(shown(f"{len(ids)} deployments on work pool {args.pool}; start workers with: prefect worker start --pool {args.pool}"))
    return 0


CLASSIFY_DESCRIPTION = (
    "Read one passage per line on stdin; print its emotion tag and score per line "
    "(the narration's default model, without the restraint rules)."
)


def add_classify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help='one {"label": ..., "score": ...} per line')
    p.add_argument("--model", help="text-classification model (hub id or local dir), or mlask (Japanese); "
                   "default: the bundled one")


def classify_main(args: argparse.Namespace) -> int:
    from narration.emotion import classify_texts, load_classifier

    texts = [line.rstrip("\n") for line in sys.stdin]
    try:
        results = classify_texts(texts, load_classifier(args.model)) if texts else []
    except NarrationError as exc:
        return fail(str(exc))
    for result in results:
        print(json_shown(result) if args.json else shown(result["label"]) + f"\t{result['score']:.3f}")
    return 0


@dataclass(frozen=True)
class Command:
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    "run": Command("narrate books (the default command: `narrate BOOK...` is `narrate run BOOK...`)",
                   RUN_DESCRIPTION, add_run_arguments, lambda args: run_main(args)),
    "status": Command("done / failed / pending chunks of a book, per chapter",
                      "Done / failed / pending chunks of a book, per chapter.", add_status_arguments, status_main),
    "prune": Command("delete takes and chapter files the book's plan no longer uses", PRUNE_DESCRIPTION,
                     add_prune_arguments, prune_main),
    "verify": Command("check a book's takes and outputs; --repair redoes what is damaged", VERIFY_DESCRIPTION,
                      add_verify_arguments, verify_main),
    "serve": Command("serve the Prefect deployments and the bulk schedule", SERVE_DESCRIPTION, add_serve_arguments,
                     serve_main),
    "deploy": Command("register the deployments on a Prefect work pool", DEPLOY_DESCRIPTION, add_deploy_arguments,
                      deploy_main),
    "classify": Command("emotion tag of each line on stdin", CLASSIFY_DESCRIPTION, add_classify_arguments,
                        classify_main),
    "check": Command("measure audio files against a delivery profile (acx)", CHECK_DESCRIPTION, add_check_arguments,
                     check_main),
}
DEFAULT_COMMAND = "run"


def build_parser() -> argparse.ArgumentParser:
    """One parser with a sub-parser per command."""
    p = argparse.ArgumentParser(
        prog="narrate",
        description=RUN_DESCRIPTION,
        usage="narrate [COMMAND] ...",
        epilog="Without a command, narrate narrates: `narrate book.epub` is `narrate run book.epub`. A book file "
        "named like a command is narrated when given as a path: `narrate ./status`. `narrate COMMAND --help` "
        "lists a command's options.",
    )
    commands = p.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, prog=f"narrate {name}", help=command.help, description=command.description)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.run)
    return p


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parsed arguments; anything that does not start with a command (or the top-level --help) is a run."""
    argv = list(argv)
    parser = build_parser()
    if not argv:
        parser.error("give the books to narrate, or a command (narrate --help lists them)")
    if argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv = [DEFAULT_COMMAND, *argv]
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `narrate ... | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(getattr(args, "verbose", False))  # warnings quote titles and file names: through ``shown`` too
    return args.handler(args)


Planned = list[tuple[BookPlan, BookLayout]]


class Stopped(BaseException):
    """SIGINT or SIGTERM arrived during a run (a BaseException, like KeyboardInterrupt, so no
    ``except Exception`` on the way swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Turn the first SIGINT or SIGTERM into ``Stopped`` in the main thread, so the run unwinds
    (takes are written atomically, the book's lock and any temporary Prefect server go with the
    process cleanly); a second signal stops at once, as the default handlers do."""

    def stop(signum: int, frame: object) -> None:
        for name in (signal.SIGINT, signal.SIGTERM):
            signal.signal(name, signal.SIG_DFL)
        raise Stopped(signum)

    previous = {name: signal.signal(name, stop) for name in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)


def uses_prefect(args: argparse.Namespace) -> bool:
    """Whether the books run as Prefect flow runs: with a Prefect server to record them (the
    dashboard, retries from it), on Dask, or when asked (--prefect). Otherwise they run in this
    process through ``narration.narrate()``: the same steps and store without a temporary server
    that nobody could look at (its start and bookkeeping cost a tenth of a 5,000-word book's CPU)."""
    from flows.scaleout import DASK_ENV, configured_api_url

    return bool(args.prefect or os.environ.get(DASK_ENV) or configured_api_url())


def each_book(planned: Planned, narrate_one: Callable[[BookPlan, BookLayout], Any]) -> tuple[list, list]:
    """``narrate_one`` for every planned book: the results, and the messages of books left
    incomplete (one book's failed chunks do not stop the others)."""
    from narration.run.results import BookIncomplete

    results, failures = [], []
    for plan, layout in planned:
        try:
            results.append(narrate_one(plan, layout))
        except BookIncomplete as exc:
            failures.append(str(exc))
    return results, failures


def run_in_process(
    planned: Planned, out: Path, options: NarrationOptions, progress: RichProgress, *, wait: bool = False
) -> tuple[list, list]:
    """Each planned book through ``narrate()``, one voice loaded for all of them."""
    from narration import Narrator

    with Narrator() as narrator:
        return each_book(planned, lambda plan, layout: pipeline.narrate(
            plan.source, out, options, on_progress=progress, narrator=narrator, planned=(plan, layout), wait=wait))


def run_flows(planned: Planned, out: Path, options: NarrationOptions, progress: RichProgress) -> tuple[list, list]:
    """Each planned book as a run of the ``narrate-book`` flow."""
    from flows.book import PlannedBook, narrate_book, set_progress_listener

    shown_logs()  # Prefect's console handler, put in place by its import
    set_progress_listener(progress)
    try:
        return each_book(planned, lambda plan, layout: narrate_book(
            str(plan.source), str(out), options, PlannedBook(plan, layout)))
    finally:
        set_progress_listener(None)


def cancel_flow_runs(message: str) -> None:
    """The flow runs a signal stopped, marked Cancelled (best effort: the server may be gone)."""
    from flows.book import cancel_started_runs

    try:
        cancel_started_runs(message)
    except Exception as exc:  # noqa: BLE001  (the stop itself must still be reported)
        logging.getLogger(__name__).warning("could not mark the stopped flow runs cancelled: %s", exc)


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


def output_clash(books: Sequence[Path], out: Path) -> str | None:
    """Two books of one command that would be narrated into one folder (``a/tiny.md`` and
    ``b/tiny.md`` both into ``out/tiny/``): the second would overwrite the first. The problem,
    or None. Folder names are compared ignoring case, as a case-insensitive file system would."""
    seen: dict[str, Path] = {}
    for book in books:
        root = BookLayout.for_book(out, book).root
        other = seen.setdefault(str(root).casefold(), book)
        if other is book:
            continue
        if other.resolve() == book.resolve():
            return f"{book}: the same book as {other}, given twice"
        return (f"{other} and {book} would both be narrated into {root}{os.sep} (one would overwrite the other): "
                "rename one, or narrate them with different --out folders")
    return None


def output_problem(out: Path, folders: Sequence[Path]) -> str | None:
    """Why the run could not write its outputs under ``out`` or the book ``folders`` in it (a
    file where a folder must be, a folder without write permission, a read-only file system),
    or None. A folder not made yet needs its nearest existing parent writable. Besides the
    permission bits (which do not stop root) each such folder is tried with an empty folder
    made and removed at once, so NFS root squash and the like are found too; nothing stays."""
    tried: set[Path] = set()
    for folder in (out, *folders):
        path = folder
        while not os.path.lexists(path) and path != path.parent:
            path = path.parent
        if path in tried:
            continue
        tried.add(path)
        where = f"--out {out}: " + ("" if path == out else f"{path} ")
        if not path.is_dir():
            return where + ("exists and is not a folder" if path == out else "is not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
            return where + ("is on a read-only file system" if read_only else "is not writable (no write permission)")
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".narrate-write-check-", dir=path))
        except OSError as exc:
            return where + f"cannot be written to ({exc.strerror or exc})"
    return None


def run_main(args: argparse.Namespace) -> int:
    try:
        with stopped_by_signals():  # reading and planning a long book takes seconds: Ctrl-C is clean there too
            return _run_main(args)
    except Stopped as stop:  # before the run began: nothing was written
        return fail(f"stopped by {signal.Signals(stop.signum).name} before the run began", 128 + stop.signum)


def _run_main(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
        for book in args.books:  # NARRATION_ALLOWED_ROOTS, when set, binds the command line as it does the flows
            check_allowed({"BOOK": book, "--out": args.out}, options)
        if clash := output_clash(args.books, args.out):
            return fail(clash)
        # Every book is read and planned before anything is synthesized: a bad file fails fast
        # and nothing is written for any book. These plans (script edits included, ``auto``
        # resolved) are what the dry-run prints and what the flow runs execute.
        planned = [pipeline.plan(path, args.out, options) for path in args.books]
        plans = [plan for plan, _layout in planned]
    except NarrationError as exc:
        return fail(str(exc))
    except ValidationError as exc:
        return fail("; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
                              for e in exc.errors()))

    # An unusable --out is found once the books are read, before anything is written (a lock
    # file included): one line, not a traceback midway.
    folders = [p for _plan, lay in planned for p in (lay.root, lay.work, lay.chapters)]
    if not args.dry_run and (problem := output_problem(args.out, folders)):
        return fail(problem)
    if not (args.dry_run or args.wait):  # one run per book: another run's book is refused up front
        from narration.errors import BookLocked
        from narration.store.lock import locked_by

        for _plan, layout in planned:
            if holder := locked_by(layout):
                return fail(str(BookLocked(layout.root, holder)), BookLocked.exit_code)

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

    if error := scaleout_error(args):
        return fail(error)
    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        # Libraries that print (model loaders do) must not corrupt the --json document on stdout.
        # The bar only on a terminal: in a log (cron, a pipe) its frozen last frame would be noise
        # around the lines that matter (a book refused because another run holds it, the summary).
        bar_shown = Progress(*columns, console=stderr, disable=not stderr.is_terminal)
        with stopped_by_signals(), contextlib.redirect_stdout(sys.stderr), bar_shown as bar:
            if uses_prefect(args):
                results, failures = run_flows(planned, args.out, options, RichProgress(bar))
            else:
                results, failures = run_in_process(planned, args.out, options, RichProgress(bar), wait=args.wait)
    except NarrationError as exc:  # BookLocked: another run holds a book (exit 3)
        return fail(str(exc), getattr(exc, "exit_code", 2))
    except Stopped as stop:
        if uses_prefect(args):
            cancel_flow_runs(f"stopped by {signal.Signals(stop.signum).name}")
        say(stderr, f"narrate: stopped by {signal.Signals(stop.signum).name}; every finished take is kept: "
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
        if options.chapters is not None:
            say(stderr, f"narrate: only chapters {options.chapters} made: no M4B; narrate the book without --chapters "
                "to make the rest and the M4B (every take made now is reused)", soft_wrap=True)
    for message in failures:
        say(stderr, f"narrate: incomplete: {message}", soft_wrap=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
