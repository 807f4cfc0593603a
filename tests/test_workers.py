"""``narrate deploy`` onto a work pool and a real ``prefect worker`` running the book, with the
book's tasks on a Dask cluster of the worker's run. Slow (a server, a worker, a flow run in a
subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_stack import PREFECT, final_state, prefect_server

from flows.scaleout import DASK_ENV
from narration.store.status import status_for_book

pytestmark = pytest.mark.slow

BOOK = "# Gamma\n\n## First\n\nA short opening line. Gamma begins.\n\n## Second\n\nThe middle part is here.\n"
POOL = "narrators"


def test_deploy_to_a_work_pool_and_a_worker_runs_the_book(tmp_path: Path) -> None:
    inputs, out = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    book = inputs / "gamma.md"
    book.write_text(BOOK, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"  # the worker finds the flows by module path, not from a checkout
    elsewhere.mkdir()
    with prefect_server(tmp_path) as (env, procs), temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        deploy = subprocess.run(
            [sys.executable, "-m", "narration.cli", "deploy", "--pool", POOL, "--inputs", str(inputs), "--out", str(out),
             "--cron", "0 3 1 1 *", "--dask", "local:1"],
            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=180,
        )
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        with get_client(sync_client=True) as client:
            deployments = {d.name: d for d in client.read_deployments()}
        assert set(deployments) == {"bulk-narrate", "narrate-book", "rerun-failed-chunks"}
        for deployment in deployments.values():
            assert deployment.work_pool_name == POOL and deployment.entrypoint.startswith("flows.")
            assert deployment.job_variables["env"][DASK_ENV] == "local:1"  # the run's tasks go to Dask
        assert deployments["bulk-narrate"].schedules[0].schedule.cron == "0 3 1 1 *"

        log = tmp_path / "worker.log"
        procs.append(subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", POOL],
            cwd=elsewhere, env={**env, "PREFECT_WORKER_QUERY_SECONDS": "1"},
            stdout=subprocess.DEVNULL, stderr=open(log, "w"), start_new_session=True,
        ))
        run = run_deployment("narrate-book/narrate-book", timeout=0,
                             parameters={"book_path": str(book), "out_dir": str(out), "options": {"qa": False, "backend": "piper"}})
        assert final_state(run.id) == "Completed", log.read_text()[-3000:]
    status = status_for_book(out, book)
    assert status["done"] == status["total"] > 0 and status["synthesized_last_run"] == status["total"]
    assert (out / "gamma" / "gamma.m4b").exists()
