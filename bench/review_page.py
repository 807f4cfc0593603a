"""How fast ``narrate review``'s page answers on a long book: a 300-chapter book generated here,
narrated with Piper once (kept in the output folder, so a second run measures only the page),
then the page's first data request (``/api/book``) timed on a fresh server (cold: nothing read
yet) and again (warm), and, where the server has it, one chapter fetched on demand.

    python bench/review_page.py [--out /tmp/review-bench] [--chapters 300] [--before DIR]

``--before DIR``: a tree of the code to compare with (``git archive COMMIT narration | tar -x -C
DIR``); each tree is measured in a process of its own (``PYTHONPATH``), one after the other, on
the same narrated book, and the ratios printed side by side. Prints the machine. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hardware import machine

from narration import NarrationOptions, narrate
from narration.review.book import open_book
from narration.review.server import create_app

OPTIONS = NarrationOptions(backend="piper", batch_size=16, format="flac", loudness=None, qa=False,
                           emotion={"enabled": False})
SENTENCES = ["The wind came down from the hills at night.", "Nobody in the village slept that week.",
             "\u201cWho is there?\u201d asked the miller, holding up his lamp."]


def long_book(chapters: int) -> str:
    """A Markdown book of ``chapters`` short chapters, each a paragraph of three sentences."""
    body = "".join(f"## Chapter {n}\n\n{' '.join(SENTENCES)} It was day {n}.\n\n" for n in range(1, chapters + 1))
    return f"# A Long Book\n\n{body}"


def timed(client: TestClient, path: str) -> tuple[float, float]:
    start = time.perf_counter()
    response = client.get(path)
    response.raise_for_status()
    return time.perf_counter() - start, len(response.content)


def measure(book: Path, out: Path, chapters: int) -> dict[str, float]:
    """The page's first response on a fresh server (cold), again (warm), and a chapter opened."""
    client = TestClient(create_app(open_book(out, book)), base_url="http://127.0.0.1:8765")
    found: dict[str, float] = {}
    found["cold_s"], found["cold_bytes"] = timed(client, "/api/book")
    found["warm_s"], found["warm_bytes"] = timed(client, "/api/book")
    if client.get("/api/chapter/1").status_code == 200:  # chapters fetched on demand
        found["chapter_s"], found["chapter_bytes"] = timed(client, f"/api/chapter/{chapters // 2}")
    try:  # ``narrate review`` plans the book before it serves: its first request then
        from narration.review.book import book_plan
    except ImportError:
        return found
    review = open_book(out, book)
    start = time.perf_counter()
    book_plan(review)
    found["startup_s"] = time.perf_counter() - start
    found["served_s"], _ = timed(TestClient(create_app(review), base_url="http://127.0.0.1:8765"), "/api/book")
    return found


def in_tree(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    """``measure`` run with the code of ``tree`` first on the path, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, __file__, "--out", str(args.out), "--chapters", str(args.chapters),
                           "--measure"], env=env, cwd="/", capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/review-bench"))
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--before", type=Path, help="a tree of the code to compare with")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    book = args.out / f"long-{args.chapters}.md"
    if args.measure:
        print(json.dumps(measure(book, args.out / "out", args.chapters)))
        return
    if not book.exists():
        book.write_text(long_book(args.chapters), encoding="utf-8")
    start = time.perf_counter()
    result = narrate(book, args.out / "out", OPTIONS)
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"book: {args.chapters} chapters, {result.chunks} chunks ({result.synthesized} synthesized now, "
          f"{time.perf_counter() - start:.1f} s)")
    here = Path(__file__).resolve().parents[1]
    trees = ([("before", args.before.resolve())] if args.before else []) + [("this tree", here)]
    found = {name: in_tree(tree, args) for name, tree in trees}
    for name, numbers in found.items():
        opened = (f"; a chapter opened {numbers['chapter_s']:.3f} s, {numbers['chapter_bytes'] / 1024:.0f} KiB"
                  if "chapter_s" in numbers else "")
        served = (f"; planned at the command's start ({numbers['startup_s']:.2f} s), the first /api/book "
                  f"{numbers['served_s']:.3f} s" if "served_s" in numbers else "")
        print(f"{name}: /api/book cold {numbers['cold_s']:.2f} s, warm {numbers['warm_s']:.3f} s, "
              f"{numbers['cold_bytes'] / 1024:.0f} KiB{opened}{served}")
    if args.before:
        old, new = found["before"], found["this tree"]
        print(f"ratio before/now: cold {old['cold_s'] / new['cold_s']:.1f}x, warm {old['warm_s'] / new['warm_s']:.1f}x, "
              f"size {old['cold_bytes'] / new['cold_bytes']:.1f}x"
              + (f", first request as narrate review serves it {old['cold_s'] / new['served_s']:.0f}x"
                 if "served_s" in new else ""))


if __name__ == "__main__":
    main()
