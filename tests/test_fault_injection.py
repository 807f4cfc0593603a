"""Faults done to real ``narrate`` processes: kill -9, damaged files of every kind, two runs of one book
at once, SIGINT and SIGTERM at random moments, a second Ctrl-C, a stop under Dask with a Prefect
server, and a full disk. After each, the book is finished by running the same command again, and
then it must be whole: every output decodes to its end, each chapter is as long as its takes and
pauses in the manifest, ``narrate verify`` finds nothing, and no take was stored twice."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from narration.options import NarrationOptions, Pauses
from narration.run.plan import plan_book
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
ARGS = ["--backend", "piper", "--no-qa", "--no-emotion", "--batch-size", "2", "--json"]
SENTENCES = [
    "The lamps were lit along the quay before the boats came in.",
    "A boy ran ahead with the news, shouting the names of the ships.",
    "Nobody on the harbour wall said a word until the last one was tied.",
]


def write_book(path: Path, chapters: int = 3, paragraphs: int = 2) -> Path:
    # Every paragraph distinct: the store is content-addressed, so repeated text is one chunk.
    parts = ["# The Harbour\n"]
    for c in range(chapters):
        parts.append(f"## Chapter {c + 1}\n")
        for p in range(paragraphs):
            turn = (c + p) % len(SENTENCES)
            parts.append(f"Part {p + 1} of chapter {c + 1}. " + " ".join(SENTENCES[turn:] + SENTENCES[:turn]) + "\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "harbour.md")


def command(book: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "narration.cli", str(book), "--out", str(out), *ARGS, *extra]


def narrate(book: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(book, out, *extra), cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


def start(book: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    # Its own session: every process it starts (a Prefect server, Dask workers) can be found after it.
    return subprocess.Popen(command(book, out, *extra), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env=env)


def stored(layout: BookLayout) -> int:
    return sum(1 for p in layout.chunks.rglob("*.wav") if ".tmp-" not in p.name) if layout.chunks.exists() else 0


def wait_for(proc: subprocess.Popen[str], ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"ended too soon: {proc.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "the run never got far enough"
        time.sleep(0.05)


def ended_within(proc: subprocess.Popen[str], seconds: float) -> str:
    """The process's stderr once it ended, failing (and killing it) if it took longer."""
    try:
        return proc.communicate(timeout=seconds)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"still running {seconds} s after the signal") from None


