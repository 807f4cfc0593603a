"""Prefect wiring over the ``narration`` library.

Importing this package sets Prefect's defaults for an unattended CLI before Prefect is imported:
an ephemeral server when none is configured, quiet logs, no telemetry, complete task-run
history, a start timeout that survives a slow machine and a bounded task pool. Anything
already set wins.
"""

from __future__ import annotations

import os


def default_task_workers() -> int:
    """Tasks a flow runs at once. Prefect's default pool is unbounded, which ran every
    synthesis batch of a book at once: on CPU the voice's own threads already fill the cores,
    so extra batches only contend (28 % more CPU and up to 9 % more wall than the same calls made
    directly, bench/orchestration_overhead.py).
    With an NVIDIA GPU (its driver's device node is there) a second worker lets assembly and
    QA on the CPU overlap GPU synthesis; synthesis itself stays one batch at a time per model."""
    return 2 if os.path.exists("/dev/nvidiactl") else 1


PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # The recorder's defaults drop task runs under load (50 of 200 recorded in a test).
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS": str(default_task_workers()),
}

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
