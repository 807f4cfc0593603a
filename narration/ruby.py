"""Ruby (furigana) carried through the text as Aozora Bunko notation: ``｜base《reading》``.

Ingest writes every kana ruby it finds this way (``narration.ingest.html``), so one paragraph
string carries both what a reader sees and what a narrator says, through sentence splitting
and chunking unchanged. The Japanese normaliser speaks the reading; ``strip_ruby`` gives the
text a reader sees (titles, file names, reports). Plain-text books from Aozora Bunko use the
same notation, including its short form without ``｜``, where the base is the run of kanji
right before ``《``; both forms are understood here. The notation is part of the text every
stage passes on, so it lives beside the data model: ingest writes it, ``narration.text`` reads it.
"""

from __future__ import annotations

import re

# The explicit form: "｜" (or a plain "|", as web novels write it), base, reading in 《》.
_EXPLICIT = r"[｜|](?P<base>[^｜|《》\n]+)《(?P<reading>[^《》\n]+)》"
# The short form: a run of kanji (with 々 and the counter ヶ) and a kana reading. Only kana
# readings count, so 《》 used as ordinary brackets after a kanji word are left alone.
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
_KANA = "\u3041-\u3096\u30a1-\u30faー・"
_SHORT = rf"(?<![{_KANJI}])(?P<kanji>[{_KANJI}]++)《(?P<kana>[{_KANA}]++)》"  # from a run's start only: linear
RUBY = re.compile(f"{_EXPLICIT}|{_SHORT}")
_KANA_ONLY = re.compile(rf"[{_KANA}]+")


def is_kana(text: str) -> bool:
    """Whether ``text`` is all kana: a Japanese reading rather than a gloss or pinyin."""
    return bool(_KANA_ONLY.fullmatch(text))


def ruby_notation(base: str, reading: str) -> str:
    """``base`` annotated with ``reading`` (just ``base`` when there is nothing to add)."""
    base, reading = base.strip(), reading.strip()
    if not base or not reading or reading == base:
        return base
    return f"｜{base}《{reading}》"


def strip_ruby(text: str) -> str:
    """What a reader sees: each annotated word's base, without its reading."""
    return RUBY.sub(lambda m: m.group("base") or m.group("kanji"), text)


def ruby_readings(text: str) -> str:
    """What a narrator says: each annotated word's reading, without its base."""
    return RUBY.sub(lambda m: m.group("reading") or m.group("kana"), text)


_WORD_BASE = re.compile(rf"[{_KANJI}]{{2,}}")


def annotate_repeats(texts: list[str]) -> list[str]:
    """Give later bare occurrences of an annotated word its reading: books print ruby once
    (犍陀多《かんだた》, then plain 犍陀多), but the voice needs it every time.

    Only words of two or more kanji with a single reading in the whole book, and only where
    they stand alone (no kanji right before or after: a longer compound reads its own way).
    """
    readings: dict[str, set[str]] = {}
    for text in texts:
        for match in RUBY.finditer(text):
            base = match.group("base") or match.group("kanji")
            if _WORD_BASE.fullmatch(base):
                readings.setdefault(base, set()).add(match.group("reading") or match.group("kana"))
    known = {base: next(iter(found)) for base, found in readings.items() if len(found) == 1}
    if not known:
        return list(texts)
    words = "|".join(re.escape(base) for base in sorted(known, key=len, reverse=True))
    bare = re.compile(rf"(?<![{_KANJI}])(?:{words})(?![{_KANJI}])")

    def annotate(text: str) -> str:
        out, last = [], 0
        for start, end in [*ruby_spans(text), (len(text), len(text))]:
            out.append(bare.sub(lambda m: ruby_notation(m.group(0), known[m.group(0)]), text[last:start]))
            out.append(text[start:end])
            last = end
        return "".join(out)

    return [annotate(text) for text in texts]


def ruby_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each annotation, so a cut never falls inside one."""
    return [m.span() for m in RUBY.finditer(text)]
