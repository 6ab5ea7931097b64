"""Notebook hygiene: one parameters cell of literals, .py pair in sync, no outputs, code parses."""

import ast
import json

import jupytext
import papermill
import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR, notebook_names

NAMES = notebook_names()


def _cells(notebook):
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


@pytest.mark.parametrize("name", NAMES)
def test_py_pair_exists_and_is_in_sync(name):
    pair = NOTEBOOKS_DIR / f"{name}.py"
    assert pair.exists(), f"{pair} missing: run `make sync`"
    ipynb = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
    script = jupytext.read(pair)
    assert _cells(ipynb) == _cells(script), f"{name}: .ipynb and .py differ; run `make sync`"
    assert [c.metadata.get("tags", []) for c in ipynb.cells] == [c.metadata.get("tags", []) for c in script.cells]


@pytest.mark.parametrize("name", NAMES)
def test_no_outputs_committed(name):
    raw = json.loads((NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    for index, cell in enumerate(raw["cells"]):
        if cell["cell_type"] == "code":
            assert not cell["outputs"] and cell["execution_count"] is None, f"{name} cell {index} has outputs"


@pytest.mark.parametrize("name", NAMES)
def test_exactly_one_parameters_cell_of_commented_literals(name):
    notebook = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: {len(tagged)} cells tagged 'parameters'"
    source = tagged[0].source
    names = []
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, f"{name}: not a plain assignment"
        target = node.targets[0].id
        assert target.isupper(), f"{name}: parameter {target} is not UPPER_CASE"
        ast.literal_eval(node.value)  # raises when not a literal
        line = source.splitlines()[node.lineno - 1]
        assert "#" in line, f"{name}: parameter {target} has no comment"
        names.append(target)
    assert {"PROFILE", "SEED", "OUTPUT_DIR"} <= set(names)
    # papermill skips a line with a second "=" (in a comment too): `--help-notebook` would hide it.
    seen = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    assert set(seen) == set(names), f"{name}: papermill cannot read {sorted(set(names) - set(seen))}"


@pytest.mark.parametrize("name", NAMES)
def test_every_code_cell_parses_and_colab_cell_comes_first(name):
    notebook = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    for index, source in enumerate(code):
        ast.parse(source, filename=f"{name} code cell {index}")
    assert "google.colab" in code[0], f"{name}: first code cell must be the Colab-only install cell"
    assert "save_metrics(" in code[-1], f"{name}: last cell must write metrics.json"
    assert "trust_remote_code=True" not in "\n".join(code), f"{name}: remote code needs an explicit opt-in"


@pytest.mark.parametrize("name", NAMES)
def test_results_are_written_atomically(name):
    """Figures and tables go through helpers.io, so an interrupted run never leaves half a file."""
    source = (NOTEBOOKS_DIR / f"{name}.py").read_text(encoding="utf-8")
    direct = [line.strip() for line in source.splitlines()
              if ".savefig(" in line or ".to_csv(" in line or ".to_json(" in line]
    assert not direct, f"{name}: write results with helpers.io (save_figure, atomic_write_csv): {direct}"