def left_running(session: int, grace: float = 5) -> list[str]:
    """Processes still alive in the session a run started (its servers and workers), after
    ``grace`` seconds to end. Zombies do not count: they have ended, and only wait for a parent
    (in a container whose first process does not reap orphans, that is forever)."""
    deadline = time.monotonic() + grace
    while True:
        ps = subprocess.run(["ps", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True).stdout
        alive = [line for line in ps.splitlines()
                 if line.split()[1] == str(session) and not line.split()[2].startswith("Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def synthesized_in_all_runs(layout: BookLayout) -> int:
    with sqlite3.connect(layout.manifest) as db:
        return int(db.execute("SELECT coalesce(sum(synthesized), 0) FROM runs").fetchone()[0])


def assert_made_once(layout: BookLayout, stops: int) -> None:
    """No take was made twice. Attempts are counted in the manifest before each batch is
    synthesized, so they exceed the chunks only by the batches a stop cut short (at most one per
    stop, of ``--batch-size 2``). The runs' own counts can fall short of the takes (a stop between
    writing a take and recording it: the next run adopts the take), never exceed them."""
    records = Manifest(layout.manifest).records()
    assert sum(r.attempts for r in records) <= len(records) + 2 * stops, [r.attempts for r in records]
    assert synthesized_in_all_runs(layout) <= len(records)


def decoded_seconds(path: Path) -> float:
    """How long the file plays when decoded to its end; any decoding error fails."""
    done = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "s16le", "-ac", "1",
                           "-ar", "8000", "-"], capture_output=True, timeout=300)
    assert done.returncode == 0 and not done.stderr.strip(), f"{path}: {done.stderr.decode()[-500:]}"
    return len(done.stdout) / 2 / 8000


def assert_whole(book: Path, out: Path) -> None:
    """Everything the book's last plan needs is there, whole, and as long as the manifest says."""
    layout = BookLayout.for_book(out, book)
    verify = subprocess.run([sys.executable, "-m", "narration.cli", "verify", str(book), "--out", str(out), "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr[-2000:]
    records = Manifest(layout.manifest).records()
    assert records and {r.status for r in records} == {"done"}
    pauses = Pauses()
    pause = {c.index: pauses.after(c.pause_after) for c in plan_book(book, NarrationOptions()).chunks}
    chapters = sorted({r.chapter for r in records})
    for index in chapters:
        members = [r for r in records if r.chapter == index]
        # as the assembler joins them: a lead-in, each take and its pause, the last pause the chapter's tail
        expected = (pauses.chapter_lead + sum(r.duration + pause[r.index] for r in members)
                    - pause[members[-1].index] + pauses.chapter_tail)
        record = json.loads(layout.chapter_record(index).read_text(encoding="utf-8"))
        assert abs(record["duration"] - expected) < 0.05, (index, record["duration"], expected)
        for name in record["files"]:
            assert abs(decoded_seconds(layout.root / name) - expected) < 0.15, name
    total = sum(json.loads(layout.chapter_record(i).read_text(encoding="utf-8"))["duration"] for i in chapters)
    assert abs(decoded_seconds(layout.m4b) - total) < 0.3
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_kill_9_twice_then_resume(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)

    def takes() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in layout.chunks.rglob("*.wav") if ".tmp-" not in p.name}

    def kill_when(ready) -> None:
        proc = start(book, out)
        wait_for(proc, ready)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    kill_when(lambda: stored(layout) >= 3)  # mid-synthesis
    first = takes()
    kill_when(lambda: any(layout.chapter_masters.glob("*.wav")) if layout.chapter_masters.exists() else False)
    second = takes()  # killed again once a chapter was being assembled
    assert all(second[path] == data for path, data in first.items())  # nothing finished was rewritten

    resumed = narrate(book, out)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    result = json.loads(resumed.stdout)[0]
    assert result["synthesized"] == result["chunks"] - len(second)  # no stored take synthesized again
    assert all(takes()[path] == data for path, data in second.items())
    assert_whole(book, out)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_within_seconds_and_the_rerun_resumes(tmp_path: Path, book: Path, signum: int) -> None:
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    proc = start(book, out)
    wait_for(proc, lambda: stored(layout) >= 2)
    os.kill(proc.pid, signum)  # the process alone, as Ctrl-C or `kill` would reach it
    err = ended_within(proc, 20)
    assert proc.returncode == 128 + signum, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert f"stopped by {signal.Signals(signum).name}" in last and "run the same command again" in last
    assert "Traceback" not in err
    assert Manifest(layout.manifest).last_run()["state"] == "stopped"
    assert narrate(book, out).returncode == 0
    assert_made_once(layout, stops=1)
    assert_whole(book, out)


def test_every_kind_of_damaged_file_is_found_and_made_again(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    first = narrate(book, out)
    assert first.returncode == 0, first.stderr[-3000:]
    layout = BookLayout.for_book(out, book)
    records = Manifest(layout.manifest).records()
    takes = [layout.chunk_audio(r.key) for r in records]
    truncated, empty, garbage, flipped = takes[0], takes[2], takes[3], takes[5]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 3])
    empty.write_bytes(b"")
    garbage.write_bytes(os.urandom(garbage.stat().st_size))
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x55  # a bit flip: same size, the header reads whole
    flipped.write_bytes(bytes(data))
    master = layout.chapter_master(1)
    master.write_bytes(master.read_bytes()[: master.stat().st_size // 2])
    chapter_file = next(layout.chapters.glob("03 - *"))
    chapter_file.write_bytes(chapter_file.read_bytes()[:-4000])
    layout.m4b.write_bytes(os.urandom(layout.m4b.stat().st_size))

    again = narrate(book, out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)[0]["synthesized"] == 4
    for take in (truncated, empty, garbage, flipped):
        assert take.stem in again.stderr  # named in a warning
        assert layout.damaged_take(take.stem).exists()  # kept aside, not deleted
    assert synthesized_in_all_runs(layout) == len(records) + 4
    assert_whole(book, out)

    layout.manifest.write_bytes(b"overwritten by something else" * 50)
    healed = narrate(book, out)
    assert healed.returncode == 0 and json.loads(healed.stdout)[0]["synthesized"] == 0, healed.stderr[-3000:]
    assert str(layout.manifest) in healed.stderr
    assert_whole(book, out)


def test_two_runs_of_one_book_at_once(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    first, second = start(book, out), start(book, out)
    errors = [proc.communicate(timeout=600)[1] for proc in (first, second)]
    codes = sorted(proc.returncode for proc in (first, second))
    assert codes == [0, 3], errors
    refused = errors[[first.returncode, second.returncode].index(3)]
    assert len(refused.strip().splitlines()) == 1 and "already being narrated by pid" in refused
    layout = BookLayout.for_book(out, book)
    assert {r.attempts for r in Manifest(layout.manifest).records()} == {1}

    (out / "harbour").rename(tmp_path / "old")  # again from nothing, the second one waiting its turn
    first = start(book, out)
    wait_for(first, lambda: stored(layout) >= 1)
    waited = narrate(book, out, "--wait")
    assert first.wait(timeout=600) == 0 and waited.returncode == 0, waited.stderr[-2000:]
    assert json.loads(waited.stdout)[0]["synthesized"] == 0
    assert {r.attempts for r in Manifest(layout.manifest).records()} == {1}
    assert_whole(book, out)


def test_signals_at_random_moments(tmp_path: Path, book: Path) -> None:
    seed = int(os.environ.get("NARRATION_FAULT_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    stops = 0
    for n in range(4):
        proc = start(book, out)
        time.sleep(rng.uniform(0.5, 9.0))  # start-up, planning, synthesis or assembly
        if proc.poll() is not None:
            assert proc.returncode == 0, proc.communicate()[1][-2000:]
            break
        signum = (signal.SIGINT, signal.SIGTERM)[n % 2]
        os.kill(proc.pid, signum)
        err = ended_within(proc, 20)
        # -signum: it came while Python itself was starting, before narrate's code ran (the shell
        # shows that as 128 + signum too); nothing can have been written then.
        assert proc.returncode in (0, 128 + signum, -signum), f"seed {seed}: {err[-2000:]}"
        if proc.returncode == 0:
            break
        stops += 1
        assert "Traceback" not in err, f"seed {seed}: {err[-2000:]}"
        if proc.returncode == 128 + signum:
            assert "stopped by" in err.strip().splitlines()[-1], f"seed {seed}: {err[-2000:]}"
        assert not left_running(proc.pid), f"seed {seed}"
    final = narrate(book, out)
    assert final.returncode == 0, f"seed {seed}: {final.stderr[-2000:]}"
    assert_made_once(layout, stops)
    assert_whole(book, out)


def test_a_second_ctrl_c_stops_at_once(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    proc = start(book, out)
    wait_for(proc, lambda: stored(layout) >= 1)
    os.kill(proc.pid, signal.SIGINT)
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGINT)
    ended_within(proc, 5)
    assert proc.returncode in (-signal.SIGINT, 130)
    assert narrate(book, out).returncode == 0
    assert_made_once(layout, stops=1)
    assert_whole(book, out)


def test_a_stop_under_dask_ends_its_workers_and_cancels_the_flow_run(tmp_path: Path, book: Path,
                                                                      prefect_api: None) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    proc = start(book, out, "--dask", "local:1", env=env)
    wait_for(proc, lambda: stored(layout) >= 1)
    os.kill(proc.pid, signal.SIGINT)
    err = ended_within(proc, 30)
    assert proc.returncode == 130, err[-3000:]
    assert not left_running(proc.pid)  # no Dask worker or nanny outlives the run
    assert Manifest(layout.manifest).last_run()["state"] == "stopped"
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[str(book)])))
    assert [r.state.type.value for r in runs] == ["CANCELLED"]

    final = narrate(book, out, env=env)
    assert final.returncode == 0, final.stderr[-3000:]
    assert_made_once(layout, stops=1)
    assert_whole(book, out)


def test_sigterm_under_prefect_ends_the_temporary_server_with_the_run(tmp_path: Path, book: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # so the run starts its own server
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    proc = start(book, out, "--prefect", env=env)
    wait_for(proc, lambda: stored(layout) >= 1)
    os.kill(proc.pid, signal.SIGTERM)
    err = ended_within(proc, 30)
    assert proc.returncode == 143, err[-3000:]
    assert not left_running(proc.pid)  # the temporary Prefect server went with it
    assert narrate(book, out).returncode == 0
    assert_made_once(layout, stops=1)


FULL_DISK = r"""
set -u
mount -t tmpfs -o size="$SIZE" tmpfs "$OUT" || exit 77
"$PYTHON" -m narration.cli "$BOOK" --out "$OUT" $ARGS > "$RESULTS/full.out" 2> "$RESULTS/full.err"
echo $? > "$RESULTS/full.rc"
find "$OUT" -path '*/.work/chunks/*' -name '*.wav' ! -name '.tmp-*' | wc -l > "$RESULTS/kept"
mount -o remount,size=64m "$OUT"
"$PYTHON" -m narration.cli "$BOOK" --out "$OUT" $ARGS > "$RESULTS/resumed.out" 2> "$RESULTS/resumed.err"
echo $? > "$RESULTS/resumed.rc"
cp -a "$OUT"/. "$RESULTS/out"
"""


def test_a_full_disk_midway_says_so_and_the_rerun_resumes(tmp_path: Path, book: Path) -> None:
    if not shutil.which("unshare"):
        pytest.skip("needs unshare (util-linux) to mount a small tmpfs")
    mount_point, results = tmp_path / "small", tmp_path / "results"
    mount_point.mkdir()
    results.mkdir()
    env = {**os.environ, "SIZE": "700k", "OUT": str(mount_point), "RESULTS": str(results), "BOOK": str(book),
           "PYTHON": sys.executable, "ARGS": " ".join(ARGS)}
    # A mount namespace of its own (as root, or as a user where user namespaces are allowed): the
    # tmpfs is seen by the runs inside and vanishes with them.
    done = subprocess.run(["unshare", "--mount", *([] if os.geteuid() == 0 else ["--map-root-user"]), "sh", "-c",
                           FULL_DISK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode == 77 or not (results / "full.rc").exists():
        pytest.skip(f"this machine does not allow mounting a tmpfs in a namespace: {done.stderr.strip()[-300:]}")
    full_err = (results / "full.err").read_text()
    assert (results / "full.rc").read_text().strip() == "1", full_err[-2000:]
    last = full_err.strip().splitlines()[-1]
    assert "no space left on the disk holding" in last and str(mount_point) in last and "Traceback" not in full_err
    resumed_err = (results / "resumed.err").read_text()
    assert (results / "resumed.rc").read_text().strip() == "0", resumed_err[-2000:]
    copy = results / "out"
    kept = int((results / "kept").read_text())
    resumed = json.loads((results / "resumed.out").read_text())[0]
    assert 0 < kept < resumed["chunks"]  # the disk filled midway
    assert resumed["synthesized"] == resumed["chunks"] - kept  # what was stored is used, not made again
    assert_whole(book, copy)
