"""The book's output folder is narrate's alone: nothing is written, read or deleted through a link
planted in it, and every file reaches ffmpeg absolute (a relative --out may start with '-')."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from narration import narrate
from narration.assembly import (
    Pauses,
    assemble_book,
    assemble_chapter,
    probe_duration,
    read_wav,
    write_wav,
)
from narration.audio import Audio, frame_count
from narration.cli import main
from narration.errors import InputError
from narration.ffmpeg import run_ffmpeg
from narration.mastering.conformance import measure_file
from narration.mastering.master import master_chapter
from narration.mastering.profiles import get_profile
from narration.model import PAUSE_SENTENCE
from narration.options import NarrationOptions
from narration.run.pipeline import plan
from narration.store.layout import BookLayout
from narration.store.lock import book_lock, locked_by
from narration.store.prune import _prune, prune_book

FAST = ["--backend", "piper", "--no-qa", "--no-emotion"]
OPTIONS = NarrationOptions(backend="piper", format="flac", m4b=False, loudness=None, qa=False,
                           emotion={"enabled": False})
FOREIGN = b"someone else's file\n"


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` (links not followed) with a file's bytes: to see nothing changed."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        found[str(path.relative_to(folder))] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return found


@pytest.fixture()
def victim(tmp_path: Path) -> Path:
    """A folder outside the book's, with a file, that a planted link points into."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "precious.txt").write_bytes(FOREIGN)
    return folder


# --- the lock ------------------------------------------------------------------------------


def test_a_symlinked_lock_file_is_refused_and_its_target_left_whole(tmp_path: Path, short_book: Path, victim: Path) -> None:
    layout = BookLayout.for_book(tmp_path / "out", short_book)
    layout.work.mkdir(parents=True)
    (layout.work / "lock").symlink_to(victim / "precious.txt")
    with pytest.raises(InputError, match="lock: is a symbolic link"):
        with book_lock(layout):
            pass
    assert (victim / "precious.txt").read_bytes() == FOREIGN  # was emptied and overwritten with the lock record
    # only looking (the CLI's preflight, the bulk scan): not our lock, so nobody holds it; the
    # book's own run says why it is refused, and the scan goes on to the other books
    assert locked_by(layout) is None


@pytest.mark.parametrize("kind", ["hard link", "fifo"])
def test_a_lock_file_that_is_not_ours_alone_is_never_written(tmp_path: Path, short_book: Path, victim: Path,
                                                             kind: str) -> None:
    layout = BookLayout.for_book(tmp_path / "out", short_book)
    layout.work.mkdir(parents=True)
    lock = layout.work / "lock"
    if kind == "hard link":
        os.link(victim / "precious.txt", lock)  # the same file under a second name
    else:
        os.mkfifo(lock)
    with pytest.raises(InputError, match=r"lock: (has other names|is not a regular file)"):
        with book_lock(layout):
            pass
    assert (victim / "precious.txt").read_bytes() == FOREIGN


