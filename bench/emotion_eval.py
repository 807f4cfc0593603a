"""Emotion classifier benchmark: dev macro-F1 and per-class F1, then a look at narrative prose.

    .venv/bin/python bench/emotion_eval.py                       # bundled model, all checks
    .venv/bin/python bench/emotion_eval.py --model DIR_OR_ID --label-map '{"joy": "happy", ...}'
    .venv/bin/python bench/emotion_eval.py --limit 500 --no-prose --out ''   # quick

1. Dev: the GoEmotions 7-class dev split (shared/data/emotion/dev.tsv), classified through the
   pipeline's own code (``load_classifier`` -> ``classify_texts``): macro-F1, per-class F1.
2. Prose: bench/emotion_prose.tsv, short narrative passages written for this check and labelled
   by hand: the raw model verdict and what restraint (default settings) lets through.
3. Book: the sample book inputs/aesop-fables.epub through ``tag_book`` with default settings:
   how much ends up non-neutral, which passages, and how long it takes.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration import atomic  # noqa: E402
from narration.emotion import EmotionSettings, load_classifier, tag_book  # noqa: E402
from narration.emotion.evaluation import as_tags, default_data_dir, f1_report, format_report, read_labelled  # noqa: E402
from narration.emotion.tags import NEUTRAL  # noqa: E402
from narration.model import Book, Chapter, Paragraph  # noqa: E402

PROSE = ROOT / "bench" / "emotion_prose.tsv"
SAMPLE = ROOT / "inputs" / "aesop-fables.epub"


def dev_section(classifier, data: Path, limit: int | None) -> tuple[list[str], dict]:
    texts, labels = read_labelled(data / "dev.tsv")
    if limit:
        texts, labels = texts[:limit], labels[:limit]
    started = time.monotonic()
    predicted = [r["label"] for r in classifier.classify_texts(texts)]
    seconds = time.monotonic() - started
    report = f1_report(as_tags(labels), predicted)
    lines = [
        f"## Dev split ({len(texts)} texts, {data / 'dev.tsv'})",
        "",
        "```",
        format_report(report),
        "```",
        f"{len(texts) / seconds:.0f} texts/s on {classifier.device}",
    ]
    return lines, {"dev": report, "dev_texts_per_second": len(texts) / seconds}


def prose_section(classifier) -> tuple[list[str], dict]:
    texts, labels = read_labelled(PROSE)
    gold = as_tags(labels)
    raw = classifier.classify_texts(texts)
    # Each passage alone (its own chapter): thresholds and dialogue rules apply, smoothing cannot.
    book = Book("prose", chapters=[Chapter(str(i), [Paragraph(t)]) for i, t in enumerate(texts)])
    restrained = tag_book(book, classifier, EmotionSettings(max_share=1.0))
    # The same passages as one chapter, in file order (runs of 3-4 per emotion): smoothing,
    # hysteresis and the cap now act, as in a book.
    scene = Book("scene", chapters=[Chapter("scene", [Paragraph(t) for t in texts])])
    in_scene = tag_book(scene, classifier, EmotionSettings())
    lines = [
        f"## Narrative prose ({len(texts)} hand-labelled passages, {PROSE.name})",
        "",
        "| expected | model (p) | after restraint, alone | in one chapter | speech | passage |",
        "|---|---|---|---|---|---|",
    ]
    for text, want, verdict, tag, scene_tag in zip(texts, gold, raw, restrained, in_scene, strict=True):
        short = text if len(text) <= 70 else text[:67] + "..."
        lines.append(
            f"| {want} | {verdict['label']} ({verdict['score']:.2f}) | {tag.tag} | {scene_tag.tag} "
            f"| {'yes' if tag.is_dialogue else ''} | {short.replace('|', '/')} |"
        )
    raw_right = sum(v["label"] == g for v, g in zip(raw, gold, strict=True))
    emotional = [i for i, g in enumerate(gold) if g != NEUTRAL]
    calm = [i for i, g in enumerate(gold) if g == NEUTRAL]
    kept = sum(restrained[i].tag == gold[i] for i in emotional)
    false_alarms = sum(restrained[i].tag != NEUTRAL for i in calm)
    wrong_emotion = sum(restrained[i].tag not in (NEUTRAL, gold[i]) for i in emotional)
    lines += [
        "",
        f"Model alone: {raw_right}/{len(texts)} right. After restraint: {kept}/{len(emotional)} emotional passages "
        f"keep the right tag, {wrong_emotion} get a wrong emotion, {false_alarms}/{len(calm)} calm passages get one.",
        f"In one chapter (default settings, cap {EmotionSettings().max_share:.0%}): "
        f"{sum(t.tag == g for t, g in zip(in_scene, gold, strict=True) if g != NEUTRAL)}/{len(emotional)} "
        f"emotional passages keep the right tag, {sum(t.tag != NEUTRAL for t in in_scene)} tagged in all.",
    ]
    return lines, {
        "prose_model_correct": raw_right,
        "prose_total": len(texts),
        "prose_emotional_kept": kept,
        "prose_wrong_emotion": wrong_emotion,
        "prose_calm_false_alarms": false_alarms,
    }


def book_section(classifier) -> tuple[list[str], dict]:
    from narration.ingest import load_book

    book = load_book(SAMPLE)
    words = sum(ch.words for ch in book.chapters)
    started = time.monotonic()
    tags = tag_book(book, classifier, EmotionSettings())
    seconds = time.monotonic() - started
    raw_emotional = sum(t.model_tag != NEUTRAL for t in tags)
    chosen = [t for t in tags if t.tag != NEUTRAL]
    lines = [
        f"## Sample book ({SAMPLE.name}: {len(book.chapters)} chapters, {len(tags)} paragraphs, {words} words)",
        "",
        f"tag_book took {seconds:.1f} s ({words / seconds:.0f} words/s). The model alone calls "
        f"{raw_emotional}/{len(tags)} paragraphs emotional; after restraint {len(chosen)} are tagged:",
        "",
    ]
    for t in chosen:
        text = book.chapters[t.chapter].paragraphs[t.paragraph].text
        short = text if len(text) <= 90 else text[:87] + "..."
        lines.append(f"- **{t.tag}** ({t.score:.2f}{', speech' if t.is_dialogue else ''}) {short}")
    if not chosen:
        lines.append("(none: the whole book is read neutral)")
    return lines, {"book_paragraphs": len(tags), "book_tagged": len(chosen), "book_model_emotional": raw_emotional,
                   "book_seconds": seconds, "book_words": words}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="hub id or folder; default: the bundled classifier")
    parser.add_argument("--label-map", type=json.loads, help='JSON object, model label -> tag')
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--limit", type=int, help="only the first N dev texts")
    parser.add_argument("--no-prose", action="store_true", help="skip the prose and sample-book checks")
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "results" / "emotion.md"), help="markdown report ('' for none)"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = parser.parse_args()

    started = time.monotonic()
    classifier = load_classifier(args.model, args.label_map)
    load_seconds = time.monotonic() - started
    lines = [
        "# Emotion classifier benchmark",
        "",
        f"Model: {args.model or 'bundled (MiniLM-L6 + trained top layer, narration/emotion/data)'}; "
        f"loaded in {load_seconds:.1f} s; {platform.machine()}, Python {platform.python_version()}.",
        "",
    ]
    numbers: dict = {"load_seconds": load_seconds}
    sections = [lambda: dev_section(classifier, args.data, args.limit)]
    if not args.no_prose:
        sections += [lambda: prose_section(classifier), lambda: book_section(classifier)]
    for section in sections:
        text, values = section()
        lines += [*text, ""]
        numbers.update(values)
    report = "\n".join(lines)
    print(report)
    if args.json:
        print(json.dumps(numbers, indent=1, default=float))
    if args.out:
        atomic.write_text(args.out, report)


if __name__ == "__main__":
    main()
