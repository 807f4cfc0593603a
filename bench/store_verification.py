"""What verifying a book's store costs before a rerun uses it, scaled to a 14-hour book.

    .venv/bin/python bench/store_verification.py [--takes 3000] [--hash-mb 256]

A 14-hour book read by Piper is about 3,000 stored takes (17 s each) and 2.4 GB of 24 kHz 16-bit
chapter masters plus about 400 MB of 64 kbps chapter files. Takes are checked by their WAV header
(``narration.audio.wav_problem``: a few bytes each, whatever their length), so the bench times that
on ``--takes`` short files; chapters by size and SHA-256, so it times SHA-256 over ``--hash-mb`` MB
and scales to 2.8 GB. Prints both, the machine named. Not a test.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration.audio import Audio, wav_problem, write_wav  # noqa: E402
from narration.hashing import file_sha256  # noqa: E402

BOOK_CHAPTER_BYTES = 2.4e9 + 0.4e9


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takes", type=int, default=3000)
    parser.add_argument("--hash-mb", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-verify-") as tmp:
        folder = Path(tmp)
        take = write_wav(folder / "take.wav", Audio(np.zeros(24000, dtype=np.float32), 24000))
        data = take.read_bytes()
        for i in range(args.takes):
            (folder / f"{i:05d}.wav").write_bytes(data)
        paths = sorted(folder.glob("0*.wav"))
        started = time.perf_counter()
        bad = [p for p in paths if wav_problem(p) is not None]
        takes_s = time.perf_counter() - started
        big = folder / "master.wav"
        with big.open("wb") as f:
            f.write(os.urandom(args.hash_mb << 20))
        started = time.perf_counter()
        file_sha256(big)
        hash_s = time.perf_counter() - started
    per_byte = hash_s / (args.hash_mb << 20)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"takes: {len(paths)} header checks in {takes_s:.2f} s ({takes_s / len(paths) * 1e6:.0f} us each), {len(bad)} bad")
    print(f"chapters: SHA-256 {args.hash_mb} MB in {hash_s:.2f} s; a 14-hour book's 2.8 GB of chapter files and "
          f"masters: about {per_byte * BOOK_CHAPTER_BYTES:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
