"""The deployments: a scheduled bulk scan of the inbox, one book on demand (a validated form in
the dashboard), and a rerun of failed or named chunks. ``narrate serve`` runs them in its own
process; ``narrate deploy`` puts them on a work pool for Prefect workers on other machines."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import deploy, flow, get_run_logger, serve
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments import run_deployment
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker

import flows  # noqa: F401  (Prefect defaults before Prefect is imported)
from flows.book import BookResult, narrate_book
from flows.scaleout import DASK_ENV, RESOURCES_ENV
from narration.allowed_roots import ENV as ROOTS_ENV
from narration.allowed_roots import check_allowed
from narration.options import NarrationOptions
from narration.run.books import clashes
from narration.run.inbox import Ledger, new_books, scan_books
from narration.store.layout import BookLayout
from narration.store.lock import locked_by
from narration.store.manifest import Manifest

BOOK_DEPLOYMENT = "narrate-book/narrate-book"


@flow(name="bulk-narrate")
def bulk_narrate(inputs: str = "inputs", out_dir: str = "outputs", options: NarrationOptions | None = None) -> list[str]:
    """Start one narrate-book run per new or changed book in ``inputs``; returns the runs' ids."""
    options = options or NarrationOptions()
    check_allowed({"inputs": inputs, "out_dir": out_dir}, options)  # before the ledger; each book's run checks its own
    logger = get_run_logger()
    ledger = Ledger(Path(out_dir) / ".inbox.sqlite")
    started = []
    # Books bound for one folder (a/tiny.md and b/tiny.epub into out_dir/tiny/): the first in
    # path order is narrated, each later one skipped on every scan until it is renamed.
    clashing = {Path(clash.path): str(clash) for clash in clashes(scan_books(inputs), Path(out_dir))}
    for book in new_books(inputs, ledger, options):
        if book.path in clashing:
            ledger.release(book)
            logger.warning("skipped %s", clashing[book.path])
            continue
        holder = locked_by(BookLayout.for_book(out_dir, book.path))
        if holder is not None:  # a run of it is under way (a manual one, say): the next scan tries again
            ledger.release(book)
            logger.warning("skipped %s: already being narrated by %s", book.path, holder)
            continue
        try:
            run = run_deployment(
                BOOK_DEPLOYMENT,
                parameters={"book_path": str(book.path), "out_dir": out_dir, "options": options.model_dump()},
                timeout=0,  # queue it; the serve process runs it
            )
        except Exception:
            ledger.release(book)  # not queued after all: the next scan tries again
            raise
        ledger.set_run(book, str(run.id))
        logger.info("queued %s as run %s", book.path, run.id)
        started.append(str(run.id))
    return started


@flow(name="rerun-failed-chunks")
def rerun_failed_chunks(
    book_path: str, out_dir: str = "outputs", chunk_ids: list[int] | None = None, options: NarrationOptions | None = None
) -> BookResult:
    """Resynthesize a book's failed chunks, or the named ones (0-based book-order indices, which
    get a fresh take even if they were done), then assemble what they complete."""
    check_allowed({"book_path": book_path, "out_dir": out_dir}, options)  # before any take is moved aside
    layout = BookLayout.for_book(out_dir, book_path)
    if chunk_ids:
        wanted = set(chunk_ids)
        for record in Manifest(layout.manifest).records():
            take = layout.chunk_audio(record.key)
            if record.index in wanted and take.exists():
                # Kept aside, not deleted: a retake that fails must not lose the old one.
                aside = layout.replaced_take(record.key)
                aside.parent.mkdir(parents=True, exist_ok=True)
                take.replace(aside)
    # Everything stored is reused, so this synthesizes exactly the missing chunks.
    return narrate_book(book_path, out_dir, options)


def _deployments(inputs: str, out_dir: str, cron: str, **extra: Any) -> list[RunnerDeployment]:
    params = {"inputs": inputs, "out_dir": out_dir}
    return [
        bulk_narrate.to_deployment(name="bulk-narrate", cron=cron, parameters=params,
                                   description=f"Narrate new or changed books in {inputs} on a schedule", **extra),
        narrate_book.to_deployment(name="narrate-book", parameters={"out_dir": out_dir},
                                   description="Narrate one book", **extra),
        rerun_failed_chunks.to_deployment(name="rerun-failed-chunks", parameters={"out_dir": out_dir},
                                          description="Resynthesize failed (or named) chunks of a book", **extra),
    ]


def serve_all(inputs: str, out_dir: str, cron: str, limit: int | None = None) -> None:
    """Register the deployments and run their flow runs in this process until interrupted."""
    serve(
        *_deployments(inputs, out_dir, cron),
        pause_on_shutdown=False,  # stopping the server process must not pause the schedule
        limit=limit,
    )


def deploy_all(pool: str, inputs: str, out_dir: str, cron: str) -> list[UUID]:
    """Register the deployments on a work pool, so that ``prefect worker start --pool POOL`` on
    any machine with narration installed (and the same paths mounted) runs them.

    A missing pool is created as a process pool. The flows are found by module path (the
    installed package), not by a file on this machine; the Dask settings and allowed roots of this
    process travel in each run's environment (``worker_env``).
    """
    _ensure_process_pool(pool)
    env = worker_env()
    deployments = _deployments(inputs, out_dir, cron, entrypoint_type=EntrypointType.MODULE_PATH,
                               job_variables={"env": env} if env else None)
    return deploy(*deployments, work_pool_name=pool, build=False, push=False,
                  print_next_steps_message=False, ignore_warnings=True)


def worker_env() -> dict[str, str]:
    """The settings of this process that the runs on workers need: Dask's, and the allowed roots
    (so a worker's runs are confined as this machine's would be)."""
    return {name: os.environ[name] for name in (DASK_ENV, RESOURCES_ENV, ROOTS_ENV) if os.environ.get(name)}


def _ensure_process_pool(name: str) -> None:
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=name, type="process", base_job_template=ProcessWorker.get_default_base_job_template(),
            ))
