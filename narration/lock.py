"""One run per book: a lock on the book's output folder, held for the whole run.

An advisory ``flock`` on ``.work/lock``: the operating system drops it when the process ends,
however it ends (a crash or ``kill -9`` leaves no stale lock), and it holds across processes on
one machine. The file also says who holds it (pid, host, since), for the message a second run
gets. On network file systems ``flock`` may be emulated or local to each client: two machines
narrating one book in a shared folder are not guarded (README).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator

from narration.errors import BookLocked
from narration.layout import BookLayout


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        who = json.loads(os.read(fd, 4096).decode("utf-8"))
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(who["since"]))
        return f"pid {who['pid']} on host {who['host']} since {since}"
    except (OSError, ValueError, KeyError, TypeError, OverflowError):  # damaged: "since" out of time_t's range
        return "another run"


@contextlib.contextmanager
def book_lock(layout: BookLayout, *, wait: bool = False) -> Iterator[None]:
    """Hold the book's lock for the block; ``wait``: until the other run ends, else ``BookLocked``."""
    try:
        import fcntl
    except ImportError:  # no flock on this platform (Windows): runs are not guarded
        yield
        return
    layout.work.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.work / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BookLocked(layout.root, _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def locked_by(layout: BookLayout) -> str | None:
    """Who holds the book's lock right now ("pid N on host H since ..."), or None when nobody does.
    Only looks: creates nothing, and takes the lock for no longer than the test itself."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fd = os.open(layout.work / "lock", os.O_RDONLY)
    except FileNotFoundError:  # never narrated here: nobody holds it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by the close below
    except BlockingIOError:
        return _holder(fd)
    finally:
        os.close(fd)
    return None
