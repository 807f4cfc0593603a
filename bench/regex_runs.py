"""Every regular expression in narration.ingest and narration.text, timed on long runs.

    python bench/regex_runs.py [NAME_PART]

Finds the patterns (module-level ones, those in tuples, lists and dicts, and literal patterns
passed to ``re.*`` calls) and runs ``search``, ``finditer``, ``match`` and ``fullmatch`` of each
on runs of every ASCII punctuation character, spaces, digits, letters and a few typographic
marks, alone and followed by a letter, spaced out and mixed. Prints a pattern as EXP when a few
more characters of a short run multiply its time by 8 or more (exponential backtracking), and
as QUAD when four times the run (8,000 -> 32,000 characters) costs over nine times as much.
Slow (tens of minutes on a busy machine): an audit, not a test; tests/test_hostile_text.py
times the readers themselves.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import platform
import re
import string
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import narration.ingest  # noqa: E402
import narration.text  # noqa: E402

CHARS = string.punctuation + " \t\n\u00a0—–·•◆◇✱⁂※＊…'’”" + "aA1I０一"
SHORT = range(4, 40, 2)  # run lengths for the exponential check
SHAPES = 7


def shape(char: str, n: int, kind: int) -> str:
    return [char * n, char * n + "a", "a" + char * n + "!", (char + " ") * (n // 2) + "a",
            (char + "a") * (n // 2), (char + "1") * (n // 2), "I. " + char * n + "x"][kind]


def _found(obj: Any, label: str, out: dict[tuple[str, int], tuple[str, re.Pattern[str]]], depth: int = 0) -> None:
    if isinstance(obj, re.Pattern) and isinstance(obj.pattern, str):
        out.setdefault((obj.pattern, obj.flags), (label, obj))
    elif depth < 3 and isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _found(item, f"{label}[{i}]", out, depth + 1)
    elif depth < 3 and isinstance(obj, dict):
        for key, item in obj.items():
            _found(item, f"{label}[{key!r}]", out, depth + 1)
    elif callable(obj) and isinstance(getattr(obj, "__self__", None), re.Pattern):
        _found(obj.__self__, label, out, depth)


def _inline(module: Any, name: str, out: dict[tuple[str, int], tuple[str, re.Pattern[str]]]) -> None:
    """Literal patterns given to ``re.search(...)`` and the like inside functions."""
    for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
            continue
        try:  # a literal, or an expression of the module's constants (an f-string of them)
            pattern = eval(compile(ast.Expression(node.args[0]), name, "eval"), vars(module))  # noqa: S307
            flags = 0
            for arg in node.args[2:] + [k.value for k in node.keywords if k.arg == "flags"]:
                flags |= eval(compile(ast.Expression(arg), name, "eval"), vars(module))  # noqa: S307
            if isinstance(pattern, str):
                out.setdefault((pattern, flags), (f"{name}:{node.lineno}", re.compile(pattern, flags)))
        except Exception:  # noqa: BLE001 - built from local variables: not auditable statically
            continue


def patterns() -> dict[tuple[str, int], tuple[str, re.Pattern[str]]]:
    out: dict[tuple[str, int], tuple[str, re.Pattern[str]]] = {}
    for package in (narration.ingest, narration.text):
        for info in pkgutil.iter_modules(package.__path__):
            name = f"{package.__name__}.{info.name}"
            module = importlib.import_module(name)
            for attr, value in vars(module).items():
                _found(value, f"{name}.{attr}", out)
            _inline(module, name, out)
    return out


def cost(pattern: re.Pattern[str], text: str, tries: int = 1) -> float:
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        pattern.search(text)
        for _match in pattern.finditer(text):
            pass
        pattern.match(text)
        pattern.fullmatch(text)
        best = min(best, time.perf_counter() - start)
    return best


def verdicts(pattern: re.Pattern[str]) -> Iterator[str]:
    for char in CHARS:
        for kind in range(SHAPES):
            for n in SHORT:
                if cost(pattern, shape(char, n, kind), 3) > 0.01 and \
                        cost(pattern, shape(char, n + 6, kind), 3) > 8 * cost(pattern, shape(char, n, kind), 3):
                    yield f"EXP  run of {char!r} shape {kind}, n={n}"
                    return
            small, large = cost(pattern, shape(char, 2000, kind), 3), cost(pattern, shape(char, 8000, kind), 3)
            if large > 0.004 and large > 9 * small:
                largest = cost(pattern, shape(char, 32000, kind), 3)
                if largest > 9 * large:
                    yield f"QUAD run of {char!r} shape {kind}: {large:.3f} s at 8,000, {largest:.3f} s at 32,000"
                    return


def main() -> None:
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    found = patterns()
    print(f"{len(found)} patterns")
    slow = 0
    for (source, _flags), (label, pattern) in sorted(found.items(), key=lambda item: item[1][0]):
        if only in label:
            for verdict in verdicts(pattern):
                slow += 1
                print(f"{verdict}  {label}  /{source[:100]}/", flush=True)
    print(f"{slow} super-linear")


if __name__ == "__main__":
    main()
