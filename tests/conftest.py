"""Fixtures shared across test files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-TTS CustomVoice model, built once per session (no download)."""
    from qwen3_tiny import build_random_custom_voice

    return build_random_custom_voice(tmp_path_factory.mktemp("qwen3") / "tiny-custom-voice")
