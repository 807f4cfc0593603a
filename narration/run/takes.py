"""Takes of chunks: synthesis, then QA with retakes, then the store (chunks -> checked, stored audio).

Chunks already stored are skipped. Each new take is checked (signal checks and an ASR round
trip); a failing take is retaken with new seeds and the best take kept. A chunk that still
fails, or whose synthesis raised, is recorded in the manifest and does not stop the others in
its batch; ``render_chunks`` raises ``ChunkFailures`` at the end so the caller (a Prefect task)
can show the batch as failed and retry it. The models come from a ``Narrator``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from narration.assembly.timing import record_take_spans
from narration.audio import Audio, frame_count, write_wav
from narration.model import Chunk, Utterance
from narration.options import NarrationOptions
from narration.qa import QAResult, RetakeOutcome, outcome_record, retake, retake_seed
from narration.run import faults
from narration.run.narrator import Narrator
from narration.store.chunk_keys import utterance_for
from narration.store.fingerprint import Fingerprint
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest
from narration.store.verify import take_problem
from narration.synthesis.base import Backend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedChunk:
    index: int
    key: str
    duration: float
    synthesized: bool  # False: reused from the store


class ChunkFailures(RuntimeError):
    """Some chunks of a batch could not be synthesized; the rest were stored."""

    def __init__(self, failures: dict[int, str], transient: bool) -> None:
        self.failures = failures
        self.transient = transient
        listed = "; ".join(f"chunk {i}: {err}" for i, err in sorted(failures.items()))
        super().__init__(f"{len(failures)} chunk(s) failed: {listed}")


# Errors worth retrying as they are: resources, not the text. Anything else (a phonemizer that
# chokes on the text, an injected fault) fails the same way again until something changes.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, MemoryError, TimeoutError)


def take_seed(key: str, attempt: int) -> int | None:
    # The first attempt leaves the seed to the backend (derived from the text, so a rerun
    # reproduces it); every later attempt, in this run or a rerun, gets a fresh one.
    return None if attempt == 0 else retake_seed(key, attempt)


def stored_take(layout: BookLayout, key: str, expected: Fingerprint | None) -> tuple[float, Fingerprint] | None:
    """The stored take's length and fingerprint, or None when there is none to use: a file that
    fails verification (truncated, empty, overwritten, bytes changed since ``expected`` was
    recorded) is moved aside with a warning, to be made again. A whole take with no recorded
    fingerprint (an older store, a rebuilt manifest) is adopted: its fingerprint is taken now."""
    path = layout.chunk_audio(key)
    if not path.exists():
        return None
    problem = take_problem(path, expected)
    if problem is not None:
        aside = layout.damaged_take(key)
        aside.parent.mkdir(parents=True, exist_ok=True)
        path.replace(aside)
        log.warning("stored take %s is damaged (%s): moved to %s; it will be synthesized again", key, problem, aside)
        return None
    frames, rate = frame_count(path)
    return frames / rate, expected or Fingerprint.of(path)


def _synthesize(narrator: Narrator, backend: Backend, utterances: list[Utterance]) -> list[Audio]:
    with narrator.slot(backend):
        return list(backend.synthesize(utterances))


def _synthesize_all(narrator: Narrator, backend: Backend, utterances: list[Utterance]) -> list[Audio | Exception]:
    """One batch call (what GPUs want); if it raises, each chunk alone, so only the bad one fails."""
    try:
        return _synthesize(narrator, backend, utterances)
    except Exception:
        if len(utterances) == 1:
            raise
    results: list[Audio | Exception] = []
    for utterance in utterances:
        try:
            results.extend(_synthesize(narrator, backend, [utterance]))
        except Exception as exc:
            results.append(exc)
    return results


@dataclass
class _Take:
    chunk: Chunk
    key: str
    attempt: int  # the manifest's 0-based attempt number of this first take
    audio: Audio


def _check_and_retake(
    takes: list[_Take], backend: Backend | None, options: NarrationOptions, narrator: Narrator
) -> list[tuple[_Take, RetakeOutcome | None]]:
    """QA every take (ASR in one batch), and retake the failing ones with fresh seeds."""
    checker = narrator.checker(options)
    if checker is None or not takes:
        return [(take, None) for take in takes]
    verdicts = checker.check_batch(
        [t.chunk.source for t in takes], [t.audio for t in takes], [t.chunk.language for t in takes]
    )
    results = []
    for take, verdict in zip(takes, verdicts, strict=True):
        chunk, key = take.chunk, take.key

        def synthesize(n: int, chunk: Chunk = chunk, key: str = key, base: int = take.attempt) -> Audio:
            assert backend is not None
            return _synthesize(narrator, backend, [utterance_for(chunk, options.synthesis.voice, retake_seed(key, base + n))])[0]

        def check(audio: Audio, chunk: Chunk = chunk) -> QAResult:
            return checker.check(chunk.source, audio, chunk.language)

        results.append((take, retake(synthesize, check, options.qa.max_retakes, first=(take.audio, verdict))))
    return results


def render_chunks(
    chunks: Sequence[Chunk],
    keys: Sequence[str],
    layout: BookLayout,
    options: NarrationOptions,
    manifest: Manifest,
    run_id: str | None = None,
    *,
    narrator: Narrator,
) -> list[RenderedChunk]:
    """Synthesize, check and store the chunks whose audio is not stored yet, with the
    narrator's models."""
    injected = faults.active_faults()
    rendered: dict[int, RenderedChunk] = {}
    errors: dict[int, tuple[str, bool]] = {}  # chunk index -> (message, transient)
    missing: list[tuple[Chunk, str]] = []
    stored: dict[str, tuple[float, Fingerprint]] = {}
    expected = manifest.fingerprints(list(keys))
    for chunk, key in zip(chunks, keys, strict=True):
        take = stored_take(layout, key, expected.get(key))
        if take is None:
            missing.append((chunk, key))
        else:
            stored[key] = take
            rendered[chunk.index] = RenderedChunk(chunk.index, key, take[0], False)
    if stored:
        manifest.mark_stored(stored)
    attempts = manifest.begin_attempts([key for _, key in missing]) if missing else []
    todo: list[tuple[Chunk, str, int]] = []
    for (chunk, key), attempt in zip(missing, attempts, strict=True):
        if attempt == 0 and injected.get(chunk.index) == "fail":
            errors[chunk.index] = (f"InjectedFault: injected failure (fail@{chunk.index})", False)
            manifest.mark_failed(key, errors[chunk.index][0], run_id)
        else:
            todo.append((chunk, key, attempt))

    backend = narrator.backend(options) if todo else None
    takes: list[_Take] = []
    if backend is not None:
        utterances = [utterance_for(c, options.synthesis.voice, take_seed(k, a)) for c, k, a in todo]
        for (chunk, key, attempt), audio in zip(todo, _synthesize_all(narrator, backend, utterances), strict=True):
            if isinstance(audio, Exception):
                errors[chunk.index] = (f"{type(audio).__name__}: {audio}", isinstance(audio, TRANSIENT_ERRORS))
                manifest.mark_failed(key, errors[chunk.index][0], run_id)
                continue
            fault = injected.get(chunk.index) if attempt == 0 else None
            takes.append(_Take(chunk, key, attempt, faults.damage(audio, fault) if fault else audio))

    for take, outcome in _check_and_retake(takes, backend, options, narrator):
        chunk, key = take.chunk, take.key
        if outcome is None:
            kept, record, retakes = take.audio, None, 0
        else:
            kept, record, retakes = outcome.best.audio, outcome_record(outcome), outcome.retakes
            if retakes or not outcome.passed:  # keep a turned-down take for the report
                write_wav(layout.rejected_take(key), min(outcome.takes, key=lambda t: t.rank).audio)
            if not (outcome.passed or options.qa.allow_failures):
                reasons = ", ".join(outcome.best.result.reasons)
                errors[chunk.index] = (f"QA failed after {retakes + 1} takes: {reasons}", False)
                manifest.mark_failed(key, errors[chunk.index][0], run_id, qa=record, retakes=retakes)
                continue
        path = write_wav(layout.chunk_audio(key), kept)
        fingerprint = Fingerprint.of(path)
        record_take_spans(layout, key, kept, fingerprint.sha256)  # where its sentences lie, for captions
        manifest.mark_done(key, kept.duration, run_id, qa=record, retakes=retakes, fingerprint=fingerprint)
        rendered[chunk.index] = RenderedChunk(chunk.index, key, kept.duration, True)

    if errors:
        for index, (message, _) in sorted(errors.items()):
            log.warning("chunk %d failed: %s", index, message)
        raise ChunkFailures({i: m for i, (m, _) in errors.items()}, any(t for _, t in errors.values()))
    return [rendered[chunk.index] for chunk in chunks]
