"""Sentence splits per language: paragraphs written for it, cut as a reader would, against the
splitter of this tree and, beside it, of another tree and pysbd's English rules.

    python bench/sentence_languages.py [--before TREE]

Each paragraph (bench/data/sentence_splits.tsv: the set the abbreviation lists were chosen on;
sentence_splits_heldout.tsv: written afterwards, to check them) counts as right only when every
cut is where the reader's is. ``--before TREE`` is a folder with an older ``narration`` package
(``git archive <commit> narration | tar -x -C TREE``), run in a subprocess. Not timed.
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

SETS = {"tuned": ROOT / "bench/data/sentence_splits.tsv", "held-out": ROOT / "bench/data/sentence_splits_heldout.tsv"}
_SPLIT = """
import json, sys
from narration.text.sentences import split_sentences
rows = json.loads(sys.stdin.read())
print(json.dumps([split_sentences(" ".join(sentences), language) for language, sentences in rows]))
"""


def rows(path: Path) -> list[tuple[str, list[str]]]:
    lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]
    return [(lang, text.split(" | ")) for lang, text in (line.split("\t") for line in lines if line and not line.startswith("#"))]


def split_all(tree: Path, items: list[tuple[str, list[str]]]) -> list[list[str]]:
    """Every paragraph split by the narration package under ``tree``."""
    done = subprocess.run([sys.executable, "-c", _SPLIT], input=json.dumps(items), capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, timeout=600, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a folder with an older narration package")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for name, path in SETS.items():
        items = rows(path)
        english = [("en", sentences) for _, sentences in items]
        runs = {"now": split_all(ROOT, items), "English rules": split_all(ROOT, english)}
        if args.before:
            runs["before"] = split_all(args.before.resolve(), items)
        print(f"\n{name} ({path.name}): paragraphs split right")
        print("| language | paragraphs | " + " | ".join(runs) + " |")
        print("| --- | ---: |" + " ---: |" * len(runs))
        for language in dict.fromkeys(lang for lang, _ in items):
            picked = [k for k, (lang, _) in enumerate(items) if lang == language]
            right = {run: sum(got[k] == items[k][1] for k in picked) for run, got in runs.items()}
            print(f"| {language} | {len(picked)} | " + " | ".join(str(right[run]) for run in runs) + " |")
        for k, (language, sentences) in enumerate(items):
            if runs["now"][k] != sentences:
                print(f"  wrong now ({language}): {' | '.join(runs['now'][k])}")


if __name__ == "__main__":
    main()
