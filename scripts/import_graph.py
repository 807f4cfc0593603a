"""The import graph of narration/, flows/ and bench/: its size, every import circle (modules that
reach each other, package __init__ files included) and, per pair of top-level parts, how many
imports go from one to the other. `lint-imports` checks the layers declared in pyproject.toml;
this lists what is there, to see where a new import went.

    python scripts/import_graph.py            # circles and the imports between parts
    python scripts/import_graph.py --circles  # circles only (exit 1 if there is one)

bench/ scripts import each other by bare name (bench/ is on sys.path when they run), which the
graph does not see: their circles are found from their import statements instead.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("narration", "flows", "bench")


def import_graph(root: Path = ROOT) -> grimp.ImportGraph:
    """The graph of ``root``'s packages (``root`` put first on the path, so its copy is read)."""
    sys.path.insert(0, str(root))
    try:
        return grimp.build_graph(*PACKAGES, cache_dir=None)
    finally:
        sys.path.remove(str(root))


def circles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def module_circles(graph: grimp.ImportGraph) -> list[list[str]]:
    return circles({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})


def bench_circles(bench: Path = ROOT / "bench") -> list[list[str]]:
    """Circles among bench/ scripts that import each other by bare name."""
    names = {p.stem for p in bench.glob("*.py")}
    edges: dict[str, set[str]] = {}
    for path in bench.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        edges[path.stem] = {m.split(".")[0] for m in found} & names - {path.stem}
    return circles(edges)


def part(module: str) -> str:
    """``narration.run.plan`` -> ``narration.run``; ``flows.cli`` -> ``flows``."""
    pieces = module.split(".")
    return ".".join(pieces[:2]) if pieces[0] == "narration" and len(pieces) > 1 else pieces[0]


def imports_between_parts(graph: grimp.ImportGraph) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if (a := part(module)) != (b := part(imported)):
                counts[a, b] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--circles", action="store_true", help="list circles only")
    args = parser.parse_args()
    graph = import_graph()
    found = module_circles(graph) + bench_circles()
    imports = sum(len(graph.find_modules_directly_imported_by(m)) for m in graph.modules)
    print(f"{len(graph.modules)} modules and packages, {imports} imports; {len(found)} circles")
    for circle in found:
        print("  circle:", " <-> ".join(circle))
    if not args.circles:
        print("imports between parts (importer -> imported: count):")
        for (a, b), count in sorted(imports_between_parts(graph).items()):
            print(f"  {a} -> {b}: {count}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
