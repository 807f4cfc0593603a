"""Finding and running ffmpeg/ffprobe, with one-line errors instead of a wall of stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from narration.errors import ConfigError, NarrationError


class FFmpegError(NarrationError):
    """ffmpeg or ffprobe ran and failed; the message ends with the last lines of its stderr."""


def find_tool(name: str) -> str:
    """The full path of ``ffmpeg`` or ``ffprobe``; a ConfigError that says how to get it if missing."""
    found = shutil.which(name)
    if found is None:
        raise ConfigError(f"{name} not found: install it with apt-get install ffmpeg")
    return found


def file_arg(path: str | Path) -> str:
    """A file as ffmpeg, ffprobe and pydub are given it: absolute, so a relative name that starts
    with '-' (``--out=-x``) is never read as an option, nor one with a colon as a protocol."""
    return str(Path(path).absolute())


def _stderr_tail(stderr: bytes, lines: int = 4) -> str:
    text = stderr.decode("utf-8", "replace").strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:]) or "no error output"


def run_ffmpeg(
    args: Sequence[str | Path | int], *, what: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args``; ``what`` completes "ffmpeg failed to ..." in the error message.

    Output files are overwritten (-y) because callers always write to fresh temp paths. Files
    are given as ``Path``: they reach ffmpeg absolute (``file_arg``); a ``str`` goes as it is.
    """
    # -nostdin unless we feed it: a stray ffmpeg must never eat the terminal's input.
    cmd = [find_tool("ffmpeg"), "-hide_banner", "-nostats", "-y", *([] if stdin is not None else ["-nostdin"])]
    cmd += [file_arg(a) if isinstance(a, Path) else str(a) for a in args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise FFmpegError(f"ffmpeg failed to {what}: {_stderr_tail(proc.stderr)}")
    return proc


def probe(path: str | Path) -> dict[str, Any]:
    """ffprobe's JSON for ``path``: format, streams and chapters."""
    path = Path(path)
    cmd = [
        find_tool("ffprobe"), "-v", "error", "-print_format", "json",
        "-show_format", "-show_streams", "-show_chapters", file_arg(path),
    ]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise FFmpegError(f"ffprobe failed to read {path}: {_stderr_tail(proc.stderr)}")
    return json.loads(proc.stdout.decode("utf-8"))


def probe_duration(path: str | Path) -> float:
    """Duration in seconds as the container reports it."""
    return float(probe(path)["format"]["duration"])


def probe_chapters(path: str | Path) -> list[dict[str, Any]]:
    """Chapter markers as ``{"title", "start", "end"}`` (seconds), in order."""
    return [
        {
            "title": ch.get("tags", {}).get("title", ""),
            "start": float(ch["start_time"]),
            "end": float(ch["end_time"]),
        }
        for ch in probe(path).get("chapters", [])
    ]