def test_the_lock_is_opened_without_following_a_link_even_past_the_folder_check(
    tmp_path: Path, short_book: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link planted between the folder check and the open (a race) is refused by the open itself."""
    import narration.store.lock

    layout = BookLayout.for_book(tmp_path / "out", short_book)
    layout.work.mkdir(parents=True)
    (layout.work / "lock").symlink_to(victim / "precious.txt")
    monkeypatch.setattr(narration.store.lock, "check_own_folder", lambda layout: None, raising=False)
    with pytest.raises(InputError, match="lock: is a symbolic link"):
        with book_lock(layout):
            pass
    assert (victim / "precious.txt").read_bytes() == FOREIGN


# --- links in the book's folder ------------------------------------------------------------


LINKED = {  # what is planted in the book's folder -> what it points to
    ".work": "folder", "chapters": "folder", ".work/chunks": "folder",
    "book.json": "file", "script.tsv": "file", "short.m4b": "file", ".work/manifest.sqlite": "file",
}


@pytest.mark.parametrize("name", sorted(LINKED))
def test_a_link_in_the_book_folder_is_refused_with_one_line_before_anything_is_written(
    tmp_path: Path, short_book: Path, victim: Path, capsys: pytest.CaptureFixture, name: str
) -> None:
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, short_book)
    link = layout.root / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim if LINKED[name] == "folder" else victim / "precious.txt")
    before, elsewhere = _tree(layout.root), _tree(victim)

    assert main([str(short_book), "--out", str(out), *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{link}: is a symbolic link" in err.replace("\n", "")
    assert _tree(layout.root) == before and _tree(victim) == elsewhere  # nothing written, here or there
    with pytest.raises(InputError, match="is a symbolic link"):  # the library's callers are refused too
        narrate(short_book, out, OPTIONS)
    assert _tree(layout.root) == before and _tree(victim) == elsewhere


def test_the_book_folder_itself_may_not_be_a_link_but_out_may(tmp_path: Path, short_book: Path, victim: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    BookLayout.for_book(out, short_book).root.symlink_to(victim, target_is_directory=True)
    with pytest.raises(InputError, match="the book's folder is a symbolic link"):
        plan(short_book, out, OPTIONS)

    from narration.store.layout import check_own_folder

    linked_out = tmp_path / "linked-out"
    linked_out.symlink_to(victim, target_is_directory=True)  # the user's own choice of --out
    (victim / "short" / ".work").mkdir(parents=True)
    check_own_folder(BookLayout.for_book(linked_out, short_book))  # not refused


def test_a_link_planted_after_planning_is_refused_where_the_run_takes_the_book(
    tmp_path: Path, short_book: Path, victim: Path
) -> None:
    """narrate(planned=...) and the Prefect flow run a plan made before: the lock checks again."""
    out = tmp_path / "out"
    planned = plan(short_book, out, OPTIONS)
    planned[1].root.mkdir(parents=True)
    planned[1].work.symlink_to(victim, target_is_directory=True)
    with pytest.raises(InputError, match=r"\.work: is a symbolic link"):
        narrate(short_book, out, OPTIONS, planned=planned)
    assert _tree(victim) == {"precious.txt": FOREIGN}  # the store was written there


def test_a_fifo_where_the_script_is_read_is_refused_not_waited_on(tmp_path: Path, short_book: Path) -> None:
    layout = BookLayout.for_book(tmp_path / "out", short_book)
    layout.root.mkdir(parents=True)
    os.mkfifo(layout.script)  # reading it waits for a writer forever
    raised: list[BaseException] = []

    def planning() -> None:
        try:
            plan(short_book, tmp_path / "out", OPTIONS)
        except BaseException as exc:  # noqa: BLE001  (looked at below)
            raised.append(exc)

    reader = threading.Thread(target=planning, daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():  # it waited: let it go, then fail
        os.close(os.open(layout.script, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("planning waited on a FIFO where the script is read")
    assert len(raised) == 1 and isinstance(raised[0], InputError)
    assert "script.tsv: is not a regular file" in str(raised[0])


def test_a_hard_linked_manifest_is_refused(tmp_path: Path, short_book: Path, victim: Path) -> None:
    layout = BookLayout.for_book(tmp_path / "out", short_book)
    layout.work.mkdir(parents=True)
    os.link(victim / "precious.txt", layout.manifest)  # SQLite writes it in place: through both names
    with pytest.raises(InputError, match=r"manifest\.sqlite: has other names"):
        plan(short_book, tmp_path / "out", OPTIONS)


# --- prune ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A book narrated once (Piper, FLAC, no QA); tests prune copies of it."""
    folder = tmp_path_factory.mktemp("narrated")
    book = folder / "pruned.md"
    book.write_text("# Pruned\n\n## One\n\nThe first line stays.\n\n## Two\n\nThis one too.\n", encoding="utf-8")
    narrate(book, folder / "out", OPTIONS)
    return book, folder / "out"


def _copy(narrated: tuple[Path, Path], tmp_path: Path) -> tuple[Path, BookLayout]:
    book, out = narrated
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return book, BookLayout.for_book(tmp_path / "out", book)


def _stale_victim(victim: Path) -> Path:
    """A file in ``victim`` that prune would delete if it listed it as the book's."""
    (victim / "ff").mkdir()
    stale = victim / "ff" / ("f" * 64 + ".wav")
    shutil.copyfile(victim / "precious.txt", stale)
    shutil.copyfile(victim / "precious.txt", victim / "99 - Gone.flac")
    return stale


def test_prune_refuses_a_book_folder_with_a_link_and_deletes_nothing_there(
    narrated: tuple[Path, Path], tmp_path: Path, victim: Path, capsys: pytest.CaptureFixture
) -> None:
    book, layout = _copy(narrated, tmp_path)
    stale = _stale_victim(victim)
    (layout.chunks / "ff").symlink_to(victim / "ff", target_is_directory=True)
    shutil.rmtree(layout.chapters)
    layout.chapters.symlink_to(victim, target_is_directory=True)
    assert main(["prune", str(book), "--out", str(layout.root.parent)]) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    with pytest.raises(InputError, match="is a symbolic link"):
        prune_book(layout)
    assert stale.exists() and (victim / "99 - Gone.flac").exists()


def test_prune_lists_no_link_and_never_deletes_through_one(
    narrated: tuple[Path, Path], tmp_path: Path, victim: Path
) -> None:
    """Past the lock's check (a link made during the prune): the listing does not follow it either."""
    _book, layout = _copy(narrated, tmp_path)
    stale = _stale_victim(victim)
    (layout.chunks / "ff").symlink_to(victim / "ff", target_is_directory=True)
    (layout.chapters / "99 - Gone.flac").symlink_to(victim / "99 - Gone.flac")
    found = _prune(layout, dry_run=False)
    assert stale.exists() and (victim / "99 - Gone.flac").exists()
    assert not any(path.is_symlink() or victim in path.parents for path in found.files)


def test_prune_refuses_to_delete_through_a_folder_swapped_for_a_link(tmp_path: Path, victim: Path) -> None:
    from narration.store.prune import _remove

    root = tmp_path / "book"
    (root / "ab").mkdir(parents=True)
    listed = root / "ab" / "precious.txt"
    listed.write_bytes(b"ours")
    shutil.rmtree(root / "ab")  # between the listing and the delete, the folder becomes a link
    (root / "ab").symlink_to(victim, target_is_directory=True)
    with pytest.raises(InputError, match="now a symbolic link"):
        _remove(root, listed)
    assert (victim / "precious.txt").read_bytes() == FOREIGN


# --- a relative --out that starts with '-' -------------------------------------------------


def _tone(seconds: float = 0.6, rate: int = 24000) -> Audio:
    t = np.arange(round(rate * seconds)) / rate
    return Audio((0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def test_files_reach_ffmpeg_absolute_when_their_relative_names_start_with_a_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call that hands a file to ffmpeg, ffprobe or pydub, with the paths a relative
    --out=-x gives: each finishes, and no argument names a file relatively."""
    monkeypatch.chdir(tmp_path)
    commands: list[list[str]] = []
    popen = subprocess.Popen

    class Recorded(popen):  # type: ignore[misc, valid-type]
        def __init__(self, args, *rest, **kwargs):  # noqa: ANN001, ANN002, ANN003
            commands.append([str(a) for a in args])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    folder = Path("-x")
    piece = write_wav(folder / "a.wav", _tone())
    chapter = assemble_chapter([(piece, PAUSE_SENTENCE)], folder / "01 - One.mp3", master_path=folder / "01.wav",
                               pauses=Pauses(chapter_lead=0.1, chapter_tail=0.1), loudness=-19.0)
    mastered = master_chapter([(piece, PAUSE_SENTENCE)], folder / "02 - Two.mp3", master_path=folder / "02.wav",
                              profile=get_profile("acx"))
    m4b = assemble_book([("One", folder / "01.wav"), ("Two", mastered.parts[0])], folder / "book.m4b",
                        title="T", authors=["A"], language="en")
    run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=0.3", "-c:a", "pcm_f32le", folder / "float.wav"], what="make")
    assert read_wav(folder / "float.wav").samples.size > 0  # float WAV: pydub hands it to ffmpeg
    assert frame_count(folder / "01 - One.mp3")[1] > 0  # not WAV: ffprobe
    assert measure_file(mastered.parts[0]).duration > 0
    assert probe_duration(m4b) > chapter.duration

    named = [arg for cmd in commands for arg in cmd if "-x" in arg and "/" in arg]
    assert named and all(os.path.isabs(arg) for arg in named), named


@pytest.mark.slow
def test_a_book_narrated_with_out_dash_x_is_assembled(tmp_path: Path, short_book: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([short_book.name, "--out=-x", *FAST]) == 0
    layout = BookLayout.for_book("-x", short_book)
    assert layout.m4b.is_file() and len(list(layout.chapters.iterdir())) == 2
