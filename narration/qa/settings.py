"""Settings of the QA stage: how every chunk is checked, and what happens to one that fails."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QASettings(BaseModel):
    """How every chunk is checked, and what happens to one that fails."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="check every chunk (signal checks and an ASR round trip)")
    asr_model: str = Field(
        "auto",
        description="faster-whisper model for QA: auto (English: tiny.en, a take it fails heard again by base; "
        "other languages: base), tiny.en or base (both ship offline), a size/id or a local dir",
    )
    max_retakes: int = Field(2, ge=0, le=10, description="new takes of a chunk that fails QA before it counts as failed")
    allow_failures: bool = Field(False, description="keep the best take of a chunk that still fails QA and assemble")
