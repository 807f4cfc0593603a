"""Emotion classifier benchmark: dev macro-F1 and per-class F1, then a look at narrative prose.

    .venv/bin/python bench/emotion_eval.py                       # bundled model, all checks
    .venv/bin/python bench/emotion_eval.py --model DIR_OR_ID --label-map '{"joy": "happy", ...}'
    .venv/bin/python bench/emotion_eval.py --limit 500 --no-prose --out ''   # quick

1. Dev: the GoEmotions 7-class dev split (shared/data/emotion/dev.tsv), classified through the
   pipeline's own code (``load_classifier`` -> ``classify_texts``): macro-F1, per-class F1.
2. Prose: bench/emotion_prose.tsv, short narrative passages written for this check and labelled
   by hand: the raw model verdict and what restraint (default settings) lets through.
3. Literary: bench/data/emotion_literary_dev.tsv, 350 sentences and short passages in the style
   of 19th/20th-century fiction, written by hand for this check (never trained on), half quoted
   speech, half narration: the raw model's macro-F1 and per-tag P/R/F1; then, after restraint
   (default settings, each passage alone), precision and recall of the non-neutral tags, for
   speech and narration apart, and the same over a range of thresholds.
4. Book: the sample book inputs/aesop-fables.epub through ``tag_book`` with default settings:
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
sys.path.insert(0, str(ROOT / "bench"))

from hardware import cpu_description  # noqa: E402

from narration.emotion import EmotionSettings, load_classifier, tag_book  # noqa: E402
from narration.emotion.restraint import restrain  # noqa: E402
from narration.emotion.spans import split_spans  # noqa: E402
from narration.emotion.tagging import PassageTag  # noqa: E402
from narration.emotion.tags import NEUTRAL, TAGS  # noqa: E402
from narration.eval.emotion import (  # noqa: E402
    KINDS,
    as_tags,
    default_data_dir,
    f1_report,
    format_report,
    literary_parts,
    read_labelled,
    read_literary,
    row_tags,
    tuning_split,
)
from narration.model import Book, Chapter, Paragraph  # noqa: E402
from narration.store import atomic  # noqa: E402

PROSE = ROOT / "bench" / "emotion_prose.tsv"
SAMPLE = ROOT / "inputs" / "aesop-fables.epub"
LITERARY = ROOT / "bench" / "data" / "emotion_literary_dev.tsv"


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


#: Settings the benchmark runs with: the defaults, unless --threshold/--dialogue-threshold say otherwise.
OVERRIDES: dict = {}


def settings_for(**update) -> EmotionSettings:
    return EmotionSettings(**{**OVERRIDES, **update})


def per_paragraph(tags: list[PassageTag]) -> list[PassageTag]:
    """One tag per paragraph from tag_book's per-span tags: its first non-neutral span (what a
    one-style paragraph would be read with), else its first span."""
    out: dict[tuple[int, int], PassageTag] = {}
    for t in tags:
        key = (t.chapter, t.paragraph)
        if key not in out or (out[key].tag == NEUTRAL and t.tag != NEUTRAL):
            out[key] = t
    return [out[k] for k in sorted(out)]


def prose_section(classifier) -> tuple[list[str], dict]:
    texts, labels = read_labelled(PROSE)
    gold = as_tags(labels)
    raw = classifier.classify_texts(texts)
    # Each passage alone (its own chapter): thresholds and dialogue rules apply, smoothing cannot.
    book = Book("prose", chapters=[Chapter(str(i), [Paragraph(t)]) for i, t in enumerate(texts)])
    restrained = per_paragraph(tag_book(book, classifier, settings_for(max_share=1.0)))
    # The same passages as one chapter, in file order (runs of 3-4 per emotion): smoothing,
    # hysteresis and the cap now act, as in a book.
    scene = Book("scene", chapters=[Chapter("scene", [Paragraph(t) for t in texts])])
    in_scene = per_paragraph(tag_book(scene, classifier, settings_for()))
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
        f"In one chapter (default settings, cap {settings_for().max_share:.0%}): "
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


def non_neutral_scores(gold: list[str], predicted: list[str]) -> dict:
    """Precision and recall of the non-neutral tags: a non-neutral prediction is right only when
    it is the gold tag; recall is over the passages whose gold tag is not neutral."""
    said = [i for i, p in enumerate(predicted) if p != NEUTRAL]
    emotional = [i for i, g in enumerate(gold) if g != NEUTRAL]
    right = sum(predicted[i] == gold[i] for i in said)
    return {
        "tagged": len(said),
        "right": right,
        "wrong_emotion": sum(gold[i] not in (NEUTRAL, predicted[i]) for i in said),
        "on_neutral": sum(gold[i] == NEUTRAL for i in said),
        "emotional": len(emotional),
        "precision": right / len(said) if said else float("nan"),
        "recall": right / len(emotional) if emotional else float("nan"),
    }


def _nn_row(name: str, s: dict) -> str:
    return (f"| {name} | {s['precision']:.2f} ({s['right']}/{s['tagged']}) | {s['recall']:.2f} ({s['right']}/{s['emotional']}) "
            f"| {s['wrong_emotion']} | {s['on_neutral']} |")


def literary_section(classifier) -> tuple[list[str], dict]:
    texts, gold, kinds = read_literary(LITERARY)
    probs = classifier.probabilities(texts)
    raw = [TAGS[int(row.argmax())] for row in probs]
    report = f1_report(gold, raw)
    by_kind = {k: [i for i, kind in enumerate(kinds) if kind == k] for k in KINDS}
    kind_reports = {k: f1_report([gold[i] for i in rows], [raw[i] for i in rows]) for k, rows in by_kind.items()}

    # Restraint as the pipeline runs it, each passage alone (its own chapter): thresholds apply,
    # smoothing and hysteresis cannot (the file is grouped by tag, so neighbours would flatter it),
    # and the 30% cap is lifted (the set is 6/7 emotional by design).
    # As in tag_book, a row's quoted speech and its narration are classified and restrained apart
    # (speech with dialogue_threshold); a row is scored by the part of its kind (``row_tags``).
    settings = settings_for(max_share=1.0)
    parts = literary_parts(texts)
    part_probs = classifier.probabilities([p.text for p in parts])
    part_chapters, part_speech = [p.chapter for p in parts], [p.speech for p in parts]

    def restrained_rows(chosen_settings: EmotionSettings) -> tuple[list[str], int]:
        chosen = [tag for tag, _ in restrain(part_probs, part_chapters, part_speech, chosen_settings)]
        return row_tags(parts, chosen, kinds)

    restrained, extra = restrained_rows(settings)
    has_speech = {p.chapter for p in parts if p.speech}
    missed_speech = sum(k == "speech" and i not in has_speech for i, k in enumerate(kinds))
    false_speech = sum(k == "narration" and i in has_speech for i, k in enumerate(kinds))
    tune_rows, check_rows = tuning_split(len(texts))

    def subset(values: list[str], rows: list[int]) -> list[str]:
        return [values[i] for i in rows]

    counts = {
        (tag, kind): sum(g == tag and k == kind for g, k in zip(gold, kinds, strict=True)) for tag in TAGS for kind in KINDS
    }
    lines = [
        f"## Literary dev set ({len(texts)} hand-written passages, bench/data/{LITERARY.name})",
        "",
        "Written for this project in the style of 19th/20th-century fiction, never trained on "
        "(see bench/data/README.md). Per tag, speech/narration: "
        + ", ".join(f"{tag} {counts[tag, 'speech']}/{counts[tag, 'narration']}" for tag in TAGS) + ".",
        "",
        "### Raw model (argmax, no restraint)",
        "",
        (f"Macro-F1 {report['macro_f1']:.3f} on this set (speech {kind_reports['speech']['macro_f1']:.3f}, "
         f"narration {kind_reports['narration']['macro_f1']:.3f}), against "
         "{dev_macro} on GoEmotions dev."),
        "",
        "```",
        format_report(report),
        "```",
        "",
        "Confusion (rows: expected, columns: model):",
        "",
        "| expected → model | " + " | ".join(TAGS) + " |",
        "|---" * (len(TAGS) + 1) + "|",
    ]
    for tag, row in zip(TAGS, report["confusion"]["matrix"], strict=True):
        lines.append(f"| {tag} | " + " | ".join(str(n) for n in row) + " |")

    lines += [
        "",
        (f"### After restraint (default settings: narration {settings.threshold}, speech "
         f"{settings.dialogue_threshold}; each passage alone, cap lifted)"),
        "",
        ("Non-neutral tags: precision counts a tag right only when it is the expected one; recall is over the "
         "passages expected to be emotional. Speech/narration is the file's `kind`. As in the pipeline, a "
         "passage's quoted speech and its narration are classified and restrained apart; a speech row is scored "
         "by its speech part, a narration row by its narration (the other part when it has only one). "
         f"{missed_speech} of the {len(by_kind['speech'])} speech rows have no quote the span splitter takes "
         f"as speech, {false_speech} narration rows have one; {extra} rows also got a non-neutral tag on their "
         "other part. The thresholds were tuned on the \"tune half\" (a fixed random half of the rows, "
         "bench/emotion_models.py); the \"check half\" is the other half, never tuned on."),
        "",
        "| passages | precision | recall | wrong emotion | tag on a neutral passage |",
        "|---|---|---|---|---|",
    ]
    numbers: dict = {"literary_macro_f1": report["macro_f1"], "literary_accuracy": report["accuracy"],
                     "literary_missed_speech": missed_speech, "literary_false_speech": false_speech}
    halves = [("tune half", tune_rows.tolist()), ("check half", check_rows.tolist())]
    for name, rows in [("all", list(range(len(texts)))), *by_kind.items(), *halves]:
        scores = non_neutral_scores(subset(gold, rows), subset(restrained, rows))
        lines.append(_nn_row(name, scores))
        numbers[f"literary_restrained_{name}"] = scores
        numbers[f"literary_raw_{name}"] = non_neutral_scores(subset(gold, rows), subset(raw, rows))
    lines += [
        "",
        "The raw model's own non-neutral precision/recall, for comparison: "
        + "; ".join(f"{name} {numbers[f'literary_raw_{name}']['precision']:.2f}/{numbers[f'literary_raw_{name}']['recall']:.2f}"
                    for name in ("all", *KINDS)) + ".",
        "",
        ("Thresholds: `threshold` and `dialogue_threshold` both set to the value in the first column, each "
         "passage alone (so its own part's top non-neutral probability decides); non-neutral precision, "
         "recall and how many passages get a tag, per kind."),
        "",
        "| threshold | speech P | speech R | speech tagged | narration P | narration R | narration tagged |",
        "|---|---|---|---|---|---|---|",
    ]
    sweep = {}
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        chosen, _ = restrained_rows(settings.model_copy(update={"threshold": threshold, "dialogue_threshold": threshold}))
        cells = []
        for kind in KINDS:
            s = non_neutral_scores(subset(gold, by_kind[kind]), subset(chosen, by_kind[kind]))
            sweep[f"{kind}@{threshold}"] = s
            cells += [f"{s['precision']:.2f}", f"{s['recall']:.2f}", str(s["tagged"])]
        default = " (narration default)" if abs(threshold - settings.threshold) < 1e-9 else (
            " (speech default)" if abs(threshold - settings.dialogue_threshold) < 1e-9 else "")
        lines.append(f"| {threshold:.1f}{default} | " + " | ".join(cells) + " |")
    numbers["literary_sweep"] = sweep
    numbers["literary_report"] = report
    numbers["literary_report_speech"] = kind_reports["speech"]
    numbers["literary_report_narration"] = kind_reports["narration"]
    return lines, numbers


def book_section(classifier) -> tuple[list[str], dict]:
    from narration.ingest import load_book

    book = load_book(SAMPLE)
    words = sum(ch.words for ch in book.chapters)
    started = time.monotonic()
    tags = tag_book(book, classifier, settings_for())
    seconds = time.monotonic() - started
    raw_emotional = sum(t.model_tag != NEUTRAL for t in tags)
    chosen = [t for t in tags if t.tag != NEUTRAL]
    lines = [
        f"## Sample book ({SAMPLE.name}: {len(book.chapters)} chapters, {len(tags)} spans of speech or narration, "
        f"{words} words)",
        "",
        f"tag_book took {seconds:.1f} s ({words / seconds:.0f} words/s). The model alone calls "
        f"{raw_emotional}/{len(tags)} spans emotional; after restraint {len(chosen)} are tagged:",
        "",
    ]
    for t in chosen:
        text = book.chapters[t.chapter].paragraphs[t.paragraph].text
        spans = split_spans(text)
        if t.span < len(spans) and len(spans) > 1:
            text = text[spans[t.span].start : spans[t.span].end]
        short = text if len(text) <= 90 else text[:87] + "..."
        lines.append(f"- **{t.tag}** ({t.score:.2f}{', speech' if t.is_dialogue else ''}) {short}")
    if not chosen:
        lines.append("(none: the whole book is read neutral)")
    return lines, {"book_paragraphs": len(tags), "book_tagged": len(chosen), "book_model_emotional": raw_emotional,
                   "book_seconds": seconds, "book_words": words}


def side_by_side(old: dict, new: dict) -> list[str]:
    """Old vs new model: the headline numbers of two runs of this benchmark."""
    def pr(n: dict, key: str) -> str:
        s = n[key]
        return f"{s['precision']:.2f} / {s['recall']:.2f} ({s['right']}/{s['tagged']})"

    rows = [
        ("GoEmotions dev macro-F1", lambda n: f"{n['dev']['macro_f1']:.3f}"),
        ("literary dev macro-F1 (raw model)", lambda n: f"{n['literary_macro_f1']:.3f}"),
        ("literary speech / narration macro-F1", lambda n: f"{n['literary_report_speech']['macro_f1']:.3f} / "
                                                        f"{n['literary_report_narration']['macro_f1']:.3f}"),
        ("thresholds narration / speech", lambda n: f"{n['threshold']:.2f} / {n['dialogue_threshold']:.2f}"),
        ("after restraint P / R, all 350 rows", lambda n: pr(n, "literary_restrained_all")),
        ("... tune half (thresholds tuned here)", lambda n: pr(n, "literary_restrained_tune half")),
        ("... check half (never tuned on)", lambda n: pr(n, "literary_restrained_check half")),
        ("... speech rows", lambda n: pr(n, "literary_restrained_speech")),
        ("... narration rows", lambda n: pr(n, "literary_restrained_narration")),
        ("prose passages kept / wrong emotion / calm tagged", lambda n: f"{n['prose_emotional_kept']} / "
                                                                       f"{n['prose_wrong_emotion']} / {n['prose_calm_false_alarms']}"),
        ("sample book: spans tagged", lambda n: f"{n['book_tagged']}/{n['book_paragraphs']}"),
        ("load (s)", lambda n: f"{n['load_seconds']:.1f}"),
        ("GoEmotions dev texts/s", lambda n: f"{n['dev_texts_per_second']:.0f}"),
    ]
    lines = ["## Old vs new model (same machine, same run of this script)", "",
             "| | old: " + str(old.get("model", "")) + " | new: " + str(new.get("model", "")) + " |", "|---|---|---|"]
    for name, cell in rows:
        try:
            lines.append(f"| {name} | {cell(old)} | {cell(new)} |")
        except KeyError:
            continue
    lines += ["", "Load time and texts/s move with the machine's load (other jobs share the cores); run one "
              "after the other, as here, they compare only roughly."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="hub id or folder; default: the bundled classifier")
    parser.add_argument("--label-map", type=json.loads, help='JSON object, model label -> tag')
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--limit", type=int, help="only the first N dev texts")
    parser.add_argument("--no-prose", action="store_true", help="skip the prose and sample-book checks")
    parser.add_argument("--no-literary", action="store_true", help="skip the literary dev set")
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "results" / "emotion.md"), help="markdown report ('' for none)"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    parser.add_argument("--threshold", type=float, help="narration threshold (default: the settings' default)")
    parser.add_argument("--dialogue-threshold", type=float, help="speech threshold (default: the settings' default)")
    parser.add_argument("--save-json", type=Path, help="write the numbers to this file")
    parser.add_argument("--baseline-json", type=Path,
                        help="numbers of an earlier model (--save-json of its run): a side-by-side table on top")
    args = parser.parse_args()
    if args.threshold is not None:
        OVERRIDES["threshold"] = args.threshold
    if args.dialogue_threshold is not None:
        OVERRIDES["dialogue_threshold"] = args.dialogue_threshold

    started = time.monotonic()
    classifier = load_classifier(args.model, args.label_map)
    load_seconds = time.monotonic() - started
    lines = [
        "# Emotion classifier benchmark",
        "",
        f"Model: {args.model or 'bundled (MiniLM-L6 + its top two layers and head trained on GoEmotions and the literary training set, temperature-calibrated; narration/emotion/data)'}; "
        f"loaded in {load_seconds:.1f} s (model folder already assembled in the cache). Restraint: narration threshold "
        f"{settings_for().threshold}, speech {settings_for().dialogue_threshold}.",
        "",
        f"Machine: {cpu_description()}, no GPU used ({platform.machine()}, Python {platform.python_version()}).",
        "",
        "How the model and the thresholds were chosen (E0-E3 side by side): bench/results/emotion_models.md.",
        "",
    ]
    numbers: dict = {"load_seconds": load_seconds, "model": args.model or "bundled",
                     "threshold": settings_for().threshold, "dialogue_threshold": settings_for().dialogue_threshold}
    sections = [lambda: dev_section(classifier, args.data, args.limit)]
    if not args.no_prose:
        sections.append(lambda: prose_section(classifier))
    if not args.no_literary:
        sections.append(lambda: literary_section(classifier))
    if not args.no_prose:
        sections.append(lambda: book_section(classifier))
    for section in sections:
        text, values = section()
        lines += [*text, ""]
        numbers.update(values)
    dev_macro = f"{numbers['dev']['macro_f1']:.3f}" if "dev" in numbers else "(dev not run)"
    if args.limit:
        dev_macro += f" (first {args.limit} texts only)"
    if args.baseline_json:
        lines[8:8] = side_by_side(json.loads(args.baseline_json.read_text()), numbers) + [""]
    report = "\n".join(lines).replace("{dev_macro}", dev_macro)
    if args.save_json:
        atomic.write_text(args.save_json, json.dumps(numbers, indent=1, default=float) + "\n")
    print(report)
    if args.json:
        print(json.dumps(numbers, indent=1, default=float))
    if args.out:
        atomic.write_text(args.out, report)


if __name__ == "__main__":
    main()
