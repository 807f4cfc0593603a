"""What mastering asks of the settings: the delivery profile (the assembly section's
``profile``, kept there so the options' JSON keeps its shape) must be one we know, and the
chapter format and level must be ones it can master."""

from __future__ import annotations

from narration.errors import ConfigError
from narration.mastering.profiles import get_profile


def profile_problem(profile: str, format: str, loudness: float | None) -> str | None:
    """Why chapter files in ``format`` at ``loudness`` cannot be mastered to ``profile``, or None."""
    try:
        mastering = get_profile(profile).mastering
    except ConfigError as exc:
        return str(exc)
    if mastering is not None and format != mastering.format:
        return f"profile {profile} writes {mastering.format} chapter files, not {format}"
    if mastering is not None and loudness is None:
        return f"profile {profile} sets the level itself; leave loudness on"
    return None
