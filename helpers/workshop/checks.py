"""The grader's checks, run inside the student's kernel: behaviour, not implementation."""

import linecache
import os
import time
import traceback
from pathlib import Path

from helpers.io import atomic_write_json
from helpers.workshop.check_tools import CheckFailed, Context
from helpers.workshop.checks_context import check_3
from helpers.workshop.checks_deploy import check_5
from helpers.workshop.checks_optim import check_4
from helpers.workshop.checks_setup import check_1, check_2
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


def checks() -> dict:
    """{exercise: check function}."""
    return {1: check_1, 2: check_2, 3: check_3, 4: check_4, 5: check_5}


def run_checks(ns: dict, report_path: str | None = None, browser: bool = True, exercises=(1, 2, 3, 4, 5),
               free_models: bool = True, time_limits: dict | None = None) -> list[dict]:
    """Run each exercise's check against a tiny model, each under its time limit; write (atomically) and
    return the results. A hung exercise fails with the place it hung; the others are still graded."""
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
    results = []
    try:
        for number, check in checks().items():
            if number not in exercises:
                continue
            start = time.perf_counter()
            try:
                # GPU behaviour is checked on a simulated GPU; the rest on the CPU, everywhere
                with time_limit(limits[number]), hidden_gpu():
                    message = check(ns, context)
                result = {"exercise": number, "passed": True, "message": message}
            except CheckFailed as error:
                result = {"exercise": number, "passed": False, "message": str(error)}
            except (Exception, TimeLimitExceeded) as error:  # noqa: BLE001  (the student's code: say where)
                place = where(error, ns)
                result = {"exercise": number, "passed": False, "message": describe(error, place), "where": place}
            results.append({**result, "seconds": round(time.perf_counter() - start, 1)})
    finally:
        ns.update(saved)
    if report_path:
        atomic_write_json(report_path, results)
    return results
