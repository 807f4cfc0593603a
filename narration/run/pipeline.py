"""The narration pipeline: its steps as plain functions, ``STEPS`` (the run written once, as
data) and ``narrate()``, which runs them in this process.

    prepare -> tag-emotions (a first run) -> write-script -> start-run -> render-batch (each
    batch) -> assemble-chapter (each chapter) -> check-mastering -> qa-report -> assemble-book,
    captions-and-readalong -> finish-run

Each step is a function of its inputs and the book's folder (``BookLayout``): the chunk store,
the manifest and every output live there, so a step can run again after a crash, in another
thread or on another machine. ``execute()`` runs ``STEPS`` on an executor
(``narration.run.runner``): ``narrate()`` on threads in this process; the Prefect flow
(``flows/book.py``) makes each step a task and adds only what Prefect gives: retries, result
caching, the dashboard, Dask and deployments. What a stopped run is marked, when the models are
unloaded and what is logged are ``execute()``'s, the same for both.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from narration.assembly import assemble_book, assemble_chapter, timed_text
from narration.cast import write_cast
from narration.emotion import EmotionSettings, PassageTag, load_classifier, tag_book
from narration.emotion.arc import plot_arc
from narration.emotion.mlask import languages_of
from narration.emotion.script import (
    paragraph_tags,
    read_script_base,
    write_script,
    write_script_base,
)
from narration.language import primary_language
from narration.mastering.master import master_chapter, part_paths
from narration.mastering.profiles import get_profile
from narration.mastering.record import record_check
from narration.model import Book, Chunk
from narration.options import NarrationOptions
from narration.qa.book_report import write_book_report
from narration.run.cast import write_speakers_base
from narration.run.narrator import Narrator
from narration.run.plan import BookPlan, ChapterPlan, plan_book
from narration.run.progress import NoProgress, ProgressListener
from narration.run.results import BookIncomplete, BookResult, ChapterResult
from narration.run.runner import Catalog, Executor, Step, ThreadExecutor, run_steps
from narration.run.takes import ChunkFailures, RenderedChunk, render_chunks
from narration.store import atomic, digests
from narration.store.chunk_keys import chunk_keys
from narration.store.layout import BookLayout, check_own_folder
from narration.store.lock import book_lock
from narration.store.manifest import ChunkRecord, Manifest
from narration.store.verify import (
    master_sha256,
    read_record,
    record_problem,
    write_record,
)
from narration.store.writable import check_writable

log = logging.getLogger(__name__)

Batch = tuple[list[Chunk], list[str]]


@dataclass
class Run:
    """One run of one book: its plan, where it lives, and the manifest's run."""

    plan: BookPlan
    layout: BookLayout
    options: NarrationOptions  # ``auto`` resolved for this book
    keys: list[str]  # one per chunk, in book order
    run_id: str
    cached: int  # chunks already stored when the run started
    started: float = field(default_factory=time.monotonic)

    @property
    def manifest(self) -> Manifest:
        return Manifest(self.layout.manifest)

    def chapter_keys(self, chapter: ChapterPlan) -> list[str]:
        first = chapter.chunks[0].index if chapter.chunks else 0
        return self.keys[first : first + len(chapter.chunks)]

    def making(self) -> tuple[list[ChapterPlan], int, int]:
        """The chapters this run makes (``--chapters``: only those), their chunks and how many of
        those are stored already: what ``ProgressListener.book_started`` is told."""
        making = self.plan.chapters_to_make()
        if not self.plan.partial:
            return making, len(self.keys), self.cached
        keys = [k for chapter in making for k in self.chapter_keys(chapter)]
        return making, len(keys), sum(self.layout.chunk_audio(k).exists() for k in keys)

    @property
    def keys_by_chapter(self) -> list[list[str]]:
        """Each chapter's chunk keys, in the plan's chapter order."""
        return [self.chapter_keys(c) for c in self.plan.chapters]

    def batches(self, chapter: ChapterPlan) -> list[Batch]:
        """The chapter's chunks in batches of ``options.synthesis.batch_size``, with their keys."""
        keys, size = self.chapter_keys(chapter), self.options.synthesis.batch_size
        return [(chapter.chunks[i : i + size], keys[i : i + size]) for i in range(0, len(keys), size)]


def plan(book_path: str | Path, out_dir: str | Path, options: NarrationOptions) -> tuple[BookPlan, BookLayout]:
    """Read and plan the book as a run will narrate it: with its edited script, if the book has
    one, and ``auto`` resolved. Writes nothing (the dry-run prints this plan); a book folder that is
    not narrate's alone (a symbolic link in it: ``check_own_folder``) is refused before its script is read."""
    layout = BookLayout.for_book(out_dir, book_path)
    check_own_folder(layout)
    return plan_book(book_path, options, layout.script, layout.script_base, cast_file=layout.cast,
                     own_lexicon=layout.lexicon), layout


