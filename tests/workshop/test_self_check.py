"""comprobar(n): the sheet's own cells pass on the solutions, fail on the untouched sheet, name the failed check."""

import re

import jupytext
import nbformat
import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR
from helpers.workshop.checks import checks
from helpers.workshop.self_check import comprobar
from helpers.workshop.sheet import (
    SOLUTIONS,
    STUDENTS,
    is_check_cell,
    solution_namespace,
    student_text,
    with_check_cells,
)
from tests.workshop.mutants import MUTANTS, mutate

SOURCE = (NOTEBOOKS_DIR / f"{SOLUTIONS}.py").read_text(encoding="utf-8")


def check_cells(name: str) -> dict[int, str]:
    """{n: source} of the comprobar cells of a notebook (its .ipynb, as students open it)."""
    notebook = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
    cells = [c for c in notebook.cells if is_check_cell(c)]
    return {int(re.search(r"comprobar\((\d)\)", c.source).group(1)): c.source for c in cells}


@pytest.fixture(scope="module")
def namespaces(tmp_path_factory):
    return {"solutions": solution_namespace(OUTPUT_DIR=str(tmp_path_factory.mktemp("sol"))),
            "sheet": solution_namespace(source=student_text(SOURCE), OUTPUT_DIR=str(tmp_path_factory.mktemp("hoja")))}


def run_cell(source: str, ns: dict, capsys) -> str:
    capsys.readouterr()
    exec(compile(source, "<celda comprobar>", "exec"), ns)  # the cell as the kernel runs it: globals are ns
    return capsys.readouterr().out


def test_each_exercise_is_followed_by_its_comprobar_cell_in_both_notebooks():
    for name in (SOLUTIONS, STUDENTS):
        notebook = jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb")
        for n in range(1, 6):
            index = next(i for i, c in enumerate(notebook.cells) if f"ejercicio-{n}" in c.metadata.get("tags", []))
            assert is_check_cell(notebook.cells[index + 1]) and f"comprobar({n})" in notebook.cells[index + 1].source
    assert check_cells(SOLUTIONS) == check_cells(STUDENTS) and sorted(check_cells(STUDENTS)) == [1, 2, 3, 4, 5]
    assert with_check_cells(SOURCE) == SOURCE  # regenerating adds nothing twice


def test_a_check_cell_is_recognised_by_its_tag_or_its_call():
    assert is_check_cell(nbformat.v4.new_code_cell("comprobar(3)"))
    assert is_check_cell(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["comprobar"]}))
    assert not is_check_cell(nbformat.v4.new_code_cell("resultado = comprobar(3)\nprint(resultado)"))
    assert not is_check_cell(nbformat.v4.new_markdown_cell("comprobar(3)"))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_the_sheets_comprobar_cell_passes_on_the_solutions_and_fails_on_the_untouched_sheet(n, namespaces, capsys):
    total = len(checks(browser=False)[n])
    passed = run_cell(check_cells(STUDENTS)[n], namespaces["solutions"], capsys)
    assert f"Ejercicio {n}: {total} de {total} comprobaciones superadas" in passed and "✘" not in passed, passed
    assert passed.count("✔ ") == total
    blank = run_cell(check_cells(STUDENTS)[n], namespaces["sheet"], capsys)  # reports; never raises
    assert f"El ejercicio {n} aún no está hecho" in blank and f"Ejercicio {n}: 0 de {total}" in blank, blank
    assert blank.count("✘ ") == total and "Traceback" not in blank and f'NotImplementedError("TODO {n}")' in blank


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.name in ("cache variable ignored", "Spanish role names not "
                                                                                         "translated")], ids=str)
def test_a_wrong_solution_shows_the_check_it_fails(mutant, tmp_path, capsys):
    ns = solution_namespace(exercises=(mutant.exercise,), source=mutate(SOURCE, mutant), OUTPUT_DIR=str(tmp_path))
    listed = checks(browser=False)[mutant.exercise]
    out = run_cell(check_cells(STUDENTS)[mutant.exercise], ns, capsys)
    failed = [c.expected for c in listed if c.name in mutant.checks]
    assert [line[2:] for line in out.splitlines() if line.startswith("✘ ")] == failed, out
    assert f"Ejercicio {mutant.exercise}: {len(listed) - len(failed)} de {len(listed)}" in out
    assert "aún no está hecho" not in out


def test_user_mistakes_get_one_spanish_line(capsys):
    comprobar(7, {})
    assert capsys.readouterr().out == "No hay ejercicio 7: usa comprobar(1) a comprobar(5).\n"
    comprobar(1, {})
    assert "Falta MODELO_CHAT" in capsys.readouterr().out


@pytest.mark.slow
def test_comprobar_in_a_real_kernel_fails_the_stub_then_passes_the_solution(tmp_path, monkeypatch):
    """Run in a Jupyter kernel, as in Colab: the sheet's set-up, exercise 1's stub and its comprobar cell,
    then the solution's exercise 1 cell and the same comprobar cell again. Offline, with an empty Hugging
    Face cache: the tiny model takes its tokenizer from the packaged model (Colab's first cell prepares it)."""
    from nbclient import NotebookClient

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_vacio"))

    from helpers.notebook_runner import kernel_name

    def cells(name):
        return jupytext.read(NOTEBOOKS_DIR / f"{name}.ipynb").cells

    sheet, solutions = cells(STUDENTS), cells(SOLUTIONS)
    code = [c for c in sheet if c.cell_type == "code"]
    parameters = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    stub = next(c for c in sheet if "ejercicio-1" in c.metadata.get("tags", []))
    solved = next(c for c in solutions if "ejercicio-1" in c.metadata.get("tags", []))
    sources = [code[parameters].source, f"OUTPUT_DIR = {str(tmp_path)!r}", code[parameters + 1].source,
               stub.source, check_cells(STUDENTS)[1], solved.source, check_cells(STUDENTS)[1]]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    NotebookClient(notebook, timeout=120, kernel_name=kernel_name(),
                   resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()  # raises if a cell raises

    def printed(cell):
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    before, after = printed(notebook.cells[4]), printed(notebook.cells[6])
    assert "El ejercicio 1 aún no está hecho" in before and "Ejercicio 1: 0 de 3" in before and "Traceback" not in before
    assert "Ejercicio 1: 3 de 3 comprobaciones superadas (5 de 5 puntos" in after, after
