"""A student's hang fails only that exercise, within its limit, saying where it hung."""

import queue
import signal
import time

import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR
from helpers.workshop.checks import run_checks
from helpers.workshop.limits import TimeLimitExceeded, time_limit
from helpers.workshop.sheet import SOLUTIONS, solution_namespace

SOURCE = (NOTEBOOKS_DIR / f"{SOLUTIONS}.py").read_text(encoding="utf-8")
# The sheet's old hint, followed literally: generate in a plain Thread, a streamer without a timeout.
# generate raises in the thread (an argument it does not take), the loop waits for a token forever.
HANGING_START = '''    generador = GenerationThread(modelo, text_streamer(tokenizador), **entrada, max_new_tokens=MAX_NEW_TOKENS,
                                 do_sample=False, pad_token_id=tokenizador.pad_token_id)
    inicio = time.perf_counter()
    generador.start()
    primer_token = None
    try:
        for _ in generador.pieces():  # if generate fails, its error arrives here instead of a hang
            primer_token = primer_token or time.perf_counter() - inicio
        salida = generador.result()'''
HANGING = '''    from transformers import TextIteratorStreamer

    streamer = TextIteratorStreamer(tokenizador, skip_prompt=True)
    generador = Thread(target=modelo.generate, daemon=True, kwargs={
        **entrada, "max_new_tokens": MAX_NEW_TOKENS, "streamer": streamer, "argumento_inexistente": 1})
    inicio = time.perf_counter()
    generador.start()
    primer_token = None
    try:
        for _ in streamer:
            primer_token = primer_token or time.perf_counter() - inicio
        salida = None'''


def hanging_source() -> str:
    assert SOURCE.count(HANGING_START) == 1
    return SOURCE.replace(HANGING_START, HANGING)


@pytest.mark.parametrize("wait", [lambda: queue.Queue().get(), lambda: time.sleep(30), lambda: [0 for _ in iter(int, 1)]],
                         ids=["queue", "sleep", "busy loop"])
def test_a_time_limit_stops_a_wait_a_sleep_and_a_loop(wait):
    previous = signal.getsignal(signal.SIGUSR1)
    start = time.perf_counter()
    with pytest.raises(TimeLimitExceeded, match="no terminó en 0.5 s"):
        with time_limit(0.5):
            wait()
    assert time.perf_counter() - start < 3
    assert signal.getsignal(signal.SIGUSR1) == previous


def test_a_time_limit_lets_quick_code_finish_and_except_exception_cannot_swallow_it():
    with time_limit(5):
        time.sleep(0.05)
    with pytest.raises(TimeLimitExceeded):
        with time_limit(0.3):
            try:
                time.sleep(10)
            except Exception:  # noqa: BLE001  (a student's broad except)
                pass


def test_the_checks_of_a_hung_exercise_fail_it_with_its_line_and_the_others_are_graded(tmp_path):
    ns = solution_namespace(exercises=(1, 2, 3, 4), source=hanging_source(), OUTPUT_DIR=str(tmp_path))
    start = time.perf_counter()
    results = {r["exercise"]: r for r in run_checks(ns, browser=False, free_models=False, exercises=(3, 4),
                                                    time_limits={4: 5})}
    assert time.perf_counter() - start < 60
    assert results[3]["passed"]
    hung = results[4]
    assert not hung["passed"] and hung["message"].startswith("se colgó: las comprobaciones no terminaron en 5 s")
    assert "en `evaluar_rendimiento`" in hung["message"] and "`for _ in streamer:`" in hung["message"]
    assert 5 <= hung["seconds"] < 15


def _hanging_sheet(path):
    """The hanging solutions without the demo cells that load the real model, but exercise 4's: the
    grader still runs every exercise's checks, in a minute instead of three."""
    import jupytext

    notebook = jupytext.reads(hanging_source(), fmt="py:percent")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    setup = code[[i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])][0] + 1]

    def kept(cell):
        return (cell.cell_type == "markdown" or cell is setup or cell.metadata.get("tags")
                or "demo_optimizaciones(VARIANTES_DEMO)" in cell.source)

    notebook.cells = [c for c in notebook.cells if kept(c)]
    jupytext.write(notebook, path)
    return path


@pytest.mark.slow
@pytest.mark.timeout(300)  # about 60 s on 2 cores, 30 of them the planted hang
def test_make_grade_on_a_sheet_whose_exercise_4_hangs_grades_the_other_four(tmp_path):
    from helpers.workshop.grader import grade

    start = time.perf_counter()
    report = grade(_hanging_sheet(tmp_path / "hoja_colgada.ipynb"), tmp_path / "informe", cell_timeout=20,
                   browser=False, time_limits={4: 10})
    assert time.perf_counter() - start < 150
    results = {r["exercise"]: r for r in report["exercises"]}
    assert [n for n, r in results.items() if r["passed"]] == [1, 2, 3, 5], results
    assert results[4]["cell_error"].startswith("se colgó: la celda no terminó en 20 s y el corrector la interrumpió")
    assert "en la celda " in results[4]["cell_error"] and ", línea " in results[4]["cell_error"]
    assert "no terminaron en 10 s" in results[4]["message"] and "celda " in results[4]["message"]
    assert "en `evaluar_rendimiento`" in results[4]["message"]
