"""The grader's checks, run inside the student's kernel: behaviour, not implementation."""

import linecache
import os
import time
import traceback
from pathlib import Path

from helpers.io import atomic_write_json
from helpers.workshop.check_tools import CheckFailed, Context
from helpers.workshop.checks_context import CHECKS_3
from helpers.workshop.checks_deploy import CHECKS_5
from helpers.workshop.checks_optim import CHECKS_4
from helpers.workshop.checks_setup import CHECKS_1, CHECKS_2
from helpers.workshop.fakes import hidden_gpu
from helpers.workshop.limits import TimeLimitExceeded, time_limit

# Seconds each exercise's checks may take before they count as hung: 10x or more what the solutions
# take on 2 cores (1.5, 0.3, 0.9, 6.5 and 10 s; exercise 5 starts Chromium), so a slower CPU passes
# and a hang fails in a minute or two, not never.
TIME_LIMITS_S = {1: 60, 2: 60, 3: 60, 4: 90, 5: 180}


def _student_frame(error: BaseException):
    """The deepest traceback frame in the student's code (not the library's, not the grader's)."""
    frames = traceback.extract_tb(error.__traceback__)
    skip = ("site-packages", "/helpers/", os.sep + "lib" + os.sep + "python")
    own = [f for f in frames if not any(part in f.filename for part in skip)]
    return (own or frames)[-1] if frames else None


def where(error: BaseException, ns: dict) -> dict:
    """{'function', 'line', 'code', 'execution_count'} of the student's line that raised."""
    frame = _student_frame(error)
    if frame is None:
        return {}
    place = {"function": frame.name, "line": frame.lineno, "code": (frame.line or "").strip()}
    source = "".join(linecache.getlines(frame.filename))
    inputs = ns.get("In") or []
    for count in range(len(inputs) - 1, 0, -1):  # IPython keeps each cell's text under its execution count
        if source and inputs[count].strip() == source.strip():
            place["execution_count"] = count
            break
    return place


def describe(error: BaseException, place: dict) -> str:
    """The error in Spanish, with the student's function, line and code."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, NotImplementedError):
        text = f"sin completar: NotImplementedError({error})"
    elif isinstance(error, TimeLimitExceeded):
        text = (f"se colgó: las comprobaciones no terminaron en {error.seconds:g} s (¿un bucle que espera a un "
                "hilo que falló, o un streamer sin timeout?)")
    if place:
        text += f" — en `{place['function']}`, línea {place['line']}: `{place['code']}`"  # the grader adds the cell
    return text


def _free_notebook_models(ns: dict) -> None:
    """Drop the models the notebook left loaded, so the checks run in the memory they free."""
    import ctypes
    import gc

    import torch

    def holds_model(value):
        return isinstance(value, torch.nn.Module) or any(
            isinstance(v, torch.nn.Module) for v in getattr(value, "__dict__", {}).values())

    for name in [n for n, value in list(ns.items()) if not n.startswith("_") and holds_model(value)]:
        del ns[name]
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # give freed weights back to the system
    except OSError:
        pass


def checks(browser: bool = True) -> dict:
    """{exercise: [Check, ...]}, without the real-browser check unless browser."""
    every = {1: CHECKS_1, 2: CHECKS_2, 3: CHECKS_3, 4: CHECKS_4, 5: CHECKS_5}
    return {number: [c for c in listed if browser or not c.browser] for number, listed in every.items()}


def _failure(check, error: BaseException, ns: dict) -> dict:
    place = where(error, ns)
    result = {"passed": False, "points": 0, "message": describe(error, place), "where": place}
    if isinstance(error, NotImplementedError):
        result["not_done"] = str(error)
    return result


def _run_check(check, ns: dict, context) -> dict:
    start = time.perf_counter()
    try:
        outcome = {"passed": True, "points": check.points, "message": check.run(ns, context) or ""}
    except CheckFailed as error:
        outcome = {"passed": False, "points": 0, "message": str(error)}
    except Exception as error:  # noqa: BLE001  (the student's code: say where)
        outcome = _failure(check, error, ns)
    return {**outcome, "seconds": round(time.perf_counter() - start, 1)}


def run_exercise(number: int, listed: list, ns: dict, context, limit: float) -> dict:
    """Run one exercise's checks, all of them under its time limit: each check passes or fails on its own,
    and after a hang the ones left are not run. The exercise passes when every check does."""
    start, outcomes = time.perf_counter(), []
    try:
        # GPU behaviour is checked on a simulated GPU; the rest on the CPU, everywhere
        with time_limit(limit), hidden_gpu():
            for check in listed:
                outcomes.append(_run_check(check, ns, context))
    except TimeLimitExceeded as error:
        if len(outcomes) < len(listed):
            outcomes.append(_failure(listed[len(outcomes)], error, ns))
        outcomes += [{"passed": False, "points": 0, "message": "sin ejecutar: el ejercicio agotó su tiempo"}
                     for _ in listed[len(outcomes):]]
    results = [{"name": c.name, "expected": c.expected, "max_points": c.points, **o}
               for c, o in zip(listed, outcomes, strict=True)]
    failed = [r for r in results if not r["passed"]]
    exercise = {"exercise": number, "passed": not failed,
                "message": failed[0]["message"] if failed else "; ".join(r["message"] for r in results if r["message"]),
                "points": sum(r["points"] for r in results), "max_points": sum(c.points for c in listed),
                "checks": results}
    if failed and "where" in failed[0]:
        exercise["where"] = failed[0]["where"]
    return {**exercise, "seconds": round(time.perf_counter() - start, 1)}


def run_checks(ns: dict, report_path: str | None = None, browser: bool = True, exercises=(1, 2, 3, 4, 5),
               free_models: bool = True, time_limits: dict | None = None) -> list[dict]:
    """Run each exercise's checks against a tiny model, each exercise under its time limit; write
    (atomically) and return the results. A hung exercise fails with the place it hung; the others are
    still graded."""
    limits = {**TIME_LIMITS_S, **(time_limits or {})}
    from helpers.registry import resolve
    from helpers.workshop.tiny import tiny_model_folder

    if free_models:
        _free_notebook_models(ns)
    reference = resolve(ns["MODELO_CHAT"])
    source = str(reference.path) if reference.source in ("local", "path") else reference.location
    folder = tiny_model_folder(source)
    output = ns.get("ctx").output_dir if ns.get("ctx") is not None else None
    context = Context(folder, browser, Path(output) / "chat_web.png" if output else None)
    saved = {k: ns.get(k) for k in ("MODELO_CHAT", "MODELO_BASE", "MAX_NEW_TOKENS", "modelo", "tokenizador")}
    ns.update(MODELO_CHAT=str(folder), MODELO_BASE=str(folder), MAX_NEW_TOKENS=12)
    try:
        results = [run_exercise(number, listed, ns, context, limits[number])
                   for number, listed in checks(browser).items() if number in exercises]
    finally:
        ns.update(saved)
    if report_path:
        atomic_write_json(report_path, results)
    return results
