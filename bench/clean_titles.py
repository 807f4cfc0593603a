"""Which zero-width joiners ``narration.display.clean_title`` keeps, measured on real words.

The sample: every word holding a ZWJ or ZWNJ in the string literals of spaCy's language data
(examples, stop words, lexical attributes; Persian, Sinhala, Malayalam, Kannada, Hindi...) and
apprise's emoji table, all installed with the project. A joiner there is part of the spelling
(Persian ``می‌خواهم``, Sinhala ``ශ්‍රී``, an emoji family), so each one dropped would change how
the word looks. And spaCy's list of "naughty strings" (bidi overrides, zero-width characters,
escapes): every control or format character in it must go.

    python bench/clean_titles.py
"""

from __future__ import annotations

import ast
import collections
import importlib.util
import unicodedata
from pathlib import Path

from narration.display import clean_title

JOINERS = "\u200c\u200d"


def _strings(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return []
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _package(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec and spec.origin, f"{name} is not installed"
    return Path(spec.origin).parent


def joiner_texts() -> dict[str, list[str]]:
    """String literals holding a joiner (words, sentences), by where they came from (spaCy's
    language code, or emoji)."""
    found: dict[str, set[str]] = collections.defaultdict(set)
    sources = [(p.parent.name, p) for p in (_package("spacy") / "lang").glob("*/*.py")]
    sources.append(("emoji", _package("apprise") / "emojis.py"))
    for where, path in sources:
        found[where].update(t.strip() for t in _strings(path) if any(j in t for j in JOINERS))
    return {k: sorted(v) for k, v in found.items() if v}


def _wordlike(c: str) -> bool:
    return unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "So"


def inside(text: str) -> int:
    """Joiners between two letters, marks, digits or symbols: the ones that shape a word."""
    return sum(c in JOINERS and 0 < i < len(text) - 1 and _wordlike(text[i - 1]) and _wordlike(text[i + 1])
               for i, c in enumerate(text))


def main() -> None:
    texts = joiner_texts()
    totals = collections.Counter()
    for where, ts in sorted(texts.items(), key=lambda kv: -len(kv[1])):
        count = sum(t.count(j) for t in ts for j in JOINERS)
        left = sum(clean_title(t).count(j) for t in ts for j in JOINERS)
        words, words_left = sum(map(inside, ts)), sum(inside(clean_title(t)) for t in ts)
        totals.update(count=count, left=left, words=words, words_left=words_left)
        lost = [t for t in ts if sum(clean_title(t).count(j) for j in JOINERS) < sum(t.count(j) for j in JOINERS)]
        print(f"{where:6} {len(ts):4} texts: {left:4}/{count:<4} joiners kept, {words_left:4}/{words:<4} of those "
              f"inside a word" + (f"   e.g. dropped in {[t[-20:] for t in lost[:2]]}" if lost else ""))
    print(f"all    {totals['left']}/{totals['count']} joiners kept, {totals['words_left']}/{totals['words']} of those "
          "inside a word")

    naughty = _strings(_package("spacy") / "tests" / "tokenizer" / "test_naughty_strings.py")
    hostile = [s for s in naughty if any(unicodedata.category(c) in ("Cc", "Cf") for c in s)]
    left = [s for s in hostile
            if any(unicodedata.category(c) in ("Cc", "Cf") and c not in JOINERS for c in clean_title(s))]
    print(f"naughty strings with control or format characters: {len(hostile)}, any left after cleaning: {len(left)}")


if __name__ == "__main__":
    main()
