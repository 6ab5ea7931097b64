"""make grade DIR=: a class CSV, one row per notebook, each graded in its own process under a time limit."""

import shutil
import time

import jupytext
import nbformat
import pandas as pd
import psutil
import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR
from helpers.workshop.classroom import COLUMNS, grade_class
from helpers.workshop.grader import main
from helpers.workshop.sheet import SOLUTIONS, STUDENTS


def test_a_missing_or_empty_folder_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    assert main([str(tmp_path / "entregas") + "/", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no existe la carpeta" in err and "Traceback" not in err
    (tmp_path / "vacia").mkdir()
    (tmp_path / "vacia" / "notas.txt").write_text("no es un cuaderno", encoding="utf-8")
    assert main([str(tmp_path / "vacia"), "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no tiene cuadernos .ipynb" in err
    assert not (tmp_path / "out" / "notas.csv").exists()


def _solutions_without_demos(path):
    """The solutions' definitions, self-check cells and set-up, without the demo cells that load the real
    models: the grader's checks are the same, in a minute instead of several."""
    notebook = jupytext.read(NOTEBOOKS_DIR / f"{SOLUTIONS}.ipynb")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    setup = code[[i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])][0] + 1]
    notebook.cells = [c for c in notebook.cells if c.cell_type == "markdown" or c is setup or c.metadata.get("tags")]
    nbformat.write(notebook, path)


# The time limit each notebook gets here: four times what the solutions take on 2 cores (about 60 s);
# the four notebooks are graded at the same time, so the test takes about this long.
LIMIT_S = 240
# A cell that ignores the grader's interrupt: only the per-notebook limit stops it.
HANG = "import signal\nimport time\n\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)"


@pytest.mark.slow
@pytest.mark.timeout(420)  # about 4 min: the four notebooks at once, the hang stopped at 240 s
def test_a_class_folder_gives_one_row_per_notebook_and_a_hang_or_crash_fails_only_its_own(tmp_path):
    folder = tmp_path / "entregas"
    folder.mkdir()
    _solutions_without_demos(folder / "ana.ipynb")
    shutil.copy(NOTEBOOKS_DIR / f"{STUDENTS}.ipynb", folder / "bea.ipynb")  # the untouched sheet
    hang = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(HANG)])
    nbformat.write(hang, folder / "carlos.ipynb")
    (folder / "dani.ipynb").write_text("{esto no es un cuaderno", encoding="utf-8")
    started, start = time.time(), time.perf_counter()
    csv = grade_class(folder, tmp_path / "notas", limit=LIMIT_S, browser=False, echo=lambda line: None, jobs=4)
    assert time.perf_counter() - start < LIMIT_S + 60  # in parallel, not one after another
    rows = pd.read_csv(csv).set_index("estudiante")
    assert list(pd.read_csv(csv).columns) == COLUMNS and list(rows.index) == ["ana", "bea", "carlos", "dani"]
    exercises = [f"ejercicio_{n}" for n in range(1, 6)]
    ana, bea, carlos, dani = (rows.loc[name] for name in rows.index)
    assert ana["estado"] == "corregido" and ana["total"] == ana["maximo"] == ana[exercises].sum() > 0, ana
    assert "5/5 ejercicios superados" in ana["detalle"]
    assert bea["estado"] == "corregido" and bea["total"] == 0 and bea["maximo"] == ana["maximo"], bea
    assert carlos["estado"] == "colgado" and f"no terminó en {LIMIT_S} s" in carlos["detalle"], carlos
    assert dani["estado"] == "error" and "no es un cuaderno de Jupyter válido" in dani["detalle"], dani
    assert (carlos[exercises] == 0).all() and carlos["total"] == dani["total"] == 0
    time.sleep(2)
    assert not _kernels_started_since(started)  # the hung notebook's kernel was killed with its grader


def _kernels_started_since(started: float) -> list[int]:
    """Jupyter kernels started in this repo's notebooks folder (where the grader runs them) since then."""
    found = []
    for process in psutil.process_iter(["cmdline", "create_time"]):
        try:
            if (process.info["create_time"] >= started and "ipykernel_launcher" in " ".join(process.info["cmdline"] or [])
                    and process.cwd() == str(NOTEBOOKS_DIR)):
                found.append(process.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found
