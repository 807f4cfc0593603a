"""The machine a benchmark ran on, in words, for its results table."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_description() -> str:
    """CPU model and the cores this process may use, e.g. "AMD EPYC, 2 cores available"."""
    model = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores available"


def machine() -> str:
    """The CPU and the software around it, for a results file's first lines."""
    return f"{cpu_description()}, {platform.system()} {platform.release()}, Python {platform.python_version()}"
