"""Settings of the cast stage: whether quotes are read in their characters' voices."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CAST_AUTO = "auto"
CAST_OFF = "off"


class CastSettings(BaseModel):
    """Whose voice reads each quote."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(CAST_AUTO, description="auto: find the characters and give each a voice (kept in the "
                        "book's cast.toml, which you may edit); off: the narrator reads every quote; a path: "
                        "the cast.toml you wrote")

    @property
    def off(self) -> bool:
        return self.source == CAST_OFF

    @property
    def file(self) -> str | None:
        """The cast file the user named, or None for auto and off."""
        return None if self.source in (CAST_AUTO, CAST_OFF) else self.source
