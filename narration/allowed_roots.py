"""The folders a run may read and write: ``NARRATION_ALLOWED_ROOTS``.

The Prefect deployments take ``book_path``, ``inputs``, ``out_dir`` and the options (a lexicon,
a styles table, model and voice paths) from whoever fills in the dashboard's form, and the
worker reads and writes them as its own user. With ``NARRATION_ALLOWED_ROOTS`` set (absolute
folders separated by ``os.pathsep``), a run naming a path that is outside every one of them once
symlinks and ``..`` are resolved is refused before anything is read or written. Unset or empty:
no restriction.

This confines the paths a run is given; it does not make the Prefect API safe to share (README,
Trust model): whoever reaches the API can do more than fill in the form.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from narration.errors import ConfigError, InputError
from narration.options import NarrationOptions

ENV = "NARRATION_ALLOWED_ROOTS"

#: Options that always name a file.
FILE_OPTIONS: tuple[tuple[str, str], ...] = (("synthesis", "lexicon"), ("emotion", "styles"))
#: Options that name a file or folder, or else something the backend knows by name (a hub id, a
#: voice or model size): the backends read the value from disk when it is there, so it is checked
#: when it is there or is written as a path.
NAME_OR_PATH_OPTIONS: tuple[tuple[str, str], ...] = (
    ("synthesis", "model"), ("synthesis", "voice"), ("qa", "asr_model"), ("emotion", "model"),
    ("cast", "source"),  # a cast file, or auto / off
)


def allowed_roots(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The folders of ``NARRATION_ALLOWED_ROOTS``, resolved; empty when it is unset or empty
    (no restriction). A relative entry is a ConfigError: it would mean another folder in each
    process that reads it."""
    text = (os.environ if environ is None else environ).get(ENV, "")
    roots = []
    for entry in filter(None, (part.strip() for part in text.split(os.pathsep))):
        if not Path(entry).expanduser().is_absolute():
            raise ConfigError(f"{ENV}: {entry!r} is not an absolute path (give absolute folders separated by "
                              f"{os.pathsep!r})")
        roots.append(Path(entry).expanduser().resolve())
    return tuple(roots)


def written_as_path(value: str) -> bool:
    """Whether a model or voice option names a file or folder rather than a hub id ("owner/name")
    or a name: written as a path, or there on disk (where the backends look first)."""
    return (value.startswith((".", "/", "~")) or value.count("/") > 1 or "\\" in value
            or os.path.lexists(value) or os.path.lexists(os.path.expanduser(value)))


def option_paths(options: NarrationOptions) -> dict[str, str]:
    """The options that name a file or folder, by their place in the form
    (``{"options.synthesis.lexicon": "/books/lexicon.toml"}``)."""
    named = {}
    for section, field in FILE_OPTIONS + NAME_OR_PATH_OPTIONS:
        value = getattr(getattr(options, section), field)
        if value and ((section, field) in FILE_OPTIONS or written_as_path(value)):
            named[f"options.{section}.{field}"] = value
    return named


def check_allowed(
    paths: Mapping[str, str | os.PathLike[str] | None],
    options: NarrationOptions | None = None,
    roots: Sequence[Path] | None = None,
) -> None:
    """Refuse the first of ``paths`` (parameter name -> path) or of the file options of
    ``options`` that is outside the allowed roots: an InputError naming it, the parameter and
    the roots. ``roots``: ``allowed_roots()`` when None; none (or an empty variable) allows all."""
    roots = allowed_roots() if roots is None else tuple(roots)
    if not roots:
        return
    named = {name: os.fspath(value) for name, value in paths.items() if value is not None}
    if options is not None:
        named |= option_paths(options)
    for name, value in named.items():
        if (resolved := _outside(value, name, roots)) is not None:
            how = "is" if str(resolved) == value else f"resolves to {resolved},"
            raise InputError(value, f"{name} {how} outside the folders {ENV} allows "
                                    f"({os.pathsep.join(map(str, roots))}); nothing was read or written")


def _outside(value: str, name: str, roots: Sequence[Path]) -> Path | None:
    """``value`` resolved when it is not inside one of ``roots``; None when it is. Read as
    written and with ``~`` expanded (some readers expand it, some do not), relative to the
    working folder, as the readers do."""
    for candidate in dict.fromkeys((value, os.path.expanduser(value))):
        try:
            resolved = Path(candidate).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
            raise InputError(value, f"{name} cannot be resolved ({exc}); nothing was read or written") from None
        if not any(resolved.is_relative_to(root) for root in roots):
            return resolved
    return None
