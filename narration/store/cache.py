"""Where derived models live (assembled from registry packages on first use)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$NARRATION_CACHE, else $XDG_CACHE_HOME/narration, else ~/.cache/narration."""
    if os.environ.get("NARRATION_CACHE"):
        return Path(os.environ["NARRATION_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "narration"
