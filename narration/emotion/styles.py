"""The tag -> backend settings table: how each synthesis backend voices each emotion tag.

The defaults ship as ``styles.toml`` beside this module; a user's TOML file of the same shape
overrides them tag by tag. A backend's table holds either instructions (strings, for
Qwen3-TTS) or prosody tables (``{rate, noise}`` multipliers, for Piper and Kokoro, and for Kokoro
English a ``blend``: voices whose delivery a tag borrows, ``["af_nicole:0.3", "am_adam:0.3"]``).
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from narration.emotion.tags import NEUTRAL, TAGS
from narration.errors import ConfigError

Styles = dict[str, dict[str, Any]]  # backend -> tag -> instruction or {"rate", "noise"}

PROSODY_KEYS = ("rate", "noise")
BLEND_KEY = "blend"
MAX_BLEND = 0.5  # beyond half, the narrator's delivery would be the other voice's
_BLEND = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:\s*([0-9.eE+-]+)\s*")


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(f"{origin}: not a styles table: arrays or tables nested too deeply") from None


def parse_blend(entry: str) -> tuple[str, float]:
    """``"af_bella:0.3"``: a voice and the share of its delivery a tag borrows."""
    match = _BLEND.fullmatch(entry) if isinstance(entry, str) else None
    try:
        weight = float(match.group(2)) if match else 0.0
    except ValueError:
        weight = 0.0
    if not match or not 0 < weight <= MAX_BLEND:
        raise ConfigError(f"blend {entry!r}: expected \"voice:weight\", the weight above 0 and at most {MAX_BLEND}")
    return match.group(1), weight


def _check_blend(value: Any, where: str) -> tuple[str, ...]:
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: expected a \"voice:weight\" string or a list of them")
    for entry in entries:
        try:
            parse_blend(entry)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return tuple(entries)


def _check_entry(value: Any, where: str) -> str | dict[str, Any]:
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected an instruction string or a {{rate, noise}} table")
    unknown = sorted(set(value) - {*PROSODY_KEYS, BLEND_KEY})
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; use {', '.join((*PROSODY_KEYS, BLEND_KEY))}")
    prosody: dict[str, Any] = {}
    for key in PROSODY_KEYS:
        number = value.get(key, 1.0)
        if isinstance(number, bool) or not isinstance(number, int | float) or not 0.25 <= number <= 4:
            raise ConfigError(f"{where}.{key}: expected a multiplier between 0.25 and 4, got {number!r}")
        prosody[key] = float(number)
    if BLEND_KEY in value:
        prosody[BLEND_KEY] = _check_blend(value[BLEND_KEY], f"{where}.{BLEND_KEY}")
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


def prosody_table(backend: str, styles: Styles) -> dict[str, dict[str, Any]]:
    """``tag -> {"rate", "noise"[, "blend"]}`` for a prosody backend (Piper's and Kokoro's
    ``style_prosody``)."""
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
