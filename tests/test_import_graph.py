"""The import graph keeps its shape: imports go down the layers declared in pyproject.toml
([tool.importlinter]: flows > cli > run > options > stages > store > utilities, the library
never importing flows/ or Prefect) and no modules import each other in a circle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from import_graph import bench_circles  # noqa: E402

def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the copy at ``root`` (its pyproject.toml, its packages first on the path)."""
    code = ("import sys, importlinter.api; from importlinter.application.use_cases import lint_imports; "
            "sys.exit(0 if lint_imports(config_filename='pyproject.toml', cache_dir=None, no_logo=True) else 1)")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)


def circles_in(root: Path) -> list[list[str]]:
    """``module_circles`` of the copy at ``root``, in a process of its own (this one has imported ours)."""
    code = ("import json, sys; sys.path.insert(0, 'scripts'); from import_graph import import_graph, module_circles; "
            "print(json.dumps(module_circles(import_graph())))")
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert circles_in(ROOT) == []
    assert bench_circles() == []


def test_an_upward_import_and_a_circle_are_caught(tmp_path: Path) -> None:
    for name in ("narration", "flows", "bench"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "data", "results"))
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "import_graph.py", tmp_path / "scripts")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    captions = tmp_path / "narration" / "assembly" / "captions.py"
    captions.write_text(captions.read_text(encoding="utf-8") + "\nfrom narration.run import plan  # noqa\n")
    layout = tmp_path / "narration" / "store" / "layout.py"  # status reads the layout; now the layout status
    layout.write_text(layout.read_text(encoding="utf-8") + "\nfrom narration.store import status  # noqa\n")
    (tmp_path / "bench" / "one.py").write_text("import two\n")
    (tmp_path / "bench" / "two.py").write_text("from one import x\n")

    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "narration.assembly.captions -> narration.run.plan" in result.stdout
    assert "No cycles are allowed in narration.store" in result.stdout, result.stdout
    circles = circles_in(tmp_path)
    assert any({"narration.store.layout", "narration.store.status"} <= set(c) for c in circles), circles
    assert bench_circles(tmp_path / "bench") == [["one", "two"]]
