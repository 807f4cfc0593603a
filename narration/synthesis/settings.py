"""Settings of the synthesis stage: which voice reads the book, and how the text is cut for it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SynthesisSettings(BaseModel):
    """Which voice reads the book, and how the text is cut for it."""

    model_config = ConfigDict(extra="forbid")

    backend: str = Field("auto", description="synthesis backend name; auto: qwen3 on a CUDA GPU with the model available, else the CPU voice")
    model: str | None = Field(None, description="model hub id or local dir for model backends (qwen3); None: the default")
    quantization: str | None = Field(None, description="qwen3: nf4, int8, bf16 or fp32; None: nf4 on GPU, fp32 on CPU")
    voice: str | None = Field(None, description="backend voice/speaker name or model path; None: the default")
    speed: float = Field(1.0, gt=0.25, le=4.0, description="speaking rate multiplier")
    max_chars: int | None = Field(None, ge=40, le=2000, description="chunk bound; None: the backend's")
    lexicon: str | None = Field(None, description="pronunciation lexicon file (TOML or TSV): word -> how to say it")
    batch_size: int = Field(8, ge=1, le=256, description="chunks per synthesis task")
