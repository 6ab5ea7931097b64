"""Study 5: one source makes both notebooks; the grader passes the solutions and fails the blank sheet."""

import json
import re

import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR
from helpers.workshop.grader import grade
from helpers.workshop.sheet import (
    SOLUTIONS,
    STUDENTS,
    WorkshopSourceError,
    solution_lines,
    student_text,
    student_version,
)

SOURCE = (NOTEBOOKS_DIR / f"{SOLUTIONS}.py").read_text(encoding="utf-8")
STUDENT = (NOTEBOOKS_DIR / f"{STUDENTS}.py").read_text(encoding="utf-8")


def test_students_notebook_is_generated_from_the_solutions():
    assert STUDENT == student_text(SOURCE), "run `python -m helpers.workshop.sheet` (make workshop) and commit"


def test_no_solution_code_or_answer_survives_for_students():
    import jupytext

    outside = re.sub(r"### SOLUCIÓN \d INICIO.*?### SOLUCIÓN FIN", "", SOURCE, flags=re.DOTALL)
    distinctive = [line for line in solution_lines(SOURCE) if len(line) > 25 and line not in outside]
    assert len(distinctive) > 40
    cells = "\n".join(c.source for c in jupytext.read(NOTEBOOKS_DIR / f"{STUDENTS}.ipynb").cells)
    leaked = [line for line in distinctive if line in cells or line in STUDENT]
    assert not leaked, f"solution lines in the students' version: {leaked[:5]}"
    assert "RESPUESTA" not in cells and "atención bidireccional" not in cells
    todos = re.findall(r'raise NotImplementedError\("TODO (\d)"\)', cells)
    assert sorted(set(todos)) == ["1", "2", "3", "4", "5"]
    assert cells.count("# Pista:") == SOURCE.count("# Pista:") > 5  # the sheet's hints stay


def test_unbalanced_markers_are_reported_with_the_line():
    with pytest.raises(WorkshopSourceError, match="line 3: '### SOLUCIÓN FIN' without a block"):
        student_version("def f():\n    pass\n    ### SOLUCIÓN FIN\n")
    with pytest.raises(WorkshopSourceError, match="ends inside"):
        student_version("def f():\n    ### SOLUCIÓN 1 INICIO\n    return 1\n")


@pytest.mark.timeout(300)  # about 75 s on 2 cores: the whole sheet, then the checks and Chromium
def test_grader_passes_every_exercise_of_the_solutions_in_a_real_browser(tmp_path):
    report = grade(NOTEBOOKS_DIR / f"{SOLUTIONS}.ipynb", tmp_path)
    results = report["exercises"]
    assert report["profile"] == "local" and [r["exercise"] for r in results] == [1, 2, 3, 4, 5]
    failed = [r for r in results if not r["passed"]]
    assert not failed, failed
    assert all(r["cell_error"] is None for r in results)
    assert [t["status"] for t in report["theory"]] == ["superado"] * 3
    assert "navegador: respuesta del modelo" in results[4]["message"]
    assert report["points"] == report["max_points"] == 36  # every check's points, the browser's included
    screenshot = tmp_path / "chat_web.png"  # taken by headless Chromium once the streamed reply showed
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    assert (tmp_path / "metrics.json").exists()
    assert json.loads((tmp_path / "grade.json").read_text(encoding="utf-8")) == report


def test_grader_fails_every_exercise_of_the_untouched_sheet_and_says_where(tmp_path):
    report = grade(NOTEBOOKS_DIR / f"{STUDENTS}.ipynb", tmp_path)
    results = {r["exercise"]: r for r in report["exercises"]}
    assert not any(r["passed"] for r in results.values())
    for number, result in results.items():
        assert f"TODO {number}" in result["message"], result
        # Exercise 5's demo cell first calls exercise 1's cargar_modelo: its cell error is TODO 1, in cell 7.
        assert result["cell_error"].startswith("NotImplementedError: TODO ") and "(celda " in result["cell_error"]
    assert "celda " in results[1]["message"] and "en `configurar_cache`" in results[1]["message"]
    assert [t["status"] for t in report["theory"]] == ["no superado"] * 3
    assert report["points"] == 0 and report["max_points"] == 36
