"""The flags of ``narrate run`` that set ``NarrationOptions``, generated from its fields.

Each setting is defined once, as a pydantic field of its stage's settings model: its name, type,
default, bounds and description. The parser's flags and ``options_from_args`` are read from
those fields, walking ``NarrationOptions.model_fields`` down through the parts (so the parts may
move between modules): the help is the field's description with its default, a ``Literal`` type
gives the choices, a bool a switch, and pydantic validates the values, as it does for every
other caller. A field added to a settings model is a flag with no change here; the tables below
only keep the names the flags had before they were generated.

Naming: ``--{field}``, hyphenated; a part's fields may take a prefix or suffix (``AFFIXES``); a
bool that defaults to true is ``--no-{field}``, and a part's ``enabled`` is ``--no-{part}``.
"""

from __future__ import annotations

import argparse
import inspect
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from narration.options import NarrationOptions

#: Fields of a part named with a prefix or suffix: (prefix, suffix) by the part's path.
AFFIXES: dict[str, tuple[str, str]] = {
    "emotion": ("emotion-", ""),  # beside synthesis' --model and --batch-size
    "ingest.limits": ("max-", ""),
    "assembly.pauses": ("", "-pause"),
}
#: Flags named otherwise than the rules say (their names from before the flags were generated).
RENAMED: dict[str, str] = {"emotion.max_share": "--emotion-share", "emotion.styles": "--styles", "cast.source": "--cast"}
#: Settings whose ``None`` (off) has a flag of its own, besides the flag that sets a value.
OFF_FLAGS: dict[str, str] = {"assembly.loudness": "--no-loudnorm"}
#: Settings with no flag: the emotion model's internals and its restraint, tuned on the dev set
#: (bench/emotion_models.py); set them from Python or in a deployment's parameters.
NOT_FLAGS: frozenset[str] = frozenset({
    "emotion.label_map", "emotion.languages", "emotion.device", "emotion.batch_size", "emotion.threshold",
    "emotion.dialogue_threshold", "emotion.hold", "emotion.smoothing", "emotion.dialogue_smoothing",
})

_DEST = "settings:"  # argparse dests of these flags: apart from the command's own (out, json, ...)


@dataclass(frozen=True)
class Flag:
    """One setting on the command line."""

    path: str  # "assembly.pauses.sentence"
    name: str  # "--sentence-pause"
    field: FieldInfo
    owner: type[BaseModel]  # the settings model the field belongs to (``Pauses``)

    @property
    def part(self) -> str:
        """The owner's path: "assembly.pauses"."""
        return self.path.rpartition(".")[0]

    @property
    def dest(self) -> str:
        return _DEST + self.path

    @property
    def off(self) -> str | None:
        """The flag that sets this setting to None, if it has one."""
        return OFF_FLAGS.get(self.path)

    @property
    def default(self) -> Any:
        return self.field.get_default(call_default_factory=True)


def settings_flags(model: type[BaseModel] = NarrationOptions, prefix: str = "") -> Iterator[Flag]:
    """A flag for each field of ``model`` and of its parts, in their order (``NOT_FLAGS`` left out)."""
    for name, field in model.model_fields.items():
        path = prefix + name
        if path in NOT_FLAGS:
            continue
        part = field.annotation
        if isinstance(part, type) and issubclass(part, BaseModel):
            yield from settings_flags(part, path + ".")
        else:
            yield Flag(path, flag_name(path, field), field, model)


def flag_name(path: str, field: FieldInfo) -> str:
    if path in RENAMED:
        return RENAMED[path]
    part, _, name = path.rpartition(".")
    before, after = AFFIXES.get(part, ("", ""))
    word = f"{before}{name}{after}".replace("_", "-")
    if field.annotation is bool and field.get_default() is True:
        return "--no-" + (part.replace(".", "-").replace("_", "-") if name == "enabled" else word)
    return f"--{word}"


