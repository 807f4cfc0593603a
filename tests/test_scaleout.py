"""Scale-out on Dask: the task runner chosen by NARRATION_DASK, worker processes reporting to the
flow's Prefect API, and synthesis routed by Dask resources. Real clusters of worker processes,
the real Piper voice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from distributed import Nanny, Scheduler, SpecCluster
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from prefect_stack import task_states

from flows.book import narrate_book
from flows.dask_runner import export_api_url
from flows.scaleout import (
    DASK_ENV,
    POOL_ENV,
    RESOURCES_ENV,
    dask_task_runner,
    synthesis_resources,
    task_runner_from_env,
)
from narration.errors import NarrationError
from narration.options import NarrationOptions
from narration.run.faults import ENV as FAULTS_ENV
from narration.store.manifest import Manifest
from narration.store.status import status_for_book

BOOK = "# Spread\n\n## One\n\nThe first part is short. It ends.\n\n## Two\n\nA second part follows. Then a third line.\n\nAnd a last one.\n"
OPTIONS = NarrationOptions(backend="piper", batch_size=1, format="flac", m4b=False, loudness=None, qa=False)


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "spread.md"
    path.write_text(BOOK, encoding="utf-8")
    return path


@pytest.fixture()
def api_env_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """export_api_url writes PREFECT_API_URL into os.environ; later tests' subprocesses must not
    inherit this session's test server."""
    monkeypatch.setenv(PREFECT_API_URL.name, "unset-after-the-test")
    monkeypatch.delenv(PREFECT_API_URL.name)


def test_threads_unless_dask_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DASK_ENV, raising=False)
    assert isinstance(task_runner_from_env(), ThreadPoolTaskRunner)
    monkeypatch.setenv(DASK_ENV, "local:3")
    runner = task_runner_from_env()
    assert isinstance(runner, DaskTaskRunner)
    assert runner.cluster_kwargs["n_workers"] == 3 and runner.cluster_kwargs["threads_per_worker"] == 1
    monkeypatch.setenv(DASK_ENV, "local")
    assert task_runner_from_env().cluster_kwargs["n_workers"] == 2


@pytest.mark.parametrize("spec, message", [
    ("local:0", "positive number"),
    ("local:two", "positive number"),
    ("my-cluster", "scheduler address"),
])
def test_bad_dask_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, spec: str, message: str) -> None:
    monkeypatch.setenv(DASK_ENV, spec)
    with pytest.raises(NarrationError, match=rf"{DASK_ENV}=.*{message}"):
        task_runner_from_env()


def test_a_remote_cluster_needs_a_prefect_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFECT_API_URL.name, raising=False)
    monkeypatch.setenv(DASK_ENV, "tcp://10.0.0.5:8786")
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(NarrationError, match="PREFECT_API_URL"):
        task_runner_from_env()
    monkeypatch.setenv(PREFECT_API_URL.name, "http://10.0.0.4:4200/api")
    assert task_runner_from_env().address == "tcp://10.0.0.5:8786"


def test_synthesis_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    assert synthesis_resources() == {}
    monkeypatch.setenv(RESOURCES_ENV, "GPU=1, VRAM=12.5,TTS")
    assert synthesis_resources() == {"GPU": 1.0, "VRAM": 12.5, "TTS": 1.0}
    monkeypatch.setenv(RESOURCES_ENV, "GPU=one")
    with pytest.raises(NarrationError, match=f"{RESOURCES_ENV}.*'GPU=one'"):
        synthesis_resources()


@pytest.mark.usefixtures("prefect_api", "api_env_restored")
def test_export_api_url_hands_workers_this_process_api() -> None:
    assert PREFECT_API_URL.name not in os.environ
    export_api_url()
    assert os.environ[PREFECT_API_URL.name] == PREFECT_API_URL.value()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api", "api_env_restored")
def test_local_cluster_narrates_like_threads_and_reports_to_the_flow_api(book: Path, tmp_path: Path) -> None:
    threads = narrate_book(str(book), str(tmp_path / "threads"), OPTIONS)
    state = narrate_book.with_options(task_runner=dask_task_runner("local:2"))(
        str(book), str(tmp_path / "dask"), OPTIONS, return_state=True
    )
    dask = state.result()
    assert dask.synthesized == dask.chunks == threads.chunks > 0
    assert [c.title for c in dask.chapters] == [c.title for c in threads.chapters]
    assert all(Path(c.path).stat().st_size > 0 for c in dask.chapters)
    # Same chunks, same keys: where tasks run changes nothing that is stored.
    keys = [[r.key for r in Manifest(Path(root) / "spread" / "manifest.sqlite").records()]
            for root in (tmp_path / "threads", tmp_path / "dask")]
    assert keys[0] == keys[1]
    # The worker processes reported their task runs to this process's API, not servers of their own.
    states = task_states(state.state_details.flow_run_id, {"synthesize": dask.chunks, "assemble": 2})
    assert states["synthesize"] == ["Completed"] * dask.chunks


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_synthesis_goes_only_to_workers_with_its_resources(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two workers; every chunk fails on the one without the VOICE resource.
    env = {PREFECT_API_URL.name: PREFECT_API_URL.value()}
    fail_all = ",".join(f"fail@{i}" for i in range(20))
    workers = {
        "voice": {"cls": Nanny, "options": {"nthreads": 1, "resources": {"VOICE": 1}, "env": env}},
        "plain": {"cls": Nanny, "options": {"nthreads": 1, "env": {**env, FAULTS_ENV: fail_all}}},
    }
    monkeypatch.setenv(PREFECT_API_URL.name, PREFECT_API_URL.value())  # a remote cluster needs a server
    with SpecCluster(scheduler={"cls": Scheduler, "options": {"dashboard_address": ":0"}}, workers=workers) as cluster:
        flow = narrate_book.with_options(task_runner=dask_task_runner(cluster.scheduler_address))

        monkeypatch.setenv(RESOURCES_ENV, "VOICE=1")
        routed = flow(str(book), str(tmp_path / "routed"), OPTIONS)
        assert routed.synthesized == routed.chunks > 0 and routed.failed == []

        # Control: unrouted batches spread over both workers, so some land on the failing one.
        monkeypatch.delenv(RESOURCES_ENV)
        spread = flow(str(book), str(tmp_path / "spread"), OPTIONS, return_state=True)
        assert spread.is_failed()
        status = status_for_book(tmp_path / "spread", book)
        assert status["failed"] > 0 and status["pending"] == 0


@pytest.mark.parametrize("setting, expected", [(None, "2"), ("3", "3")])
def test_thread_pool_bound_holds_even_when_prefect_is_imported_first(setting: str | None, expected: str) -> None:
    # Prefect fixes its settings on first import; our bounded default must not depend on order.
    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    if setting:
        env[POOL_ENV] = setting
    code = "import prefect.settings; from flows.book import narrate_book; print(narrate_book.task_runner._max_workers)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
