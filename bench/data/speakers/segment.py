"""Build a dev-set work's text.txt from its fetched Gutenberg file and find its quotes.

The quotes' offsets come from here; who speaks each one, and its type, are typed in by
hand (the `label` command) after reading the quote in context. Nothing here guesses a
speaker. Rerunning `build` keeps every label whose quote still has the same offsets.

    python bench/data/speakers/segment.py build oz RAW.txt   # text.txt and quotes.tsv
    python bench/data/speakers/segment.py show oz [FIRST [LAST]]  # paragraphs, quotes numbered
    python bench/data/speakers/segment.py label oz LABELS.txt     # 'N speaker type' lines
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("paragraph", "start", "end", "text", "speaker", "type")
TYPE_CODES = {"e": "explicit", "a": "anaphoric", "i": "implicit", "n": "none"}


@dataclass(frozen=True)
class Work:
    """Where a work's excerpt starts and stops in its Gutenberg file, and how headings look."""

    heading: str  # a paragraph matching this (re.fullmatch) is a chapter heading
    first: str  # the excerpt starts at the heading paragraph equal to this (body, not contents)
    stop: str  # ... and stops before the heading paragraph equal to this
    title_follows: bool = False  # the heading's title is the next paragraph (joined to it)
    skip_before: str = ""  # headings are looked for only after the paragraph starting with this
    drop: str = ""  # paragraphs matching this (re.fullmatch) are transcription debris
    double: bool = True  # primary quotation marks are double ('"' or curly); else single curly
    fixes: tuple[tuple[str, str], ...] = ()  # (wrong, right) in the joined text: transcription slips


WORKS: dict[str, Work] = {
    "oz": Work(
        heading=r"\d+\. .+", first="2. The Council with the Munchkins",
        stop="7. The Journey to the Great Oz",
    ),
    "fables": Work(
        heading=r"(?:The |Androcles|Belling|Avaricious|Hercules)[^.]{0,45}", first="The Cock and the Pearl",
        stop="", skip_before="Aesop's Fables",
        fixes=(  # a BBS copy: debris lines prefixed " .", and marks lost or doubled where it was made
            ("and .WARRA WARRA WARRA WARRA WARRA .ate", "and ate"),
            ('gasped out ."Any', 'gasped out "Any'),
            ('low growl ."You may', 'low growl "You may'),
            ('for the future ."Do not trust flatterers."', "for the future: 'Do not trust flatterers.'\""),
            ("the Ass that .Clumsy", "the Ass that Clumsy"),
            ("pronounced judgment: The first quarter", 'pronounced judgment: "The first quarter'),
            ("said the Grasshopper; we have got", 'said the Grasshopper; "we have got'),
            ('she laughed and said: "It will not be noticed." It is', "she laughed and said: 'It will not be noticed.' It is"),
            ("not as big as this. But at this moment", 'not as big as this." But at this moment'),
            ("my head like this. As she spoke", 'my head like this." As she spoke'),
        ),
    ),
    "hound": Work(
        heading=r"Chapter \d+\. .+", first="Chapter 3. The Problem",
        stop="Chapter 5. Three Broken Threads",
    ),
    "huck": Work(
        heading=r"CHAPTER [IVXL]+\.|CHAPTER THE LAST\.", first="CHAPTER XIV.", stop="CHAPTER XIX.",
    ),
    "jane-eyre": Work(
        heading=r"CHAPTER [IVXL]+", first="CHAPTER XIV", stop="CHAPTER XVII",
        drop=r"\{.*\.jpg\}",  # an illustration's caption, "{... p140.jpg}"
    ),
    "warden": Work(
        heading=r"Chapter [IVXL]+", first="Chapter III", stop="Chapter VII", title_follows=True,
    ),
}


@dataclass(frozen=True)
class Quote:
    paragraph: int
    start: int
    end: int
    text: str


def gutenberg_body(raw: str) -> str:
    """The text between Project Gutenberg's START and END lines (header and licence dropped)."""
    raw = raw.lstrip("\ufeff")
    start = re.search(r"^\*\*\* ?START OF.*$", raw, re.MULTILINE)
    end = re.search(r"^\*\*\* ?END OF.*$", raw, re.MULTILINE)
    return raw[start.end() if start else 0 : end.start() if end else len(raw)]


def paragraphs(body: str) -> list[str]:
    """Blank-line separated paragraphs, each one's line breaks and runs of spaces joined to one space."""
    parts = re.split(r"\n\s*\n", body.replace("\r\n", "\n"))
    return [" ".join(p.split()) for p in parts if p.strip()]


def apply_fixes(paras: list[str], fixes: tuple[tuple[str, str], ...]) -> list[str]:
    """Mend the source's slips, each of which must occur exactly once (so a fix never goes stale)."""
    text = "\n\n".join(paras)
    for wrong, right in fixes:
        if text.count(wrong) != 1:
            raise ValueError(f"fix {wrong!r} occurs {text.count(wrong)} times, not once")
        text = text.replace(wrong, right)
    return text.split("\n\n")


def excerpt(paras: list[str], work: Work) -> list[str]:
    """The chosen chapters, headings as '# ' paragraphs, debris dropped, slips mended."""
    paras = apply_fixes(paras, work.fixes)
    begin = 0
    if work.skip_before:
        begin = next(i for i, p in enumerate(paras) if p.startswith(work.skip_before))
    out: list[str] = []
    started = False
    i = begin
    while i < len(paras):
        para = paras[i]
        if re.fullmatch(work.heading, para):
            if started and work.stop and para == work.stop:
                break
            if para == work.first:
                started = True
            if started:
                if work.title_follows and i + 1 < len(paras):
                    para = f"{para}. {paras[i + 1]}"
                    i += 1
                out.append(f"# {para}")
                i += 1
                continue
        if started and not (work.drop and re.fullmatch(work.drop, para)):
            out.append(para)
        i += 1
    return out


