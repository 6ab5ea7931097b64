"""The grader's own behaviour: inputs it refuses, reports it keeps, errors it places, theory, GPU choice."""

import json

import nbformat
import pytest

from helpers.workshop.cells import cell_errors, locate
from helpers.workshop.gpu import precision_and_attention
from helpers.workshop.grader import grade, main, notebook_profile
from helpers.workshop.theory import grade_answer


def test_a_missing_notebook_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    assert main([str(tmp_path / "no_existe.ipynb"), "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no existe el cuaderno" in err and "Traceback" not in err


def test_the_notebooks_own_folder_is_refused_as_output(tmp_path, capsys):
    path = tmp_path / "hoja.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    assert main([str(path), "--output", str(tmp_path)]) == 2
    assert "carpeta del cuaderno" in capsys.readouterr().err
    assert main([str(tmp_path / "hoja.txt"), "--output", str(tmp_path / "o")]) == 2


def test_an_earlier_report_survives_a_grading_that_does_not_finish(tmp_path):
    path, output = tmp_path / "muere.ipynb", tmp_path / "informe"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import os\nos._exit(1)")]  # the kernel dies: no checks run
    nbformat.write(notebook, path)
    output.mkdir()
    (output / "grade.json").write_text('{"anterior": true}', encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017  (nbclient's DeadKernelError)
        grade(path, output, cell_timeout=30)
    assert json.loads((output / "grade.json").read_text(encoding="utf-8")) == {"anterior": True}


def test_a_hung_cell_is_interrupted_and_reported_in_spanish_with_its_cell_and_line(tmp_path):
    path = tmp_path / "colgada.ipynb"
    cells = [nbformat.v4.new_markdown_cell("## Ejercicio 2 · Generación"),
             nbformat.v4.new_code_cell("import queue\nx = 1\nqueue.Queue().get()"),
             nbformat.v4.new_code_cell("despues = 'sigue'")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    with pytest.raises(RuntimeError, match="no llegaron a ejecutarse"):  # not a workshop sheet: no checks
        grade(path, tmp_path / "informe", cell_timeout=3, browser=False)
    executed = nbformat.read(tmp_path / "informe" / path.name, as_version=4)
    after = next(c for c in executed.cells if c.source == "despues = 'sigue'")
    assert after.outputs == [] and after.execution_count  # the cell after the hung one ran
    assert cell_errors(executed, 3) == {2: "se colgó: la celda no terminó en 3 s y el corrector la interrumpió; "
                                            "estaba en la celda 2, línea 3"}


def test_the_profile_graded_is_the_notebooks():
    cell = nbformat.v4.new_code_cell('PROFILE = "gpu"  # perfil\nSEED = 0', metadata={"tags": ["parameters"]})
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert notebook_profile(notebook) == "gpu"
    cell.metadata["tags"] = []
    assert notebook_profile(notebook) == "local"


def _notebook_with_error(section: str, ename="ValueError"):
    heading = nbformat.v4.new_markdown_cell(section)
    code = nbformat.v4.new_code_cell("x = 1\nraise ValueError('mal')", execution_count=4)
    code.outputs = [nbformat.v4.new_output("error", ename=ename, evalue="mal", traceback=[
        "\x1b[31mValueError\x1b[0m  Traceback", "Cell \x1b[32mIn[4]\x1b[0m, line 2\n      1 x = 1\n----> 2 raise"])]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Taller"), heading, code])


def test_cell_errors_name_the_exercise_the_students_cell_and_line():
    errors = cell_errors(_notebook_with_error("## Ejercicio 3 · Contexto"))
    assert errors == {3: "ValueError: mal (celda 3, línea 2)"}
    assert cell_errors(_notebook_with_error("## Preguntas teóricas")) == {}  # outside any exercise
    assert locate(["no frame here"], {}) == {}


def test_theory_answers_empty_thin_and_complete():
    assert grade_answer(2, "")["status"] == "no superado"
    assert grade_answer(2, "*Escribe aquí tu respuesta.*")["status"] == "no superado"
    assert grade_answer(2, "Cambia cosas.")["status"] == "revisar a mano"
    on_topic = ("La temperatura divide los logits antes del softmax: si es baja la distribución se afila y la "
                "salida es casi determinista; si es alta se aplana y hay más variedad y más errores.")
    assert grade_answer(2, on_topic)["status"] == "superado"
    off_topic = " ".join(["La temperatura del modelo es un parámetro que se ajusta con cuidado"] * 3)
    assert grade_answer(2, off_topic)["status"] == "revisar a mano"


@pytest.mark.parametrize("capabilities, expected", [
    (None, ("float32", "sdpa")),
    ({"capability": (7, 5), "flash_attn": True}, ("float16", "sdpa")),  # T4: no bf16, no FlashAttention-2
    ({"capability": (8, 0), "flash_attn": False}, ("bfloat16", "sdpa")),
    ({"capability": (8, 6), "flash_attn": True}, ("bfloat16", "flash_attention_2")),
    ({"capability": (9, 0), "flash_attn": True}, ("bfloat16", "flash_attention_2")),
])
def test_precision_and_attention_follow_the_gpu(capabilities, expected):
    assert precision_and_attention(capabilities, probe=False) == expected


def test_a_simulated_t4_gets_float16_and_sdpa():
    from helpers.workshop.fakes import simulated_gpu

    with simulated_gpu((7, 5)):
        assert precision_and_attention() == ("float16", "sdpa")
    with simulated_gpu((8, 0)):
        assert precision_and_attention()[0] == "bfloat16"
