"""A real ``prefect server`` and ``narrate serve``, driven over the API the way the dashboard does:
a scheduled-bulk scan (idempotent), a failed chunk, the dashboard's Retry, and the
rerun-failed-chunks deployment. Slow (two server processes, flow runs in subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_stack import final_state, prefect_server

from narration.store.status import status_for_book

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# Orchestration under test, not the voice: Piper is the quick one.
PIPER = {"synthesis": {"backend": "piper"}}
BOOK = "# {title}\n\n## First\n\nA short opening line. {title} begins.\n\n## Second\n\nThe middle part is here.\n\nAnd then it ends.\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("stack")
    inputs, out = tmp / "inputs", tmp / "outputs"
    inputs.mkdir()
    (inputs / "alpha.md").write_text(BOOK.format(title="Alpha"), encoding="utf-8")
    with prefect_server(tmp) as (env, procs), temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        serve_env = {**env, "NARRATION_INJECT_FAULTS": "fail@3"}
        serve = subprocess.Popen(
            [sys.executable, "-m", "narration.cli", "serve", "--inputs", str(inputs), "--out", str(out),
             "--cron", "0 3 1 1 *"],
            cwd=ROOT, env=serve_env, stdout=subprocess.DEVNULL, stderr=open(tmp / "serve.log", "w"),
            start_new_session=True,
        )
        procs.append(serve)
        wait_for_deployments(3, serve, tmp / "serve.log")
        yield {"inputs": inputs, "out": out, "log": tmp / "serve.log"}


def wait_for_deployments(count: int, serve: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while len(client.read_deployments()) < count:
            assert serve.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "deployments never registered"
            time.sleep(0.5)
        for deployment in client.read_deployments():
            if deployment.name == "bulk-narrate":
                assert deployment.schedules and deployment.schedules[0].schedule.cron == "0 3 1 1 *"


def test_bulk_scan_failure_dashboard_retry_and_rerun_deployment(stack: dict) -> None:
    inputs, out = stack["inputs"], stack["out"]

    # The scheduled bulk deployment, run now: it queues one run per new book, once.
    bulk = run_deployment("bulk-narrate/bulk-narrate", parameters={"options": PIPER}, timeout=120)
    assert bulk.state.is_completed(), stack["log"].read_text()[-3000:]
    queued = book_runs()
    assert len(queued) == 1
    again = run_deployment("bulk-narrate/bulk-narrate", parameters={"options": PIPER}, timeout=120)
    assert again.state.is_completed()
    assert book_runs() == queued  # same content: no second run

    # fail@3 makes the queued run fail, naming the chunk; its chapter is not assembled.
    alpha_run = queued[0]
    assert final_state(alpha_run) == "Failed"
    status = status_for_book(out, inputs / "alpha.md")
    assert status["failed"] == 1 and status["failed_chunks"][0]["index"] == 3

    # The dashboard's Retry (same API call as the flow run menu): only the failed chunk reruns.
    retry = subprocess.run([str(Path(sys.executable).with_name("prefect")), "flow-run", "retry", str(alpha_run)],
                           capture_output=True, text=True, timeout=120, env={**os.environ, **_api_env()})
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert final_state(alpha_run) == "Completed"
    status = status_for_book(out, inputs / "alpha.md")
    assert (status["failed"], status["synthesized_last_run"]) == (0, 1)
    assert (out / "alpha" / "alpha.m4b").exists()

    # A second book through narrate-book, then the rerun-failed-chunks deployment.
    beta = inputs / "beta.md"
    beta.write_text(BOOK.format(title="Beta"), encoding="utf-8")
    run = run_deployment("narrate-book/narrate-book", parameters={"book_path": str(beta), "out_dir": str(out), "options": PIPER},
                         timeout=0)
    assert final_state(run.id) == "Failed"
    rerun = run_deployment("rerun-failed-chunks/rerun-failed-chunks",
                           parameters={"book_path": str(beta), "out_dir": str(out), "options": PIPER}, timeout=300)
    assert rerun.state.is_completed(), stack["log"].read_text()[-3000:]
    status = status_for_book(out, beta)
    assert (status["failed"], status["synthesized_last_run"]) == (0, 1)
    assert (out / "beta" / "beta.m4b").exists()


def book_runs() -> list[UUID]:
    """Flow runs of the narrate-book deployment."""
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("narrate-book/narrate-book")
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        )
    return sorted(run.id for run in runs)


def _api_env() -> dict[str, str]:
    return {"PREFECT_API_URL": PREFECT_API_URL.value()}
