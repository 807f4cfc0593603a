"""The Prefect API this process reports to: shared by ``flows.scaleout`` (which checks a remote
Dask cluster can reach it) and ``flows.dask_runner`` (which hands it to the workers), so that
neither imports the other."""

from __future__ import annotations

import os

from prefect.settings import PREFECT_API_URL


def configured_api_url() -> str | None:
    """The Prefect server this process was pointed at: the environment (set after Prefect was
    imported, too) or Prefect's settings; None in ephemeral mode."""
    return os.environ.get(PREFECT_API_URL.name) or PREFECT_API_URL.value()
