"""``narrate deploy``: register the deployments on a Prefect work pool. Registered as the
``narration.commands`` entry point ``deploy`` (pyproject.toml); Prefect is imported only when
the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.runner import problem
from flows.serve_command import add_deployment_arguments, deployment_roots_error
from narration.cli.output import fail, shown_logs
from narration.display import shown

NAME = "deploy"
HELP = "register the deployments on a Prefect work pool"
DESCRIPTION = (
    "Register the deployments (bulk-narrate on a schedule, narrate-book, rerun-failed-chunks) "
    "on a Prefect work pool, for `prefect worker start --pool POOL` on machines with narration installed "
    "and the same paths mounted. Needs a Prefect server: set PREFECT_API_URL (see README, Scale-out)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_deployment_arguments(p)
    p.add_argument("--pool", required=True, help="work pool name (created as a process pool if missing)")


def run(args: argparse.Namespace) -> int:
    if error := problem(args) or deployment_roots_error(args):
        return fail(error)
    from flows.scaleout import configured_api_url

    if not configured_api_url():  # a temporary server would vanish with this command
        return fail("narrate deploy needs a Prefect server: start one (prefect server start) and set PREFECT_API_URL")
    from flows.deployments import deploy_all

    shown_logs()
    ids = deploy_all(args.pool, str(Path(args.inputs).resolve()), str(Path(args.out).resolve()), args.cron)
    print(shown(f"{len(ids)} deployments on work pool {args.pool}; start workers with: prefect worker start --pool {args.pool}"))
    return 0