def add_settings_arguments(parser: argparse.ArgumentParser, model: type[BaseModel] = NarrationOptions) -> None:
    """The flags of every setting, grouped by the part they set (its docstring's first sentence
    says what the part is). Nothing is given a default: a flag not given leaves its setting to
    the model."""
    groups: dict[str, Any] = {}
    for flag in settings_flags(model):
        if flag.part not in groups:
            groups[flag.part] = parser.add_argument_group(f"{flag.part or 'other'} settings", _first_sentence(flag.owner))
        _add_flag(groups[flag.part], flag)


def _add_flag(group: Any, flag: Flag) -> None:
    kind = _unwrapped(flag.field.annotation)
    described = (flag.field.description or "").replace("%", "%%")
    if kind is bool:
        on = flag.default is not True
        group.add_argument(flag.name, dest=flag.dest, action="store_true" if on else "store_false",
                           default=argparse.SUPPRESS, help=described if on else f"turn off: {described}")
        return
    options: dict[str, Any] = {"dest": flag.dest, "default": argparse.SUPPRESS, "help": described + _default_note(flag.default)}
    if get_origin(kind) is Literal:
        options |= {"choices": get_args(kind), "type": type(get_args(kind)[0])}
    elif kind in (int, float):
        options |= {"type": kind, "metavar": "N" if kind is int else _metavar(flag)}
    else:  # text, or a collection its validator reads from text ("srt,vtt")
        options["metavar"] = _metavar(flag)
        if inner := _choices_inside(kind):
            options["help"] += f" (comma-separated: {', '.join(inner)})"
    group.add_argument(flag.name, **options)
    if flag.off:
        group.add_argument(flag.off, dest=flag.dest + ":off", action="store_true", default=argparse.SUPPRESS,
                           help=f"leave {flag.name} unset: {described}")


def options_from_args(args: argparse.Namespace, model: type[BaseModel] = NarrationOptions) -> Any:
    """The settings the flags give, validated by ``model``; those not given keep their defaults.
    A bad value raises ``ValidationError`` (``validation_message`` names its flag)."""
    data: dict[str, Any] = {}
    for flag in settings_flags(model):
        if getattr(args, flag.dest + ":off", False):
            value = None
        elif hasattr(args, flag.dest):
            value = getattr(args, flag.dest)
        else:
            continue
        *parts, name = flag.path.split(".")
        section = data
        for part in parts:
            section = section.setdefault(part, {})
        section[name] = value
    return model.model_validate(data)


def validation_message(exc: ValidationError, model: type[BaseModel] = NarrationOptions) -> str:
    """One line: each problem with the flag that set it (``--sentence-pause: ...``)."""
    names = {tuple(flag.path.split(".")): flag.name for flag in settings_flags(model)}
    problems = []
    for error in exc.errors():
        loc = tuple(map(str, error["loc"]))
        flag = next((names[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in names), None)
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{flag}: {message}" if flag else message)
    return "; ".join(problems)


def _unwrapped(annotation: Any) -> Any:
    """``int | None`` -> int (None is the field's default, or ``OFF_FLAGS``'s)."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        if len(kinds) == 1:
            return kinds[0]
    return annotation


def _choices_inside(kind: Any) -> tuple[Any, ...]:
    """The choices of a collection of ``Literal`` (``tuple[Literal["srt", "vtt"], ...]``), or ()."""
    return next((get_args(a) for a in get_args(kind) if get_origin(a) is Literal), ())


def _default_note(default: Any) -> str:
    if default is None or default == "" or isinstance(default, (tuple, frozenset, list)) and not default:
        return ""
    return f" (default {default:,})" if isinstance(default, int) else f" (default {default})"


def _metavar(flag: Flag) -> str:
    return flag.name.removeprefix("--").upper().replace("-", "_")


def _first_sentence(model: type[BaseModel]) -> str | None:
    doc = model.__dict__.get("__doc__")  # its own, not a base class's
    return inspect.cleandoc(doc).replace("\n", " ").split(". ")[0].removesuffix(".") + "." if doc else None
