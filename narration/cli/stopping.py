"""Ctrl-C and SIGTERM during a run: the run unwinds cleanly instead of dying midway."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


class Stopped(BaseException):
    """SIGINT or SIGTERM arrived during a run (a BaseException, like KeyboardInterrupt, so no
    ``except Exception`` on the way swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Turn the first SIGINT or SIGTERM into ``Stopped`` in the main thread, so the run unwinds
    (takes are written atomically, the book's lock and any temporary Prefect server go with the
    process cleanly); a second signal stops at once, as the default handlers do."""

    def stop(signum: int, frame: object) -> None:
        for name in (signal.SIGINT, signal.SIGTERM):
            signal.signal(name, signal.SIG_DFL)
        raise Stopped(signum)

    previous = {name: signal.signal(name, stop) for name in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)
