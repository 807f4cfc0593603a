"""``narrate serve``: register and serve the Prefect deployments and the bulk schedule.
Registered as the ``narration.commands`` entry point ``serve`` (pyproject.toml); Prefect is
imported only when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.runner import add_scaleout_arguments, problem
from narration.allowed_roots import ENV as ROOTS_ENV
from narration.allowed_roots import allowed_roots, check_allowed
from narration.cli.output import fail, shown_logs, stderr
from narration.errors import NarrationError

NAME = "serve"
HELP = "serve the Prefect deployments and the bulk schedule"
DESCRIPTION = (
    "Register and serve the Prefect deployments (bulk-narrate on a schedule, narrate-book, "
    "rerun-failed-chunks). Needs a Prefect server: set PREFECT_API_URL (see README, Dashboard)."
)


def add_deployment_arguments(p: argparse.ArgumentParser) -> None:
    """The options ``narrate serve`` and ``narrate deploy`` share."""
    p.add_argument("--inputs", default="inputs", help="folder the scheduled bulk run scans (default inputs/)")
    p.add_argument("--out", default="outputs", help="output folder (default outputs/)")
    p.add_argument("--cron", default="0 2 * * *", help="bulk scan schedule, cron syntax (default: 02:00 daily)")
    add_scaleout_arguments(p)


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


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_deployment_arguments(p)
    p.add_argument("--limit", type=int, help="most flow runs at once (default: no limit)")


def run(args: argparse.Namespace) -> int:
    if error := problem(args) or deployment_roots_error(args):
        return fail(error)
    from flows.deployments import serve_all

    shown_logs()
    serve_all(str(Path(args.inputs).resolve()), str(Path(args.out).resolve()), args.cron, args.limit)
    return 0
