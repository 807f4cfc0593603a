"""Check every work of the speaker dev set against its format (bench/data/speakers/README.md).

    python bench/data/speakers/validate.py          # all works; exit 1 and one line per problem
    python bench/data/speakers/validate.py oz hound

Checks: the four files exist; text.txt is paragraphs separated by one blank line, no line breaks
inside one; characters.tsv has its columns, unique slug ids, known genders and kinds; quotes.tsv
has its columns, rows in text order without overlaps, each row's offsets slice its paragraph to a
string that starts with an opening quotation mark (and ends with a closing one unless the quote
runs on into the next paragraph), the text column is that slice's start, the speaker is a listed
character or `_narrator`/`_unknown`/`_none`, the type is known, and `_none` goes with `none` only; no name or alias (compared without case, full stops or a leading
article) belongs to two characters of a work, or a system's character could not be matched to one.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ("text.txt", "source.md", "characters.tsv", "quotes.tsv")
CHARACTER_COLUMNS = ["id", "name", "aliases", "gender", "kind"]
QUOTE_COLUMNS = ["paragraph", "start", "end", "text", "speaker", "type"]
GENDERS = {"female", "male", "neutral", "unknown"}
KINDS = {"person", "animal", "group", "other"}
TYPES = {"explicit", "anaphoric", "implicit", "none"}
SPECIAL = {"_narrator", "_unknown", "_none"}
OPENING = "\"\u201c\u2018'"
CLOSING = "\"\u201d\u2019'"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class Report:
    work: str
    problems: list[str] = field(default_factory=list)
    quotes: int = 0
    types: Counter = field(default_factory=Counter)

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{self.work}/{where}: {problem}")


def works(root: Path = HERE) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "quotes.tsv").exists())


def _tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, dialect="excel-tab")
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def check_text(text: str, report: Report) -> list[str]:
    if not text.endswith("\n") or text.endswith("\n\n"):
        report.add("text.txt", "must end with exactly one newline")
    paras = text.rstrip("\n").split("\n\n")
    for n, para in enumerate(paras):
        if not para.strip() or "\n" in para or para != para.strip():
            report.add("text.txt", f"paragraph {n} is empty, padded or holds a line break")
    if not any(p.startswith("# ") for p in paras):
        report.add("text.txt", "no '# ' chapter heading")
    return paras


def name_form(name: str) -> str:
    """'The Mock Turtle.' and 'mock turtle' are one form; so are 'Mr. Bold' and 'Mr Bold'."""
    words = name.lower().replace(".", " ").split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def check_characters(path: Path, report: Report) -> set[str]:
    columns, rows = _tsv(path)
    if columns != CHARACTER_COLUMNS:
        report.add(path.name, f"columns {columns}, want {CHARACTER_COLUMNS}")
        return set()
    ids: set[str] = set()
    owner: dict[str, str] = {}
    for n, row in enumerate(rows, start=2):
        for name in [row["name"] or "", *(row["aliases"] or "").split("|")]:
            form = name_form(name)
            if form and owner.setdefault(form, row["id"]) != row["id"]:
                report.add(f"{path.name}:{n}", f"{name!r} is also {owner[form]!r}'s name or alias")
        if not SLUG.fullmatch(row["id"] or ""):
            report.add(f"{path.name}:{n}", f"id {row['id']!r} is not a slug")
        if row["id"] in ids:
            report.add(f"{path.name}:{n}", f"id {row['id']!r} repeated")
        if not (row["name"] or "").strip():
            report.add(f"{path.name}:{n}", "empty name")
        if row["gender"] not in GENDERS:
            report.add(f"{path.name}:{n}", f"gender {row['gender']!r}")
        if row["kind"] not in KINDS:
            report.add(f"{path.name}:{n}", f"kind {row['kind']!r}")
        ids.add(row["id"])
    return ids


def check_quote(row: dict[str, str], paras: list[str], ids: set[str], where: str, report: Report) -> tuple[int, int, int] | None:
    try:
        p, start, end = int(row["paragraph"]), int(row["start"]), int(row["end"])
    except (TypeError, ValueError):
        report.add(where, "paragraph/start/end not integers")
        return None
    if not 0 <= p < len(paras) or paras[p].startswith("# "):
        report.add(where, f"paragraph {p} is not a text paragraph")
        return None
    para = paras[p]
    if not 0 <= start < end <= len(para):
        report.add(where, f"offsets {start}:{end} outside paragraph of {len(para)}")
        return None
    quote = para[start:end]
    if quote[0] not in OPENING:
        report.add(where, f"slice starts {quote[:10]!r}, not an opening mark")
    if end < len(para) and quote[-1] not in CLOSING:
        report.add(where, f"slice ends {quote[-10:]!r}, not a closing mark (only a quote running on may)")
    if row["text"] != quote[:60].replace("\t", " "):
        report.add(where, f"text column {row['text'][:20]!r} is not the slice's start")
    speaker, kind = row["speaker"], row["type"]
    if speaker not in ids and speaker not in SPECIAL:
        report.add(where, f"speaker {speaker!r} not in characters.tsv")
    if kind not in TYPES:
        report.add(where, f"type {kind!r}")
    elif (speaker == "_none") != (kind == "none"):
        report.add(where, f"speaker {speaker!r} with type {kind!r}: _none goes with none only")
    report.types[kind] += 1
    return p, start, end


def check_work(folder: Path) -> Report:
    report = Report(folder.name)
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        report.add("", f"missing {', '.join(missing)}")
        return report
    paras = check_text(folder.joinpath("text.txt").read_text(encoding="utf-8"), report)
    ids = check_characters(folder / "characters.tsv", report)
    columns, rows = _tsv(folder / "quotes.tsv")
    if columns != QUOTE_COLUMNS:
        report.add("quotes.tsv", f"columns {columns}, want {QUOTE_COLUMNS}")
        return report
    previous = (-1, 0, 0)
    for n, row in enumerate(rows, start=2):
        place = check_quote(row, paras, ids, f"quotes.tsv:{n}", report)
        if place is None:
            continue
        if (place[0], place[1]) < (previous[0], previous[2]):
            report.add(f"quotes.tsv:{n}", "out of text order or overlapping the row before")
        previous = place
    report.quotes = len(rows)
    return report


def main(argv: list[str]) -> int:
    names = argv or works()
    reports = [check_work(HERE / name) for name in names]
    for report in reports:
        for problem in report.problems:
            print(problem)
        counts = ", ".join(f"{t} {report.types[t]}" for t in sorted(TYPES))
        print(f"{report.work}: {report.quotes} quotes ({counts})")
    total = sum(r.quotes for r in reports)
    bad = sum(len(r.problems) for r in reports)
    print(f"{len(reports)} works, {total} quotes, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
