"""Prefect wiring over the ``narration`` library.

Importing this package sets Prefect's defaults for an unattended CLI before Prefect is imported:
an ephemeral server when none is configured, quiet logs, no telemetry, complete task-run
history, a start timeout that survives a slow machine and a bounded task pool. Anything
already set wins.
"""

from __future__ import annotations

import os

PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # The recorder's defaults drop task runs under load (50 of 200 recorded in a test).
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    # Prefect's default task pool is unbounded: every synthesis batch of a book would run at
    # once and contend for the cores (28 % more CPU, up to 9 % more wall than direct calls).
    # Two workers: batches take turns on the model (narration.run.takes.synthesis_slot) while the
    # other worker assembles finished chapters and runs QA (8 % less wall than direct calls;
    # bench/results/orchestration.md).
    "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS": "2",
    # Dask (NARRATION_DASK): its scheduler and workers log every start and stop at INFO.
    "DASK_LOGGING__DISTRIBUTED": "warning",
}

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
