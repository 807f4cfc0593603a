"""What the content pass (narration.ingest.block_kinds) leaves out of real books, kind by kind.

    python bench/block_kinds.py BOOK [BOOK ...] [--all]

For each book: the paragraphs and chapters the pass leaves out, with their kind, words and first
words, so a person can read every decision (the only way to find a false positive). Not a timed
benchmark; prints the machine for the record like the others.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from narration.errors import InputError  # noqa: E402
from narration.ingest import _read  # noqa: E402 - the readers without the content pass
from narration.ingest.block_kinds import BlockRules, leave_out_by_content  # noqa: E402
from narration.options import IngestOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", nargs="+", type=Path)
    parser.add_argument("--all", action="store_true", help="list every left-out part, not the first five per kind")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    for path in args.books:
        options = IngestOptions()
        try:
            before = _read(path, options)
        except InputError as exc:
            print(f"\n{path.name}: not read ({exc})")
            continue
        after = leave_out_by_content(before, BlockRules())
        new = after.omitted[len(before.omitted):]
        words = sum(c.words for c in before.chapters)
        print(f"\n{path.name}: {len(before.chapters)} -> {len(after.chapters)} chapters, {words} words; "
              f"left out by content: {sum(o.words for o in new)} words in {len(new)} part(s)")
        shown: Counter[str] = Counter()
        for o in new:
            shown[o.kind] += 1
            if args.all or shown[o.kind] <= 5:
                print(f"  {o.kind:11} {o.words:6} words  {o.where}: {o.excerpt}")
        for kind, count in shown.items():
            if count > 5 and not args.all:
                print(f"  {kind:11} ... {count - 5} more")


if __name__ == "__main__":
    main()
