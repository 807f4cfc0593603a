"""``narrate check FILE...``: measure audio files against a delivery profile (``narration.mastering``).

Exit codes: 0 every file passes, 1 a rule fails, 2 bad input (a file missing or not audio: one
line naming it).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from narration.cli.output import dump_json, fail, plain, say
from narration.errors import NarrationError
from narration.mastering.conformance import BookCheck, check_files
from narration.mastering.profiles import PROFILES, get_profile

NAME = "check"
HELP = "measure audio files against a delivery profile (acx)"
DESCRIPTION = (
    "Measure audio files (any MP3, M4A, FLAC, WAV, Opus; a folder stands for the audio files in it) against a "
    "delivery profile: RMS level, true peak, noise floor (the quietest 500 ms), room tone at the head and tail, "
    "sample rate, channels, bit rate and CBR/VBR mode, duration; pass or fail per rule with the measured value. "
    "Exit 0 when every file passes, 1 when a rule fails, 2 when a file is missing or not audio."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="audio files or folders of them (one book)")
    p.add_argument("--profile", default="acx", choices=sorted(PROFILES),
                   help="the profile to check against (default: acx; the profile named default measures only)")
    p.add_argument("--json", action="store_true", help="print the measurements and verdicts as JSON")


def _db(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "-inf"


def print_check(check: BookCheck, console: Console) -> None:
    table = Table(title=f"profile {check.profile}: {'PASS' if check.passed else 'FAIL'}", show_lines=False)
    for column in ("file", "RMS dB", "peak dBTP", "noise dB", "head s", "tail s", "Hz", "ch", "kbps", "mode",
                   "min", "result"):
        table.add_column(column, justify="left" if column in ("file", "mode", "result") else "right",
                         no_wrap=column != "file", overflow="fold")
    for f in check.files:
        m = f.measurement
        failed = {r.rule for r in f.rules if not r.passed}

        def cell(text: str, *rules: str, failed: set[str] = failed) -> Text:
            return Text(text, style="red" if failed.intersection(rules) else "")

        table.add_row(
            plain(Path(m.path).name), cell(_db(m.rms_db), "rms"), cell(_db(m.peak_db), "peak"),
            cell(_db(m.noise_floor_db), "noise_floor"), cell(f"{m.head_s:.2f}", "head"), cell(f"{m.tail_s:.2f}", "tail"),
            cell(str(m.sample_rate), "sample_rate"), str(m.channels),
            cell(f"{m.bitrate_kbps:.0f}" if m.bitrate_kbps is not None else "-", "bitrate"),
            cell(m.bitrate_mode if m.codec == "mp3" else f"{m.codec}", "bitrate_mode", "format"),
            cell(f"{m.duration / 60:.1f}", "duration"),
            Text("pass") if f.passed else Text("FAIL", style="red"),
        )
    console.print(table)
    for f in check.files:
        for r in f.rules:
            if not r.passed:
                say(console, f"{Path(f.measurement.path).name}: {r.rule} {r.measured}, needs {r.required}",
                    soft_wrap=True)
    for r in check.book_rules:
        say(console, f"book: {r.rule} {r.measured} ({r.required}): {'pass' if r.passed else 'FAIL'}")


def run(args: argparse.Namespace) -> int:
    try:
        check = check_files(args.files, get_profile(args.profile))
    except NarrationError as exc:
        return fail(str(exc))
    if args.json:
        dump_json(check.to_dict())
    else:
        console = Console()
        # Off a terminal (a pipe, a log) rich would wrap to 80 columns and cut every number.
        print_check(check, console if console.is_terminal else Console(width=200))
    return 0 if check.passed else 1
