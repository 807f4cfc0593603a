"""render_chunks from several threads at once (what a Prefect pool with more than one worker
does): batches wait for the model rather than run on it side by side."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narration import render
from narration.audio import Audio
from narration.model import Utterance
from narration.options import NarrationOptions
from narration.run.narrator import Narrator
from narration.run.plan import plan_book
from narration.store.chunk_keys import chunk_keys
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest

BOOK = "# Slots\n\n## One\n\n" + "\n\n".join(f"Paragraph number {n} is short and plain." for n in range(12))


class CountingBackend:
    """Records how many batches it is asked to synthesize at the same time."""

    name = "counting"
    max_chars = 400

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.calls = 0
        self._guard = threading.Lock()

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        return {"backend": self.name, "style": utterance.style}

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        with self._guard:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)  # long enough for the other threads to arrive
        with self._guard:
            self.running -= 1
        return [Audio(np.full(2205, 0.1, dtype=np.float32), 22050) for _ in batch]


@pytest.fixture()
def counting() -> CountingBackend:
    return CountingBackend()


def narrator_with(backend: CountingBackend) -> Narrator:
    return Narrator(backend_factory=lambda options: backend)


def test_concurrent_batches_take_turns_on_one_model(tmp_path: Path, counting: CountingBackend) -> None:
    source = tmp_path / "slots.md"
    source.write_text(BOOK, encoding="utf-8")
    options = NarrationOptions(backend="piper", qa=False, emotion={"enabled": False})
    plan = plan_book(source, options)
    keys = chunk_keys(plan.chunks, counting, options.synthesis.voice)
    layout = BookLayout(tmp_path / "out")
    manifest = Manifest(layout.manifest)
    manifest.set_plan(plan.chunks, keys, [ch.title for ch in plan.chapters])
    run_id = manifest.start_run()
    batches = [(plan.chunks[i : i + 2], keys[i : i + 2]) for i in range(0, len(plan.chunks), 2)]
    assert len(batches) >= 4

    errors: list[BaseException] = []
    narrator = narrator_with(counting)  # one narrator shared by the workers, as in the flow

    def work(chunks: Any, batch_keys: Any) -> None:
        try:
            render.render_chunks(chunks, batch_keys, layout, options, Manifest(layout.manifest), run_id,
                                 narrator=narrator)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=batch) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert counting.calls == len(batches)
    assert counting.most == 1
    assert all(layout.chunk_audio(k).exists() for k in keys)


def test_book_flow_pool_is_bounded() -> None:
    # Prefect's default pool is unbounded: every batch of a book would synthesize at once.
    from flows.book import narrate_book

    assert narrate_book.task_runner._max_workers == 2


def test_a_batch_commits_the_manifest_once_for_stored_chunks(
    tmp_path: Path, counting: CountingBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every manifest transaction is an fsync: a resumed book must not pay one per stored chunk.
    source = tmp_path / "slots.md"
    source.write_text(BOOK, encoding="utf-8")
    options = NarrationOptions(backend="piper", qa=False, emotion={"enabled": False})
    plan = plan_book(source, options)
    chunks = plan.chunks[:8]
    keys = chunk_keys(chunks, counting, options.synthesis.voice)
    layout = BookLayout(tmp_path / "out")
    manifest = Manifest(layout.manifest)
    manifest.set_plan(chunks, keys, [ch.title for ch in plan.chapters])
    transactions = 0
    connect = Manifest._connect

    def counted(self: Manifest) -> Any:
        nonlocal transactions
        transactions += 1
        return connect(self)

    monkeypatch.setattr(Manifest, "_connect", counted)
    first = render.render_chunks(chunks, keys, layout, options, manifest, manifest.start_run(),
                                 narrator=narrator_with(counting))
    assert [r.synthesized for r in first] == [True] * 8
    assert transactions == 1 + 1 + 8  # the run, the batch's attempts, one per stored take
    transactions = 0
    again = render.render_chunks(chunks, keys, layout, options, manifest, narrator=narrator_with(counting))
    assert [r.synthesized for r in again] == [False] * 8 and transactions == 1
    assert all(r.status == "done" and r.attempts == 1 for r in manifest.records())


def test_attempts_are_counted_per_chunk_across_batches(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "manifest.sqlite")
    assert manifest.begin_attempts(["a", "b"]) == [0, 0]
    assert manifest.begin_attempts(["b", "c"]) == [1, 0]
    assert manifest.begin_attempts(["b"]) == [2]


def test_batch_results_stored_under_the_modules_old_name_still_load() -> None:
    # Prefect keeps each finished batch's result (a list of RenderedChunk), pickled under the
    # module name of the release that ran it: narration.render before the module was renamed.
    import pickle

    from narration.run.takes import RenderedChunk

    stored = pickle.dumps([RenderedChunk(3, "abc", 1.5, True)], protocol=0)
    for name in (b"narration.render", b"narration.takes"):  # before 2026-11, before 2026-12
        old = stored.replace(b"narration.run.takes", name)
        assert name in old and b"narration.run.takes" not in old
        assert pickle.loads(old) == [RenderedChunk(3, "abc", 1.5, True)]
