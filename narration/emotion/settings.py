"""Settings of the emotion stage: which model, and how much restraint."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EmotionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    enabled: bool = Field(True, description="tag passages; off: every chunk stays neutral")
    model: str | None = Field(
        None, description="hub id or local folder of a text-classification model; None: the bundled English one"
    )
    label_map: dict[str, str] | None = Field(
        None, description="model label -> tag; None: joy->happy, sadness->sad, anger->angry, ..."
    )
    languages: list[str] = Field(["en"], description="book languages the model reads; others stay neutral")
    device: str | None = Field(None, description="torch device; None: cuda when there is one, else cpu")
    batch_size: int = Field(32, ge=1, le=1024)

    # Restraint: most narration stays neutral.
    # Tuned for precision on the literary dev set (bench/emotion_models.py tune-restraint: tune-half
    # precision >= 0.85, narration at least 0.1 above speech); probabilities are calibrated on
    # GoEmotions dev, so they mean the same for a retrained model.
    threshold: float = Field(0.85, gt=0, le=1, description="least smoothed probability for a tag in narration")
    dialogue_threshold: float = Field(0.75, gt=0, le=1, description="the same for quoted speech")
    hold: float = Field(0.15, ge=0, lt=1, description="a tag in force stays while its score is above threshold - hold")
    smoothing: float = Field(0.5, ge=0, le=1, description="weight of each neighbouring narration passage")
    dialogue_smoothing: float = Field(0.25, ge=0, le=1, description="weight of each neighbouring speech")
    max_share: float = Field(0.3, ge=0, le=1, description="most passages of a book that get a non-neutral tag")

    styles: str | None = Field(None, description="TOML file overriding the tag -> backend style table")
