"""Stores made by an earlier release are reused: the sample books' chunk keys, computed by the
code of commit b113d05 (before the ingest rework and ``narrate()``), must not change.

The keys use a fixed backend identity, so they test what our code decides (the reading, the
chunks, their speech text and the key's hashing), not the voice package's version. A change
that must change them bumps ``narration.store.chunk_keys.KEY_VERSION`` and regenerates this fixture.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narration.options import NarrationOptions
from narration.run.plan import plan_book
from narration.store.chunk_keys import chunk_key, utterance_for

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).with_name("fixtures") / "chunk-keys-b113d05.json"


@pytest.mark.parametrize("name", sorted(json.loads(FIXTURE.read_text(encoding="utf-8"))))
def test_sample_books_keep_their_chunk_keys(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))[name]
    # Piper's chunk size for every book, the Japanese one too, which its English voice does not
    # read (planning refuses that since the voices were matched to the book's language).
    monkeypatch.setattr("narration.run.plan.unread_language", lambda *args: None)
    plan = plan_book(ROOT / "inputs" / name, NarrationOptions(backend="piper", emotion={"enabled": False}))
    keys = [chunk_key(utterance_for(chunk, None), {"backend": "fixture"}) for chunk in plan.chunks]
    assert keys == expected


def test_options_in_sections_keep_the_flat_form_and_the_inbox_fingerprint() -> None:
    # Deployments registered before the options had sections pass the flat form; the inbox's
    # fingerprints were made from its JSON. Both must still hold (fixture written by the code
    # before the change, from the same inputs).
    from narration.options import NarrationOptions

    cases = json.loads((Path(__file__).parent / "fixtures" / "options-json-before-sections.json").read_text())
    assert len(cases) == 3
    for case in cases:
        options = NarrationOptions(**case["given"])
        assert options.flat_json() == case["json"]
        assert NarrationOptions.model_validate(options.model_dump()) == options  # the sectioned form round-trips
    flat = NarrationOptions(backend="piper", qa=False, format="flac", batch_size=2)
    assert (flat.synthesis.backend, flat.qa.enabled, flat.assembly.format, flat.synthesis.batch_size) == (
        "piper", False, "flac", 2)
