"""Every wrong solution fails its own exercise and only it; the solutions pass; the blank sheet fails all."""

import copy
import functools
import os

import pytest

from helpers.notebook_runner import NOTEBOOKS_DIR
from helpers.workshop.checks import run_checks
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


def test_the_solutions_pass_every_check(tmp_path):
    results = _grade(SOURCE, tmp_path)
    assert all(r["passed"] for r in results.values()), results


def test_the_blank_sheet_fails_every_check_with_its_todo(tmp_path):
    results = _grade(student_text(SOURCE), tmp_path)
    for number, result in results.items():
        assert not result["passed"] and f"TODO {number}" in result["message"], result
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
