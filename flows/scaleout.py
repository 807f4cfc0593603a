"""Where a book's tasks run: Prefect's thread pool (default) or a Dask cluster.

Chosen by the environment so that every way a flow starts (``narrate``, ``narrate serve``, a
Prefect worker's subprocess) agrees, since a deployment's run re-imports the flow and loses any
``with_options`` made elsewhere:

- ``NARRATION_DASK``: unset for threads; ``local`` or ``local:N`` for a cluster of N worker
  processes on this machine (default 2), started per flow run; ``tcp://host:8786`` (any Dask
  scheduler address) for an existing cluster. Paths are shared, so remote workers need the
  inputs and output folder mounted at the same paths.
- ``NARRATION_DASK_SYNTH_RESOURCES``: e.g. ``GPU=1``. Synthesis batches ask Dask for these
  resources, so they run only on workers started with ``dask worker ... --resources "GPU=1"``
  while assembly goes anywhere.

Each Dask worker process loads its own voice model once and keeps it; run one thread per worker
(``--nthreads 1``), since a batch already uses a whole model.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from prefect.context import FlowRunContext
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.prefect_api import configured_api_url
from narration.errors import NarrationError

DASK_ENV = "NARRATION_DASK"
RESOURCES_ENV = "NARRATION_DASK_SYNTH_RESOURCES"
LOCAL_WORKERS = 2
POOL_ENV = "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS"


def task_runner_from_env() -> TaskRunner:
    """The task runner ``NARRATION_DASK`` asks for (Prefect's thread pool when unset)."""
    spec = os.environ.get(DASK_ENV, "").strip()
    return dask_task_runner(spec) if spec else ThreadPoolTaskRunner(max_workers=_thread_pool_size())


def _thread_pool_size() -> int | None:
    # Read from the environment, not Prefect's settings: those are fixed when Prefect is first
    # imported, and a program that imports Prefect before ``flows`` would miss our bounded
    # default (flows/__init__.py) and get Prefect's unbounded pool.
    value = os.environ.get(POOL_ENV, "").strip()
    if not value:
        return None  # Prefect's own setting
    try:
        return int(value)
    except ValueError:
        raise NarrationError(f"{POOL_ENV}={value!r}: expected a number of worker threads") from None


def dask_task_runner(spec: str) -> TaskRunner:
    """``local``, ``local:N`` or a scheduler address -> a Dask task runner."""
    from flows.dask_runner import ReportingDaskTaskRunner

    if spec == "local" or spec.startswith("local:"):
        return ReportingDaskTaskRunner(cluster_kwargs={
            "n_workers": _local_workers(spec), "threads_per_worker": 1, "processes": True,
            "dashboard_address": ":0",  # any free port: a second cluster on the machine would clash on :8787
        })
    if "://" not in spec:
        raise NarrationError(f"{DASK_ENV}={spec!r}: expected local, local:N or a scheduler address like tcp://host:8786")
    if not configured_api_url():
        raise NarrationError(
            f"{DASK_ENV}={spec}: the workers of a Dask cluster must report to a Prefect server they can reach; "
            "start one (prefect server start) and set PREFECT_API_URL here and on the workers"
        )
    return ReportingDaskTaskRunner(address=spec)


def _local_workers(spec: str) -> int:
    _, _, count = spec.partition(":")
    try:
        workers = int(count) if count else LOCAL_WORKERS
    except ValueError:
        workers = 0
    if workers < 1:
        raise NarrationError(f"{DASK_ENV}={spec!r}: local:N needs a positive number of workers")
    return workers


def synthesis_resources() -> dict[str, float]:
    """``NARRATION_DASK_SYNTH_RESOURCES`` (``GPU=1,MEM=2``) as Dask resource demands."""
    text = os.environ.get(RESOURCES_ENV, "").strip()
    resources: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, amount = item.partition("=")
        try:
            resources[name.strip()] = float(amount) if sep else 1.0
        except ValueError:
            raise NarrationError(f"{RESOURCES_ENV}={text!r}: {item!r} is not NAME=NUMBER") from None
        if not name.strip():
            raise NarrationError(f"{RESOURCES_ENV}={text!r}: {item!r} has no resource name")
    return resources


@contextlib.contextmanager
def synthesis_placement() -> Iterator[None]:
    """Around the submission of synthesis tasks: route them to workers holding the resources."""
    resources = synthesis_resources()
    if not resources or not uses_dask():
        yield
        return
    import dask

    with dask.annotate(resources=resources):
        yield


def uses_dask() -> bool:
    """True inside a flow run whose tasks go to Dask (other processes, maybe other machines)."""
    runners = sys.modules.get("prefect_dask.task_runners")  # not loaded: no Dask runner exists
    context = FlowRunContext.get()
    return bool(runners and context and isinstance(context.task_runner, runners.DaskTaskRunner))
