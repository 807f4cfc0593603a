"""``narrate classify``: the emotion tag of each line on stdin."""

from __future__ import annotations

import argparse
import sys

from narration.cli.output import fail
from narration.display import json_shown, shown
from narration.errors import NarrationError

NAME = "classify"
HELP = "emotion tag of each line on stdin"
DESCRIPTION = (
    "Read one passage per line on stdin; print its emotion tag and score per line "
    "(the narration's default model, without the restraint rules)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help='one {"label": ..., "score": ...} per line')
    p.add_argument("--model", help="text-classification model (hub id or local dir), or mlask (Japanese); "
                   "default: the bundled one")


def run(args: argparse.Namespace) -> int:
    from narration.emotion import classify_texts, load_classifier

    texts = [line.rstrip("\n") for line in sys.stdin]
    try:
        results = classify_texts(texts, load_classifier(args.model)) if texts else []
    except NarrationError as exc:
        return fail(str(exc))
    for result in results:
        print(json_shown(result) if args.json else shown(result["label"]) + f"\t{result['score']:.3f}")
    return 0
