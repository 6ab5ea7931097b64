"""The package layout: a small core, one subpackage per study, no study reaching into another."""

import ast
import subprocess
import sys

import pytest

from helpers.paths import REPO_ROOT

HELPERS = REPO_ROOT / "helpers"
STUDIES = ["recommender", "persona", "sentiment", "rag", "workshop", "films"]
SUBPACKAGES = [*STUDIES, "setup", "book"]


def _modules():
    return sorted(p for p in HELPERS.rglob("*.py") if "__pycache__" not in p.parts)


def _imported(path):
    """Every helpers.* module a file imports, at top level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.startswith("helpers")}
    return names


def _home(path):
    """The subpackage a file belongs to, or 'core'."""
    parts = path.relative_to(HELPERS).parts
    return parts[0] if len(parts) > 1 else "core"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(HELPERS)))
def test_module_is_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 250, f"{path}: over 250 lines, split it"


def _target(module):
    """The subpackage an imported helpers module lives in, or 'core'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "core"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(HELPERS)))
def test_no_study_imports_another_study_and_the_core_imports_no_study(path):
    home = _home(path)
    for module in _imported(path):
        target = _target(module)
        assert target in ("core", home), f"{path} ({home}) imports {module} ({target})"


def test_layout_check_catches_a_cross_study_import(tmp_path):
    wrong = HELPERS / "films" / "_cross_study_probe.py"
    wrong.write_text("from helpers.recommender.redial import load_redial\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match="imports helpers.recommender.redial"):
            test_no_study_imports_another_study_and_the_core_imports_no_study(wrong)
    finally:
        wrong.unlink()


def test_every_subpackage_has_tests_beside_it():
    for name in SUBPACKAGES + ["core"]:
        assert list((REPO_ROOT / "tests" / name).glob("test_*.py")), f"tests/{name}/ has no tests"


def test_importing_helpers_and_every_subpackage_does_not_import_torch():
    code = ("import sys, helpers\n"
            + "".join(f"import helpers.{name}\n" for name in SUBPACKAGES)
            + "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_import_graph_has_no_cycles():
    graph = {}
    for path in _modules():
        rel = path.relative_to(REPO_ROOT).with_suffix("")
        name = ".".join(p for p in rel.parts if p != "__init__")
        graph[name] = {m for m in _imported(path) if m != name}
    state = {}

    def visit(node, trail):
        if state.get(node) == "done" or node not in graph:
            return
        assert state.get(node) != "open", f"import cycle: {' -> '.join([*trail, node])}"
        state[node] = "open"
        for nxt in graph[node]:
            visit(nxt, [*trail, node])
        state[node] = "done"

    for node in graph:
        visit(node, [])
