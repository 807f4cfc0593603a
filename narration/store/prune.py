"""Delete what a book's current plan no longer uses: chunk takes of edited or re-voiced text,
their set-aside and rejected takes, their sentence-position files, and chapter files (with their masters and records) of
chapters that were renamed or removed.

The chunk store is content-addressed, so every edit leaves the old takes behind (a 14-hour book
is ~2 GB of WAV). Nothing is pruned automatically: switching back to an earlier voice or text
reuses those takes. "Current" is the plan of the book's last run, so prune after the run that
settled the book, not during one.

Links are never followed: the book's lock refuses a folder that holds one (``check_own_folder``),
the listing reads entries as they are (a link is neither a file nor a folder to it), and each
file is removed through its folders opened without following a link, so a folder swapped for one
after the listing is refused, not deleted through.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from narration.errors import InputError, NarrationError
from narration.store.layout import BookLayout, check_own_folder
from narration.store.lock import book_lock
from narration.store.manifest import Manifest
from narration.store.verify import read_record


@dataclass
class PruneResult:
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    forgotten_keys: int = 0


def prune_book(layout: BookLayout, dry_run: bool = False) -> PruneResult:
    """Remove (or with ``dry_run`` only list) the files of ``layout`` the last plan does not use;
    refused (``BookLocked``) while a run holds the book, and (``InputError``) when the book's
    folder holds a link (``check_own_folder``)."""
    check_own_folder(layout)
    if not layout.manifest.exists():
        raise NarrationError(f"{layout.root}: not narrated yet (no manifest), nothing to prune")
    with book_lock(layout):
        return _prune(layout, dry_run)


def _prune(layout: BookLayout, dry_run: bool) -> PruneResult:
    manifest = Manifest(layout.manifest)
    records = manifest.records()
    keys = {r.key for r in records}
    chapters = {r.chapter: r.chapter_title for r in records}
    takes = [p for folder in (layout.chunks, layout.replaced, layout.rejected) for p in _files(folder, "*/*.wav")]
    stale = [p for p in takes if p.stem not in keys]
    # where each sentence lies in a take (for captions), beside the take: <key>.sentences.json
    stale += [p for p in _files(layout.chunks, "*/*.sentences.json") if p.name.split(".", 1)[0] not in keys]
    stale += _stale_chapter_files(layout, chapters)
    result = PruneResult(files=sorted(stale), bytes=sum(p.lstat().st_size for p in stale))
    if dry_run:
        return result
    for path in result.files:
        _remove(layout.root, path)
    result.forgotten_keys = manifest.forget_unplanned()
    return result


def _listed(folder: Path) -> list[os.DirEntry[str]]:
    """The entries right in ``folder`` as they are, links not followed (none when ``folder`` is
    missing, a link or not a folder)."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        return list(entries)


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    """The regular files in ``folder`` that match ``pattern`` ("*.wav", or "*/*.wav" one folder
    down); a link, to a file or a folder, is not listed."""
    folders = [folder]
    if "/" in pattern:
        folders = [Path(e.path) for e in _listed(folder) if e.is_dir(follow_symlinks=False)]
        pattern = pattern.split("/", 1)[1]
    return sorted(Path(e.path) for sub in folders for e in _listed(sub)
                  if e.is_file(follow_symlinks=False) and Path(e.name).match(pattern))


def _remove(root: Path, path: Path) -> None:
    """Unlink ``path``, inside ``root``, through its folders opened without following a link."""
    if os.unlink not in os.supports_dir_fd:  # no dir_fd here (Windows): the lock's check must do
        path.unlink(missing_ok=True)
        return
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for name in path.relative_to(root).parts[:-1]:
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.unlink(path.name, dir_fd=fd)
    except FileNotFoundError:
        pass
    except OSError as exc:  # ENOTDIR (Linux) or ELOOP: O_NOFOLLOW met a link where a folder was listed
        if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
            raise
        raise InputError(path, "a folder on its way is now a symbolic link; nothing is deleted through one") from None
    finally:
        os.close(fd)


def _stale_chapter_files(layout: BookLayout, chapters: dict[int, str]) -> list[Path]:
    # Any format counts as current: the manifest does not record which one the last run wrote.
    current = {layout.chapter_file(i, title, "x").stem for i, title in chapters.items()}
    # and the files the chapters' records name (a profile's parts: "01 - Title (part 2).mp3")
    current |= {Path(name).stem for i in chapters for name in (read_record(layout.chapter_record(i)) or {"files": {}})["files"]}
    masters = {path.name for i in chapters for path in (layout.chapter_master(i), layout.chapter_record(i))}
    stale = [p for p in _files(layout.chapters) if p.stem not in current]
    return stale + [p for p in _files(layout.chapter_masters) if p.suffix in (".wav", ".json") and p.name not in masters]

