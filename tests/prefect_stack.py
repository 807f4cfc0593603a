"""A real ``prefect server`` in a subprocess, for the tests that drive deployments over its API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "prefect server exited"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@contextlib.contextmanager
def prefect_server(tmp: Path) -> Iterator[tuple[dict[str, str], list[subprocess.Popen]]]:
    """Start a server with its own home and database; yield the environment that reaches it
    (PREFECT_API_URL set) and a list the caller adds its own processes to. Every process is
    stopped on exit, the caller's first."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [server]
    try:
        wait_http(f"{api}/health", server)
        yield {**env, "PREFECT_API_URL": api}, procs
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, 9)
        shutil.rmtree(tmp / "prefect-home", ignore_errors=True)


def final_state(run_id: UUID, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(run_id).state
            if state is not None and state.is_final():
                return state.name
            time.sleep(0.5)
    raise TimeoutError(f"flow run {run_id} did not finish")


def task_states(flow_run_id, expect: dict[str, int], timeout: float = 120) -> dict[str, list[str]]:
    """Task run states by task name, once the server has recorded ``expect`` runs of each name in a
    final state. The recorder writes task runs in batches, so a read straight after the flow may see
    some of them, or none (on a loaded CI machine this took seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        states = asyncio.run(_read_states(flow_run_id))
        recorded = {name: sum(s in FINAL for s in states.get(name, [])) for name in expect}
        if recorded == expect or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


FINAL = {"Completed", "Cached", "Failed", "Crashed", "Cancelled"}


def _read_states(flow_run_id):
    async def read() -> dict[str, list[str]]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        states: dict[str, list[str]] = {}
        for run in runs:
            states.setdefault(run.name.split(" ")[0], []).append(run.state.name)
        return states

    return read()
