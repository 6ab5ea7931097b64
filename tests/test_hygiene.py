"""Notebook hygiene: one parameters cell of literals, .py pair in sync, no outputs, code parses, Colab
badges that open the .ipynb, a short README."""

import ast
import json
import re
from pathlib import Path

import jupytext
import papermill
import pytest

from helpers.book.badges import BADGE, REPO_URL_LITERAL, badge, badge_problems, github_repo
from helpers.notebook_runner import NOTEBOOKS_DIR, notebook_names
from helpers.paths import REPO_ROOT, REPO_URL

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


def _first_markdown(name):
    notebook = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
    return next(c.source for c in notebook.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_opens_with_its_own_colab_badge(name):
    text = _first_markdown(name)
    found = [m.group("path") for m in BADGE.finditer(text)]
    assert found == [f"notebooks/{name}.ipynb"], f"{name}: first markdown cell has badges {found}; run `make sync`"
    assert badge_problems(text, name) == []
    assert badge(name) in text, f"{name}: badge not built from helpers.paths.REPO_URL; run `make sync`"


def test_readme_badges_open_every_notebook_and_exist():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert badge_problems(text, "README.md") == []
    assert sorted(Path(m.group("path")).stem for m in BADGE.finditer(text)) == NAMES


def test_badge_check_rejects_a_py_a_missing_notebook_and_another_repository():
    good = badge("03_lora_sentiment")
    assert badge_problems(good, "x") == []
    to_py = good.replace("03_lora_sentiment.ipynb", "03_lora_sentiment.py")
    missing = good.replace("03_lora_sentiment.ipynb", "03_lora_sentimiento.ipynb")
    elsewhere = good.replace(f"/github/{github_repo()}/", "/github/someone/fork/")
    assert "not a .ipynb" in " ".join(badge_problems(to_py, "x"))
    assert "does not exist" in " ".join(badge_problems(missing, "x"))
    assert "REPO_URL" in " ".join(badge_problems(elsewhere, "x"))


def repo_url_defaults(name):
    """The LLM_STUDIES_REPO_URL defaults in a notebook's .py (its Colab cell clones that address)."""
    return REPO_URL_LITERAL.findall((NOTEBOOKS_DIR / f"{name}.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_colab_cell_clones_the_repository_of_the_setting(name):
    assert repo_url_defaults(name) == [REPO_URL], f"{name}: the Colab cell's default is not helpers.paths.REPO_URL"


def test_repo_url_literal_is_found_where_it_differs():
    cell = 'os.environ.get("LLM_STUDIES_REPO_URL", "https://github.com/someone/fork.git")'
    assert REPO_URL_LITERAL.findall(cell) == ["https://github.com/someone/fork.git"] != [REPO_URL]


def readme_problems(text: str) -> list[str]:
    """What keeps the README a newcomer's page: under 250 lines (the rest lives in docs/)."""
    lines = len(text.splitlines())
    return [f"README.md has {lines} lines: move detail to docs/ (the book)"] if lines >= 250 else []


def test_readme_stays_short_and_the_check_rejects_a_long_one():
    assert readme_problems((REPO_ROOT / "README.md").read_text(encoding="utf-8")) == []
    assert readme_problems("línea\n" * 250)


LINK = re.compile(r"\]\(([^)\s]+)\)")


def readme_link_problems(text: str, root: Path = REPO_ROOT) -> list[str]:
    """Relative links of the README that lead nowhere. A study's book page is made by make book, not
    committed; the results pages (make results) are committed, so they must exist."""
    made = {f"outputs/book/html/estudios/{n}.html" for n in notebook_names()}
    return [f"README.md: broken link {target}" for target in LINK.findall(text)
            if "://" not in target and not (root / target.split("#")[0]).exists() and target not in made]


def test_readme_links_lead_somewhere_and_a_broken_one_is_caught():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_link_problems(text) == []
    assert "docs/guia/colab.md" in LINK.findall(text) and "docs/results/bench.md" in LINK.findall(text)
    assert readme_link_problems("[guía](docs/guia/colb.md) [x](outputs/book/html/estudios/99_x.html) "
                                "[r](docs/results/99_x.md)") == [
        "README.md: broken link docs/guia/colb.md", "README.md: broken link outputs/book/html/estudios/99_x.html",
        "README.md: broken link docs/results/99_x.md"]
