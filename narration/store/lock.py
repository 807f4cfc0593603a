"""One run per book: a lock on the book's output folder, held for the whole run.

An advisory ``flock`` on ``.work/lock``: the operating system drops it when the process ends,
however it ends (a crash or ``kill -9`` leaves no stale lock), and it holds across processes on
one machine. The file also says who holds it (pid, host, since), for the message a second run
gets. On network file systems ``flock`` may be emulated or local to each client: two machines
narrating one book in a shared folder are not guarded (README).

Output folders are often shared, so the lock file is opened without following a link, through a
``.work`` opened the same way, and written only when it is a regular file with no other name:
a link or hard link planted there to another file is refused, never emptied.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import stat
import time
from collections.abc import Iterator

from narration.errors import BookLocked, InputError
from narration.store.layout import BookLayout, check_own_folder

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        who = json.loads(os.read(fd, 4096).decode("utf-8"))
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(who["since"]))
        return f"pid {who['pid']} on host {who['host']} since {since}"
    except (OSError, ValueError, KeyError, TypeError, OverflowError):  # damaged: "since" out of time_t's range
        return "another run"


def _open_lock(layout: BookLayout, flags: int) -> int:
    """The lock file's descriptor: opened in ``.work`` without following a link at either step, and
    refused (``InputError``) unless it is a regular file of one name, ours to write."""
    path = layout.work / "lock"
    try:
        work = os.open(layout.work, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
        try:
            fd = os.open("lock", flags | _NOFOLLOW, 0o644, dir_fd=work)
        finally:
            os.close(work)
    except OSError as exc:  # ELOOP for a linked lock, ENOTDIR for a linked .work
        link = next((p for p in (layout.work, path) if os.path.islink(p)), None)
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR) or link is None:
            raise
        raise InputError(link, "is a symbolic link; the book's lock is never written through one: remove it") from None
    found = os.fstat(fd)
    if stat.S_ISREG(found.st_mode) and found.st_nlink == 1:
        return fd
    os.close(fd)
    what = "has other names (hard links)" if stat.S_ISREG(found.st_mode) else "is not a regular file"
    raise InputError(path, f"{what}; the book's lock is never written to another file: remove it")


@contextlib.contextmanager
def book_lock(layout: BookLayout, *, wait: bool = False) -> Iterator[None]:
    """Hold the book's lock for the block; ``wait``: until the other run ends, else ``BookLocked``.
    Every writer of the book's folder (a run, prune, verify) takes it first, so a folder that is not
    ours alone (``check_own_folder``) is refused here, before anything is written."""
    check_own_folder(layout)
    try:
        import fcntl
    except ImportError:  # no flock on this platform (Windows): runs are not guarded
        yield
        return
    layout.work.mkdir(parents=True, exist_ok=True)
    fd = _open_lock(layout, os.O_RDWR | os.O_CREAT)
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
        fd = _open_lock(layout, os.O_RDONLY)
    except FileNotFoundError:  # never narrated here: nobody holds it
        return None
    except InputError:  # a link or another file, not our lock: the run refuses the folder, saying why
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by the close below
    except BlockingIOError:
        return _holder(fd)
    finally:
        os.close(fd)
    return None