def prepare(plan: BookPlan, layout: BookLayout) -> None:
    """Open the book's folder for a run of ``plan``: write ``book.json`` and the run's options.
    Leftover temporary files of a killed run are removed first: they are never used."""
    atomic.clean_temp_files(layout.root)
    atomic.write_text(layout.book_json, plan.book.to_json(indent=1))
    atomic.write_text(layout.options, plan.options.model_dump_json(indent=1))  # what ``verify --repair`` reruns with


def stored_options(layout: BookLayout) -> NarrationOptions | None:
    """The options the book's last run was made with (``auto`` resolved), None if none were
    recorded (a book narrated by an earlier version) or the record is damaged (with a warning:
    the next run of the book records them again)."""
    try:
        return NarrationOptions.model_validate_json(layout.options.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        log.warning("%s is damaged (%s): ignored; the next run of the book records its options again",
                    layout.options, str(exc).splitlines()[0])
        return None


def classify(
    book: Book, settings: EmotionSettings, speakers: Mapping[tuple[int, int, int], str | None] | None = None
) -> list[PassageTag]:
    """An emotion tag per paragraph; every passage neutral when the stage is off or the model
    does not read the book's language (then no model is loaded). ``speakers``: the cast's, so
    smoothing runs along each character's own lines."""
    classifier = None
    languages = languages_of(settings.model, settings.languages)
    if settings.enabled and primary_language(book.language) in languages:
        classifier = load_classifier(settings.model, settings.label_map, device=settings.device,
                                     batch_size=settings.batch_size, languages=languages)
    return tag_book(book, classifier, settings, speakers)


def tag(plan: BookPlan, layout: BookLayout, tags: list[PassageTag] | None) -> BookPlan:
    """The plan with its emotion tags, and the script, its base and the arc written.

    ``tags``: the classifier's (``classify``), needed only when the plan has none yet (a first
    run); later runs take them from the (maybe edited) script.
    """
    if plan.tags is None:
        if tags is None:
            raise ValueError("a first run needs the classifier's tags")
        plan = plan.with_tags(tags)
        model_tags = paragraph_tags(tags)  # per span
    else:  # without a (whole) base, the tags the script gives now stand in for the classifier's
        base = read_script_base(layout.script_base, warn=False)  # planning warned already
        model_tags = {key: tag for key, (_, tag) in base.items()} or paragraph_tags(plan.tags)
    speakers = plan.cast.script_speakers()
    write_script(layout.script, plan.book, plan.tags or [], speakers)
    write_script_base(layout.script_base, plan.source_book or plan.book, model_tags)
    write_speakers_base(layout.speakers_base, plan.cast.found_speakers())  # a person's edits stay edits
    if plan.cast.cast is not None:
        write_cast(layout.cast, plan.cast.cast)
    plot_arc(plan.book, plan.tags or [], layout.arc)
    return plan


def start_run(plan: BookPlan, layout: BookLayout, narrator: Narrator) -> Run:
    """Key every chunk, record the plan in the manifest and open a run."""
    options = plan.options
    keys = chunk_keys(plan.chunks, narrator.backend(options), options.synthesis.voice)
    manifest = Manifest(layout.manifest)
    manifest.set_plan(plan.chunks, keys, {ch.index: ch.title for ch in plan.chapters})  # credits are chapter -1
    run_id = manifest.start_run(uuid.uuid4().hex)
    cached = sum(layout.chunk_audio(k).exists() for k in keys)
    return Run(plan, layout, options, keys, run_id, cached)


def render_batch(
    chunks: list[Chunk], keys: list[str], layout: BookLayout, options: NarrationOptions, run_id: str, narrator: Narrator
) -> list[RenderedChunk]:
    """Synthesize, check and store one batch (``narration.run.takes``); raises ``ChunkFailures``."""
    return render_chunks(chunks, keys, layout, options, Manifest(layout.manifest), run_id, narrator=narrator)


def chapter_outputs(layout: BookLayout, chapter: ChapterPlan, options: NarrationOptions) -> tuple[Path, Path]:
    """The chapter's encoded file and its lossless master."""
    return layout.chapter_file(chapter.index, chapter.title, options.assembly.format), layout.chapter_master(chapter.index)


def _chapter_inputs(chapter: ChapterPlan, takes: list[str], options: NarrationOptions, album: str) -> str:
    """A digest of everything a chapter's files are made from: the takes' very bytes (a take
    made again after damage changes it), the pauses, titles and assembly options."""
    return digests.chapter_inputs(index=chapter.index, title=chapter.title, album=album, takes=takes,
                                  pauses=[c.pause_after for c in chapter.chunks], assembly=options.assembly.digest())


def _take_hashes(layout: BookLayout, keys: list[str]) -> list[str] | None:
    """The SHA-256 of each key's stored take, as recorded when it was stored; None if one has none."""
    found = Manifest(layout.manifest).fingerprints(keys)
    return [found[k].sha256 for k in keys] if all(k in found for k in keys) else None


def assembled_chapter(
    chapter: ChapterPlan, keys: list[str], layout: BookLayout, options: NarrationOptions, album: str
) -> ChapterResult | None:
    """The chapter as assembled before, when its file and master are whole (the sizes and
    SHA-256 recorded when they were made) and were made from these very inputs; else None."""
    return _assembled(chapter, _take_hashes(layout, keys), layout, options, album)


def _assembled(
    chapter: ChapterPlan, takes: list[str] | None, layout: BookLayout, options: NarrationOptions, album: str
) -> ChapterResult | None:
    record = read_record(layout.chapter_record(chapter.index))
    if record is None or takes is None:
        return None
    out, master = chapter_outputs(layout, chapter, options)
    files = part_paths(out, int(record.get("parts", 1)))  # a profile may split a long chapter
    names = {str(p.relative_to(layout.root)) for p in (*files, master)}
    if set(record["files"]) != names or record_problem(record, layout.root, _chapter_inputs(chapter, takes, options, album)):
        return None
    return ChapterResult(chapter.index, chapter.title, str(files[0]), float(record["duration"]))


def assemble_chapter_audio(
    chapter: ChapterPlan, keys: list[str], layout: BookLayout, options: NarrationOptions, album: str
) -> ChapterResult:
    """Join the chapter's stored chunks with their pauses into its file and master; a chapter
    already assembled from the same inputs, whose files verify, is reused as it is."""
    takes = _take_hashes(layout, keys)  # read once: the reuse check and the new record both need them
    done = _assembled(chapter, takes, layout, options, album)
    if done is not None:
        return done
    out, master = chapter_outputs(layout, chapter, options)
    pieces = [(layout.chunk_audio(key), chunk.pause_after) for key, chunk in zip(keys, chapter.chunks, strict=True)]
    tags = {"title": chapter.title, "album": album, "track": str(chapter.index + 1)}
    profile = get_profile(options.assembly.profile)
    if profile.mastering is None:
        result = assemble_chapter(pieces, out, master_path=master, pauses=options.assembly.pauses,
                                  fmt=options.assembly.format, bitrate=options.assembly.bitrate,
                                  loudness=options.assembly.loudness, tags=tags)
    else:  # seed: the room tone's noise, one per chapter (-1, the opening credits, gives 0)
        result = master_chapter(pieces, out, master_path=master, profile=profile, pauses=options.assembly.pauses,
                                bitrate=options.assembly.bitrate, tags=tags, seed=chapter.index + 1)
    files = list(result.parts)
    takes = takes or []
    write_record(layout.chapter_record(chapter.index), layout.root, _chapter_inputs(chapter, takes, options, album),
                 [*files, master], duration=result.duration, takes=takes, piece_starts=list(result.piece_starts),
                 **({"parts": len(files)} if len(files) > 1 else {}))
    return ChapterResult(chapter.index, chapter.title, str(files[0]), result.duration)


def assemble_audiobook(plan: BookPlan, chapters: list[ChapterResult], layout: BookLayout, options: NarrationOptions) -> str:
    """The chaptered M4B from the chapters' masters; the one made before is kept when it is whole
    and was made from the same masters, titles, tags and bitrate (encoding a long book takes minutes)."""
    book = plan.book
    masters = [master_sha256(layout, c.index) for c in chapters]
    inputs = digests.audiobook_inputs(chapters=[c.title for c in chapters], masters=masters, title=book.title,
                                      authors=book.authors, language=book.language, bitrate=options.assembly.bitrate,
                                      cover=book.cover.data if book.cover else None)
    if None not in masters and record_problem(read_record(layout.audiobook_record), layout.root, inputs) is None:
        return str(layout.m4b)
    m4b = assemble_book([(c.title, layout.chapter_master(c.index)) for c in chapters], layout.m4b,
                        title=book.title, authors=book.authors, language=book.language, cover=book.cover,
                        bitrate=options.assembly.bitrate)
    write_record(layout.audiobook_record, layout.root, inputs, [m4b], masters=masters)
    return str(m4b)


def write_timed_text(
    plan: BookPlan, chapters: list[ChapterResult], keys: list[list[str]], layout: BookLayout, options: NarrationOptions
) -> list[str]:
    """Captions (``--captions``) and the read-along EPUB (``--readalong``) of the assembled
    chapters, each sentence where it is spoken (``narration.assembly.timed_text``)."""
    return timed_text.write_timed_text(plan, chapters, keys, layout.root, options)


def check_mastering(layout: BookLayout, chapters: list[ChapterResult], options: NarrationOptions) -> bool:
    """Measure the chapter files against the run's profile (``acx`` for ``default``) and record
    it for the report and ``narrate status``; whether they pass."""
    return bool(record_check(layout, [c.index for c in chapters], options.assembly.profile)["passed"])


def write_report(layout: BookLayout, title: str, plan: BookPlan | None = None) -> str:
    """``report.html``: the QA report of the book's current plan, with each character's first line."""
    cast = plan.cast.first_lines(plan.chunks) if plan is not None else []
    return str(write_book_report(layout, title, cast))


def _missing(run: Run) -> list[ChunkRecord]:
    """The manifest's records of the chunks this run made whose audio is not stored: they failed
    (with ``--chapters``, the chapters left for later are not started, not failed)."""
    made = {c.index for c in run.plan.chapters_to_make()}
    return [r for r in run.manifest.records() if r.chapter in made and not run.layout.chunk_audio(r.key).exists()]


def failed_chunks(run: Run) -> list[int]:
    """Chunks of the plan whose audio is not stored: they failed."""
    return [r.index for r in _missing(run)]


def finish_run(run: Run, chapters: list[ChapterResult], m4b: str | None) -> BookResult:
    """Close the run in the manifest and say how it went; raises ``BookIncomplete`` naming the
    failed chunks, after everything that could be made was made."""
    manifest = run.manifest
    missing = _missing(run)
    last = manifest.last_run() or {}
    manifest.finish_run(run.run_id, "failed" if missing else "completed")
    result = BookResult(
        title=run.plan.book.title,
        root=str(run.layout.root),
        m4b=m4b,
        chapters=chapters,
        chunks=len(run.keys),
        synthesized=int(last.get("synthesized", 0)),
        retakes=int(last.get("retakes", 0)),
        failed=[r.index for r in missing],
        audio_seconds=sum(c.duration for c in chapters),
        wall_seconds=time.monotonic() - run.started,
    )
    if missing:
        named = "; ".join(f"#{r.index} (chapter {r.chapter + 1}): {r.last_error}" for r in missing[:10])
        raise BookIncomplete(
            f"{run.plan.book.title}: {len(missing)} chunk(s) failed, their chapters were not assembled: {named}"
            f"{' ...' if len(missing) > 10 else ''}. Rerun the book (or Retry the flow run) to redo only these."
        )
    return result


# The run, as data: each step's function, where its inputs come from and what it makes.
# Both executors run exactly these, in this order: ``narrate()`` below (``ThreadExecutor``) and
# the Prefect flow (``flows/book.py``, a task each).


def _untagged(catalog: Catalog) -> bool:
    return catalog["plan"].tags is None  # a first run: the classifier tags it (later runs read the script)


def _m4b_wanted(catalog: Catalog) -> bool:
    # --chapters: part of a book makes no M4B (nor whole-book captions): they wait for the whole book
    plan = catalog["plan"]
    return plan.options.assembly.m4b and not plan.partial and not failed_chunks(catalog["run"])


def _timed_text_wanted(catalog: Catalog) -> bool:
    assembly = catalog["plan"].options.assembly
    return bool(assembly.captions or assembly.readalong) and not catalog["plan"].partial and not failed_chunks(catalog["run"])


def _started(progress: ProgressListener, run: Run, catalog: Catalog) -> None:
    making, chunks, cached = run.making()  # --chapters: only these
    progress.book_started(run.plan.book.title, len(making), chunks, cached)


def _rendered(progress: ProgressListener, rendered: list[RenderedChunk], catalog: Catalog) -> None:
    progress.chunks_done(len(rendered), sum(r.duration for r in rendered))


def _assembled_one(progress: ProgressListener, chapter: ChapterPlan, catalog: Catalog) -> None:
    progress.chapter_done(chapter.index, chapter.title)


STEPS: tuple[Step, ...] = (
    Step("prepare", prepare, {"plan": "plan", "layout": "layout"}),
    Step("tag-emotions", classify, {"book": "plan.book", "settings": "plan.options.emotion", "speakers": "plan.cast.speakers"}, "tags", when=_untagged),
    Step("write-script", tag, {"plan": "plan", "layout": "layout", "tags": "tags"}, "plan"),
    Step("start-run", start_run, {"plan": "plan", "layout": "layout", "narrator": "narrator"}, "run",
         report=_started),
    Step("render-batch", render_batch, {"chunks": "chunks", "keys": "keys", "layout": "layout",
         "options": "plan.options", "run_id": "run.run_id", "narrator": "narrator"}, "batches", each="batch",
         report=_rendered),
    Step("assemble-chapter", assemble_chapter_audio, {"chapter": "chapter", "keys": "keys", "layout": "layout",
         "options": "plan.options", "album": "plan.book.title"}, "chapters", each="chapter", after="batches",
         report=_assembled_one),
    Step("check-mastering", check_mastering, {"layout": "layout", "chapters": "chapters", "options": "plan.options"}),
    # with QA off too: the report holds the mastering check
    Step("qa-report", write_report, {"layout": "layout", "title": "plan.book.title", "plan": "plan"}, "report"),
    Step("assemble-book", assemble_audiobook, {"plan": "plan", "chapters": "chapters", "layout": "layout",
         "options": "plan.options"}, "m4b", when=_m4b_wanted),
    Step("captions-and-readalong", write_timed_text, {"plan": "plan", "chapters": "chapters",
         "keys": "run.keys_by_chapter", "layout": "layout", "options": "plan.options"}, "timed_text",
         when=_timed_text_wanted),
    Step("finish-run", finish_run, {"run": "run", "chapters": "chapters", "m4b": "m4b"}, "result"),
)  # fmt: skip


def execute(
    plan: BookPlan, layout: BookLayout, executor: Executor, narrator: Narrator,
    progress: ProgressListener | None = None, *, keep_models: bool = False,
) -> BookResult:
    """Run ``STEPS`` for a planned book whose folder the caller holds (``book_lock``): the one
    orchestration both executors share. A run stopped (Ctrl-C, SIGTERM) or failed midway after it
    started is marked ``stopped`` in the manifest (``BookIncomplete`` closed it as ``failed``);
    the models are unloaded after the book, the run's end as it may be, unless ``keep_models``
    (a caller that narrates several books with one ``Narrator``)."""
    if plan.backend_note:
        executor.note(f"backend {plan.options.synthesis.backend}: {plan.backend_note}")
    catalog: Catalog = {"plan": plan, "layout": layout, "narrator": narrator}
    try:
        return run_steps(STEPS, catalog, executor, progress or NoProgress())["result"]
    except BaseException as exc:
        executor.stop()  # what is under way finishes first (files are written atomically)
        run: Run | None = catalog.get("run")
        if run is not None and not isinstance(exc, BookIncomplete):
            run.manifest.finish_run(run.run_id, "stopped")
        raise
    finally:
        executor.stop()
        if not keep_models:
            narrator.close()  # the next book (or another process) gets the GPU memory back


def narrate(
    book: str | Path,
    out_dir: str | Path = "outputs",
    options: NarrationOptions | None = None,
    *,
    on_progress: ProgressListener | None = None,
    narrator: Narrator | None = None,
    planned: tuple[BookPlan, BookLayout] | None = None,
    wait: bool = False,
) -> BookResult:
    """Narrate one book into ``out_dir/<book>/``: chapter files, a chaptered M4B, the script, the
    QA report. Chunks already stored are reused; a chapter with a failed chunk is not assembled
    and ``BookIncomplete`` is raised at the end, naming them (run again to redo only those).

    ``narrator``: loaded models to use (and keep) across books; without one, the models are
    loaded for this book and unloaded at the end. ``planned``: the book's plan and folder from
    ``plan()`` (the CLI's, made before anything runs), executed as it is. One run per book: if
    another run holds the book's folder, ``BookLocked`` is raised before anything is written, or
    with ``wait`` the run waits for it to end.
    """
    if planned is None:  # the checks plan_books makes for several books, for this one
        run_plan, layout = plan(book, out_dir, options or NarrationOptions())
        check_writable(Path(out_dir), [layout.root, layout.work, layout.chapters])
    else:
        run_plan, layout = planned
    with book_lock(layout, wait=wait):
        return execute(run_plan, layout, ThreadExecutor(ChunkFailures, log.info), narrator or Narrator(),
                       on_progress, keep_models=narrator is not None)
