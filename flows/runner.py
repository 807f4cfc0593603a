"""``narrate run``'s Prefect runner: each planned book as a run of the ``narrate-book`` flow, on
Prefect's threads or a Dask cluster. Registered as the ``narration.runners`` entry point
``prefect`` (pyproject.toml), so the CLI in ``narration.cli`` finds it without importing
``flows``. Prefect is imported only when a book runs this way (``narrate --help`` stays fast)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from narration.errors import NarrationError

NAME = "prefect"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scaleout_arguments(p)
    p.add_argument("--prefect", action="store_true",
                   help="run each book as a Prefect flow run even without a Prefect server (a temporary one); "
                   "with PREFECT_API_URL set or --dask, books always run as flow runs")


def add_scaleout_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dask", metavar="CLUSTER",
                   help="run tasks on Dask: local (2 worker processes), local:N, or a scheduler address "
                   "tcp://host:8786 (needs PREFECT_API_URL; sets NARRATION_DASK)")
    p.add_argument("--dask-synth-resources", metavar="NAME=N",
                   help="Dask worker resources each synthesis batch needs, e.g. GPU=1 "
                   "(workers started with --resources GPU=1; sets NARRATION_DASK_SYNTH_RESOURCES)")


def problem(args: argparse.Namespace) -> str | None:
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


def wanted(args: argparse.Namespace) -> bool:
    """Whether the books run as Prefect flow runs: with a Prefect server to record them (the
    dashboard, retries from it), on Dask, or when asked (--prefect). Otherwise they run in the
    CLI's process through ``narration.narrate()``: the same steps and store without a temporary
    server that nobody could look at (its start and bookkeeping cost a tenth of a 5,000-word
    book's CPU)."""
    from flows.scaleout import DASK_ENV, configured_api_url

    return bool(args.prefect or os.environ.get(DASK_ENV) or configured_api_url())


def run(planned: list[tuple[Any, Any]], out: Path, options: Any, progress: Any) -> tuple[list, list]:
    """Each plan of ``narration.run.books.plan_books`` as a run of the ``narrate-book`` flow: the
    results, and the messages of books left incomplete."""
    from flows.book import PlannedBook, narrate_book, set_progress_listener
    from narration.cli.output import shown_logs
    from narration.run.books import each_book

    shown_logs()  # Prefect's console handler, put in place by its import
    set_progress_listener(progress)
    try:
        return each_book(planned, lambda plan, layout: narrate_book(
            str(plan.source), str(out), options, PlannedBook(plan, layout)))
    finally:
        set_progress_listener(None)


def cancel(message: str) -> None:
    """The flow runs a signal stopped, marked Cancelled (best effort: the server may be gone)."""
    from flows.book import cancel_started_runs

    try:
        cancel_started_runs(message)
    except Exception as exc:  # noqa: BLE001  (the stop itself must still be reported)
        logging.getLogger(__name__).warning("could not mark the stopped flow runs cancelled: %s", exc)
