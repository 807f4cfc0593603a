"""The tag -> backend settings table: how each synthesis backend voices each emotion tag.

The defaults ship as ``styles.toml`` beside this module; a user's TOML file of the same shape
overrides them tag by tag. A backend's table holds either instructions (strings, for
Qwen3-TTS) or prosody tables (``{rate, noise}`` multipliers, for Piper and Kokoro).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from narration.emotion.tags import NEUTRAL, TAGS
from narration.errors import ConfigError

Styles = dict[str, dict[str, Any]]  # backend -> tag -> instruction or {"rate", "noise"}

PROSODY_KEYS = ("rate", "noise")


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None


def _check_entry(value: Any, where: str) -> str | dict[str, float]:
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected an instruction string or a {{rate, noise}} table")
    unknown = sorted(set(value) - set(PROSODY_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; use {' and '.join(PROSODY_KEYS)}")
    prosody: dict[str, float] = {}
    for key in PROSODY_KEYS:
        number = value.get(key, 1.0)
        if isinstance(number, bool) or not isinstance(number, int | float) or not 0.25 <= number <= 4:
            raise ConfigError(f"{where}.{key}: expected a multiplier between 0.25 and 4, got {number!r}")
        prosody[key] = float(number)
    return prosody


def _check_table(data: dict[str, Any], origin: str) -> Styles:
    styles: Styles = {}
    for backend, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: [{backend}] must be a table of tag = setting")
        styles[backend] = {}
        for tag, value in table.items():
            if tag not in TAGS:
                raise ConfigError(f"{origin}: [{backend}] unknown tag {tag!r}; use one of {', '.join(TAGS)}")
            styles[backend][tag] = _check_entry(value, f"{origin}: {backend}.{tag}")
        kinds = {type(v) for v in styles[backend].values()}
        if len(kinds) > 1:
            raise ConfigError(f"{origin}: [{backend}] mixes instructions and prosody tables; use one kind")
    return styles


def default_styles() -> Styles:
    text = resources.files("narration.emotion").joinpath("styles.toml").read_text(encoding="utf-8")
    return _check_table(_read_toml(text, "styles.toml"), "styles.toml")


def load_styles(path: str | Path | None = None) -> Styles:
    """The shipped table, with the user's file at ``path`` (if any) laid over it tag by tag."""
    styles = default_styles()
    if path is None:
        return styles
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the emotion styles file ({exc.strerror or exc})") from None
    for backend, table in _check_table(_read_toml(text, str(path)), str(path)).items():
        merged = {**styles.get(backend, {}), **table}
        if len({type(v) for v in merged.values()}) > 1:
            raise ConfigError(f"{path}: [{backend}] must use the same kind of setting as the shipped table")
        styles[backend] = merged
    return styles


def prosody_table(backend: str, styles: Styles) -> dict[str, dict[str, float]]:
    """``tag -> {"rate", "noise"}`` for a prosody backend (Piper's ``style_prosody``)."""
    table = styles.get(backend, {})
    if any(isinstance(v, str) for v in table.values()):
        raise ConfigError(f"emotion styles for {backend!r} are instructions, not prosody settings")
    return {tag: dict(value) for tag, value in table.items()}


def instruction(backend: str, tag: str, styles: Styles) -> str:
    """The spoken-style instruction for ``tag`` (Qwen3-TTS); "" when none is set."""
    table = styles.get(backend, {})
    value = table.get(tag, table.get(NEUTRAL, ""))
    if not isinstance(value, str):
        raise ConfigError(f"emotion styles for {backend!r} are prosody settings, not instructions")
    return value
