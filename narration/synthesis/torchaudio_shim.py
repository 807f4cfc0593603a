"""Import ``qwen_tts`` on machines where torchaudio cannot load.

``qwen_tts`` imports ``torchaudio.compliance.kaldi`` at import time, for one call: ``kaldi.fbank``
in the 25 Hz speech tokenizer (``qwen_tts/core/tokenizer_25hz/vq/speech_vq.py``), which only the
25 Hz models use. The 12 Hz CustomVoice models this project runs never reach it; nothing else in
``qwen_tts`` 0.1.1 touches torchaudio. On a CUDA machine with a torchaudio matching its torch, the
real module loads and this file does nothing. On a CPU machine there may be no such torchaudio
(none exists for torch 2.13 on PyPI; the registry build fails to load ``libc10_cuda.so``), so
``qwen_tts`` is imported against a stand-in whose ``fbank`` raises a clear error if anything ever
calls it. The stand-in lives in ``sys.modules`` only while ``qwen_tts`` imports, so no other
library in the process sees a fake torchaudio.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import logging
import sys
import types
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

STAND_IN_MARK = "__narration_stand_in__"


class TorchaudioUnavailable(RuntimeError):
    """A code path that needs the real torchaudio ran on a machine without it."""


def _fbank(*_args: Any, **_kwargs: Any) -> Any:
    _fbank.calls += 1  # type: ignore[attr-defined]
    raise TorchaudioUnavailable(
        "torchaudio.compliance.kaldi.fbank was called, but torchaudio cannot load on this machine. "
        "Only Qwen3-TTS 25 Hz models need it; install a torchaudio build matching your torch to use them."
    )


_fbank.calls = 0  # type: ignore[attr-defined]


def _package(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None, is_package=True)
    module.__path__ = []  # a package, so "import torchaudio.compliance.kaldi" resolves submodules
    setattr(module, STAND_IN_MARK, True)
    return module


def _stand_in_modules() -> dict[str, types.ModuleType]:
    root, compliance, kaldi = _package("torchaudio"), _package("torchaudio.compliance"), _package(
        "torchaudio.compliance.kaldi"
    )
    kaldi.fbank = _fbank  # type: ignore[attr-defined]
    compliance.kaldi = kaldi  # type: ignore[attr-defined]
    root.compliance = compliance  # type: ignore[attr-defined]
    return {"torchaudio": root, "torchaudio.compliance": compliance, "torchaudio.compliance.kaldi": kaldi}


def _drop_torchaudio_modules() -> None:
    for name in [n for n in sys.modules if n == "torchaudio" or n.startswith("torchaudio.")]:
        del sys.modules[name]


@contextlib.contextmanager
def _stand_in_torchaudio() -> Iterator[None]:
    # A failed real import can leave half-initialised torchaudio submodules behind.
    _drop_torchaudio_modules()
    sys.modules.update(_stand_in_modules())
    try:
        yield
    finally:
        _drop_torchaudio_modules()


def real_torchaudio_error() -> BaseException | None:
    """None when the real ``torchaudio.compliance.kaldi`` imports, else the error it raised."""
    try:
        importlib.import_module("torchaudio.compliance.kaldi")
    except (ImportError, OSError, RuntimeError) as exc:  # RuntimeError: torchaudio/torch mismatch
        return exc
    return None


def import_qwen_tts() -> types.ModuleType:
    """``import qwen_tts``, with the torchaudio stand-in when the real one cannot load."""
    if "qwen_tts" in sys.modules:
        return sys.modules["qwen_tts"]
    # transformers computes "is torchaudio available" when it is first imported: do that before
    # the stand-in exists, so the answer stays the true one.
    importlib.import_module("transformers")
    error = real_torchaudio_error()
    if error is None:
        return importlib.import_module("qwen_tts")
    with _stand_in_torchaudio():
        module = importlib.import_module("qwen_tts")
    log.info(
        "torchaudio cannot load here (%s: %s); imported qwen_tts with a stand-in for "
        "torchaudio.compliance.kaldi, which only the 25 Hz tokenizer uses (12 Hz models do not)",
        type(error).__name__,
        error,
    )
    return module


def stand_in_fbank_calls() -> int:
    """How often the stand-in ``fbank`` was called in this process (tests: must stay 0)."""
    return int(_fbank.calls)  # type: ignore[attr-defined]


def uses_stand_in() -> bool:
    """Whether the imported ``qwen_tts`` got the stand-in rather than the real torchaudio."""
    speech_vq = sys.modules.get("qwen_tts.core.tokenizer_25hz.vq.speech_vq")
    kaldi = getattr(speech_vq, "kaldi", None)
    return bool(getattr(kaldi, STAND_IN_MARK, False))
