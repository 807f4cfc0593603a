"""What verifying a book's store costs before a rerun uses it, scaled to a 14-hour book.

    .venv/bin/python bench/store_verification.py [--takes 300] [--hash-mb 256]

A 14-hour book read by Piper is about 3,000 stored takes (17 s each, 2.4 GB of 24 kHz 16-bit WAV),
2.4 GB of chapter masters and about 400 MB of 64 kbps chapter files and M4B. Every take is checked
by its WAV header and its size and SHA-256 as recorded in the manifest
(``narration.store.verify.take_problem``), so the bench times that on ``--takes`` 17-second takes and
scales to 3,000; the header check alone is timed beside it. Chapter files and the M4B are checked
by size and SHA-256 (``narration.store.fingerprint``): timed over ``--hash-mb`` MB and scaled to 2.8 GB.
Files are in the page cache (a cold disk adds its read time). Prints the machine. Not a test.
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

from narration.audio import Audio, write_wav  # noqa: E402
from narration.store.fingerprint import Fingerprint  # noqa: E402
from narration.store.verify import take_problem, wav_problem  # noqa: E402

BOOK_TAKES = 3000
BOOK_CHAPTER_BYTES = 2.4e9 + 0.4e9


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takes", type=int, default=300)
    parser.add_argument("--hash-mb", type=int, default=256)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="store-verify-") as tmp:
        folder = Path(tmp)
        noise = rng.uniform(-0.3, 0.3, 17 * 24000).astype(np.float32)
        take = write_wav(folder / "take.wav", Audio(noise, 24000))
        data = take.read_bytes()
        for i in range(args.takes):
            (folder / f"{i:05d}.wav").write_bytes(data)
        paths = sorted(folder.glob("0*.wav"))
        recorded = {p: Fingerprint.of(p) for p in paths}  # as the manifest holds them (and warms the cache)
        started = time.perf_counter()
        headers_bad = [p for p in paths if wav_problem(p) is not None]
        header_s = time.perf_counter() - started
        started = time.perf_counter()
        bad = [p for p in paths if take_problem(p, recorded[p]) is not None]
        full_s = time.perf_counter() - started
        big = folder / "master.wav"
        with big.open("wb") as f:
            f.write(os.urandom(args.hash_mb << 20))
        started = time.perf_counter()
        Fingerprint.of(big)
        hash_s = time.perf_counter() - started
    scale = BOOK_TAKES / len(paths)
    chapters_s = hash_s / (args.hash_mb << 20) * BOOK_CHAPTER_BYTES
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"takes: {len(paths)} x {len(data) / 1e6:.2f} MB; header only {header_s:.3f} s, header + size + SHA-256 "
          f"{full_s:.2f} s ({len(headers_bad) + len(bad)} bad); for {BOOK_TAKES} takes: {header_s * scale:.2f} s "
          f"and {full_s * scale:.1f} s")
    print(f"chapters and M4B: SHA-256 {args.hash_mb} MB in {hash_s:.2f} s; for 2.8 GB: about {chapters_s:.1f} s")
    print(f"a 14-hour book's whole store and outputs: about {full_s * scale + chapters_s:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
