"""Chapters found in real plain-text books, with this tree's reader and, beside it, another's.

    python bench/headings_by_layout.py BOOK.txt [BOOK.txt ...] [--before TREE] [--titles]

For each book: the chapters the plain-text reader makes and how their headings were found
(``Book.structure``), and with ``--before TREE`` (a folder holding an older ``narration``
package, e.g. ``git archive <commit> narration | tar -x -C TREE``) the same from that code, run
in a subprocess so both are measured in one run. ``--titles`` lists every chapter title, which
is what a person reads to count the headings found right, found wrongly and missed against the
book's own (bench/results/headings_by_layout.md). Not a timed benchmark; prints the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hardware import machine  # noqa: E402

_READ = """
import json, sys
from pathlib import Path
from narration.ingest.plaintext import load_text
try:
    book = load_text(Path(sys.argv[1]))
    print(json.dumps({"titles": [c.title for c in book.chapters], "structure": book.structure}))
except Exception as exc:  # a book this code cannot read is a row too
    print(json.dumps({"error": str(exc)}))
"""


def read(path: Path, tree: Path) -> dict[str, object]:
    """The chapters of ``path`` as the ``narration`` package under ``tree`` reads them."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True, text=True, env=env,
                          cwd=tree, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", nargs="+", type=Path)
    parser.add_argument("--before", type=Path, help="a folder with an older narration package")
    parser.add_argument("--titles", action="store_true", help="list every chapter title")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for path in args.books:
        now = read(path.resolve(), ROOT)
        before = read(path.resolve(), args.before.resolve()) if args.before else None
        counts = f"{len(now.get('titles', []))} chapters"
        if before is not None:
            counts = f"{len(before.get('titles', []))} -> {counts}"
        print(f"\n{path.name}: {counts}; {now.get('structure') or now.get('error')}")
        if args.titles:
            for title in now.get("titles", []):
                print(f"  {title}")


if __name__ == "__main__":
    main()