def _closes_single(para: str, at: int) -> bool:
    """A right single mark closes a quote unless it is an apostrophe inside or ending a word."""
    after = para[at + 1] if at + 1 < len(para) else " "
    before = para[at - 1] if at else " "
    if after.isalpha():
        return False
    return not (before in "sn" and after in " ,;")  # plural possessive, dialect 'goin''


def quotes_in(para: str, double: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each quote in a paragraph; a quote left open runs to the paragraph's end.

    Straight double marks alternate open/close; curly ones say which they are. Marks of the
    other kind inside a quote are nested quotes and stay inside the outer one.
    """
    spans: list[tuple[int, int]] = []
    opened = -1
    for at, ch in enumerate(para):
        if double:
            if ch == '"':
                if opened < 0:
                    opened = at
                else:
                    spans.append((opened, at + 1))
                    opened = -1
            elif ch == "\u201c":
                if opened >= 0:  # an unclosed quote before it: end that one here
                    spans.append((opened, at))
                opened = at
            elif ch == "\u201d" and opened >= 0:
                spans.append((opened, at + 1))
                opened = -1
        else:
            if ch == "\u2018" and opened < 0:
                opened = at
            elif ch == "\u2019" and opened >= 0 and _closes_single(para, at):
                spans.append((opened, at + 1))
                opened = -1
    if opened >= 0:
        spans.append((opened, len(para)))
    return spans


def find_quotes(paras: list[str], double: bool = True) -> list[Quote]:
    """Every quote in text order; a paragraph opening with a single mark while a double-marked
    quote runs on from the paragraph before is that quote's nested extract (a letter read out)."""
    quotes: list[Quote] = []
    running = False
    for n, para in enumerate(paras):
        if para.startswith("# "):
            running = False
            continue
        spans = quotes_in(para, double)
        if double and running and not spans and para[:1] in "\u2018'":
            spans = [(0, len(para))]
        quotes.extend(Quote(n, s, e, para[s:e][:60]) for s, e in spans)
        running = bool(spans) and spans[-1][1] == len(para) and para[spans[-1][0]] in '"\u201c'
        running = running or (bool(spans) and spans[0] == (0, len(para)) and para[:1] in "\u2018'")
    return quotes


def read_text(folder: Path) -> list[str]:
    return folder.joinpath("text.txt").read_text(encoding="utf-8").rstrip("\n").split("\n\n")


def read_rows(folder: Path) -> list[dict[str, str]]:
    path = folder / "quotes.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, dialect="excel-tab"))


def write_rows(folder: Path, rows: list[dict[str, str]]) -> None:
    with folder.joinpath("quotes.tsv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, dialect="excel-tab", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _cell(text: str) -> str:
    return text.replace("\t", " ")


def build(name: str, raw_path: Path) -> None:
    work = WORKS[name]
    folder = HERE / name
    folder.mkdir(exist_ok=True)
    paras = excerpt(paragraphs(gutenberg_body(raw_path.read_text(encoding="utf-8"))), work)
    folder.joinpath("text.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    old = {(r["paragraph"], r["start"], r["end"]): r for r in read_rows(folder)}
    rows = []
    for q in find_quotes(paras, work.double):
        prior = old.get((str(q.paragraph), str(q.start), str(q.end)), {})
        rows.append({"paragraph": q.paragraph, "start": q.start, "end": q.end, "text": _cell(q.text),
                     "speaker": prior.get("speaker", ""), "type": prior.get("type", "")})
    write_rows(folder, rows)
    print(f"{name}: {len(paras)} paragraphs, {len(rows)} quotes")


def show(name: str, first: int = 0, last: int | None = None) -> None:
    """Print paragraphs with each quote's row number before it, for reading and labelling."""
    folder = HERE / name
    paras = read_text(folder)
    rows = read_rows(folder)
    by_para: dict[int, list[tuple[int, dict[str, str]]]] = {}
    for n, r in enumerate(rows):
        by_para.setdefault(int(r["paragraph"]), []).append((n, r))
    for p, para in enumerate(paras):
        marks = by_para.get(p, [])
        if marks and not (first <= marks[0][0] and (last is None or marks[0][0] <= last)):
            continue
        if not marks and not (first <= _row_near(by_para, p) <= (last if last is not None else 10**9)):
            continue
        for n, r in reversed(marks):
            s = int(r["start"])
            para = f"{para[:s]}[{n}]{para[s:]}"
        print(f"<{p}> {para}\n")


def _row_near(by_para: dict[int, list[tuple[int, dict[str, str]]]], p: int) -> int:
    later = [rows[0][0] for q, rows in by_para.items() if q > p]
    return min(later) if later else 10**9


def label(name: str, labels: Path) -> None:
    """Fill speaker and type from lines 'N speaker code' (code e/a/i/n); 'N-M speaker code' for a run."""
    folder = HERE / name
    rows = read_rows(folder)
    for line in labels.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        span, speaker, code = line.split()
        lo, _, hi = span.partition("-")
        for n in range(int(lo), int(hi or lo) + 1):
            rows[n]["speaker"] = speaker
            rows[n]["type"] = TYPE_CODES[code]
    write_rows(folder, rows)
    missing = sum(1 for r in rows if not r["speaker"])
    print(f"{name}: {len(rows)} quotes, {missing} unlabelled")


def main(argv: list[str]) -> None:
    command, name, *rest = argv
    if command == "build":
        build(name, Path(rest[0]))
    elif command == "show":
        show(name, *(int(x) for x in rest))
    elif command == "label":
        label(name, Path(rest[0]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
