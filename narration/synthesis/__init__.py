"""Synthesis backends, chosen by name. Imports are lazy: a backend's heavy dependencies load
only when it is picked."""

from __future__ import annotations

import importlib
from typing import Any

from narration.errors import ConfigError
from narration.synthesis.base import Audio, Backend, Utterance

# name -> "module:class"; the modules import their engines only when instantiated.
BACKENDS: dict[str, str] = {
    "piper": "narration.synthesis.piper:PiperBackend",
}


def available_backends() -> list[str]:
    return sorted(BACKENDS)


def backend_class(name: str) -> type:
    """The class registered as ``name``; an unknown name lists the available ones."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"unknown backend {name!r}; available: {', '.join(available_backends())}"
        ) from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def get_backend(name: str, **options: Any) -> Backend:
    """Instantiate the backend called ``name`` with its options."""
    return backend_class(name)(**options)


__all__ = ["Audio", "Backend", "Utterance", "available_backends", "backend_class", "get_backend"]
