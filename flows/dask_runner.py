"""Prefect's Dask task runner, made to report to this process's Prefect API (kept apart from
``flows.scaleout``, which chooses it, because dask takes a quarter second to import and most runs use threads)."""

from __future__ import annotations

import os

from prefect.settings import PREFECT_API_URL
from prefect_dask import DaskTaskRunner

from flows.prefect_api import configured_api_url


class ReportingDaskTaskRunner(DaskTaskRunner):
    """Dask workers report their task runs to the Prefect API this process uses, temporary too.

    Without this, each worker process of a local cluster started its own temporary Prefect
    server (seconds each; three servers for a 2-worker run) and the dashboard never saw their
    task runs.
    """

    def __enter__(self) -> ReportingDaskTaskRunner:
        export_api_url()
        return super().__enter__()


def export_api_url() -> None:
    """Put the Prefect API this process uses into the environment worker processes inherit.

    With no PREFECT_API_URL the API is a temporary server this process started on first use
    (the flow run already exists when its task runner starts, so it is running by then).
    """
    if os.environ.get(PREFECT_API_URL.name):
        return
    url = configured_api_url()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        url = server.api_url if server.running else None
    if url:
        os.environ[PREFECT_API_URL.name] = url
