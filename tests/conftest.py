"""Fixtures shared across test files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-TTS CustomVoice model, built once per session (no download)."""
    from qwen3_tiny import build_random_custom_voice

    return build_random_custom_voice(tmp_path_factory.mktemp("qwen3") / "tiny-custom-voice")


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect server for every test that runs flows in-process (it starts in ~8 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


SHORT_BOOK = "# Two Short Chapters\n\n## One\n\nThe first chapter is short. It ends here.\n\n## Two\n\nThe second one too.\n"


@pytest.fixture()
def short_book(tmp_path: Path) -> Path:
    """A two-chapter Markdown book of four short chunks: the quickest whole narration."""
    path = tmp_path / "short.md"
    path.write_text(SHORT_BOOK, encoding="utf-8")
    return path
