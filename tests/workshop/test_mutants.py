"""Every wrong solution fails its own exercise and only it; the solutions pass; the blank sheet fails all."""

import copy
import functools
import os

import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR
from helpers.workshop.checks import checks, run_checks
from helpers.workshop.sheet import SOLUTIONS, solution_namespace, student_text
from tests.workshop.mutants import MUTANTS, mutate

SOURCE = (NOTEBOOKS_DIR / f"{SOLUTIONS}.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def cached_tokenizers():
    """Parsing the 7 MB tokenizer.json dominates the checks: load each folder's tokenizer once."""
    from transformers import AutoTokenizer

    original = AutoTokenizer.from_pretrained.__func__
    cached = functools.lru_cache(maxsize=8)(lambda cls, *args: original(cls, *args))

    def load(cls, *args, **kwargs):
        if kwargs:
            return original(cls, *args, **kwargs)
        return copy.deepcopy(cached(cls, *[str(a) for a in args]))

    AutoTokenizer.from_pretrained = classmethod(load)
    yield
    AutoTokenizer.from_pretrained = classmethod(original)


def _grade(source: str, tmp_path, exercises=(1, 2, 3, 4, 5)) -> dict[int, dict]:
    ns = solution_namespace(source=source, OUTPUT_DIR=str(tmp_path))
    return {r["exercise"]: r for r in run_checks(ns, browser=False, free_models=False, exercises=exercises)}


def test_at_least_twenty_mutants_each_with_a_unique_edit():
    assert len(MUTANTS) >= 20 and len({m.name for m in MUTANTS}) == len(MUTANTS)
    assert {m.exercise for m in MUTANTS} == {1, 2, 3, 4, 5}
    for mutant in MUTANTS:
        mutate(SOURCE, mutant)


def test_the_solutions_pass_every_check_and_get_every_point(tmp_path):
    results = _grade(SOURCE, tmp_path)
    assert all(r["passed"] for r in results.values()), results
    for number, listed in checks(browser=False).items():
        result = results[number]
        assert [c["name"] for c in result["checks"] if c["passed"]] == [c.name for c in listed]
        assert result["points"] == result["max_points"] == sum(c.points for c in listed) > len(listed) // 2
    assert sum(r["points"] for r in results.values()) == 35  # 36 with the real-browser check


def test_the_blank_sheet_fails_every_check_with_its_todo(tmp_path):
    results = _grade(student_text(SOURCE), tmp_path)
    for number, result in results.items():
        assert not result["passed"] and f"TODO {number}" in result["message"], result
        assert result["points"] == 0 and not any(c["passed"] for c in result["checks"])
    assert "TODO 1" in results[1]["message"] and "en `configurar_cache`" in results[1]["message"]


# Every mutant is graded on its own exercise in `make test` (the check must reject it). That it fails
# ONLY its exercise needs all five checks per mutant (~21 min on 2 cores): `make test-mutants`.
FULL_MATRIX = os.environ.get("LLM_STUDIES_FULL_MUTANTS") == "1"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_a_wrong_solution_fails_its_exercise_only(mutant, tmp_path):
    exercises = (1, 2, 3, 4, 5) if FULL_MATRIX else (mutant.exercise,)
    results = _grade(mutate(SOURCE, mutant), tmp_path, exercises)
    failed = {number for number, r in results.items() if not r["passed"]}
    assert failed == {mutant.exercise}, {n: r["message"] for n, r in results.items() if not r["passed"]}
    assert results[mutant.exercise]["message"]
    own = results[mutant.exercise]
    failed_checks = [c for c in own["checks"] if not c["passed"]]
    assert {c["name"] for c in failed_checks} == set(mutant.checks), [(c["name"], c["message"]) for c in failed_checks]
    assert own["points"] == own["max_points"] - sum(c["max_points"] for c in failed_checks) < own["max_points"]


def test_every_check_has_a_wrong_solution_it_must_reject():
    rejected = {(m.exercise, name) for m in MUTANTS for name in m.checks}
    every = {(number, c.name) for number, listed in checks(browser=True).items() for c in listed}
    assert rejected <= every  # no mutant names a check that does not exist
    # The real-browser check has its own wrong solution below (Chromium costs seconds).
    assert every - rejected == {(5, "navegador")}


@pytest.mark.slow
def test_the_real_browser_check_rejects_a_web_reply_that_shows_the_template(tmp_path):
    from helpers.registry import resolve
    from helpers.workshop.check_tools import Context
    from helpers.workshop.checks import run_exercise
    from helpers.workshop.tiny import tiny_model_folder

    mutant = next(m for m in MUTANTS if m.name == "web reply is the template")
    ns = solution_namespace(exercises=(1, 2, 3, 5), source=mutate(SOURCE, mutant), OUTPUT_DIR=str(tmp_path))
    context = Context(tiny_model_folder(str(resolve(ns["MODELO_CHAT"]).path)), True, tmp_path / "chat.png")
    browser = [c for c in checks(browser=True)[5] if c.browser]
    result = run_exercise(5, browser, ns, context, 120)
    assert not result["passed"] and result["points"] == 0, result
    assert result["checks"][0]["message"].startswith("en el navegador, la respuesta debe ser la del modelo")
