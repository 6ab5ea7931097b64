"""Grade a class: each notebook of a folder in its own process and kernel, under a time limit, into one CSV."""

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT

EXERCISES = range(1, 6)


class GraderInputError(ValueError):
    """A mistake in what the grader was asked to grade (path, folder, output folder)."""


# Seconds one student's notebook may take, kernel start to report: a finished sheet takes about 5 min
# on 2 cores (the grader's own cell timeouts stop most hangs sooner); past this the row says "colgado".
NOTEBOOK_LIMIT_S = 1200
COLUMNS = ["estudiante", "estado", *[f"ejercicio_{n}" for n in EXERCISES], "total", "maximo", "detalle"]


def notebooks_in(folder: str | Path) -> list[Path]:
    """The .ipynb files directly in folder, by name; a missing folder or none inside is the user's mistake."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GraderInputError(f"no existe la carpeta {folder}")
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not found:
        raise GraderInputError(f"la carpeta {folder} no tiene cuadernos .ipynb")
    return found


def _stop(process: subprocess.Popen) -> None:
    """Kill the grader and everything it started (its kernel runs in a session of its own)."""
    import psutil

    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.kill()
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait()
    psutil.wait_procs(family, timeout=10)


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else "el corrector terminó sin decir nada"


def grade_one(path: Path, output: Path, limit: float, browser: bool, profile: str | None = None) -> dict:
    """One CSV row: the notebook graded by `python -m helpers.workshop.grader` in a process of its own."""
    folder = output / path.stem
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "grade.json").unlink(missing_ok=True)  # a stale report must not pass for this run's
    log = folder / "corrector.log"
    command = [sys.executable, "-m", "helpers.workshop.grader", str(path), "--output", str(folder)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    row = {"estudiante": path.stem, "estado": "error", **{f"ejercicio_{n}": 0 for n in EXERCISES},
           "total": 0, "maximo": "", "detalle": ""}
    with log.open("w", encoding="utf-8") as handle:
        command += ([] if browser else ["--sin-navegador"]) + (["--profile", profile] if profile else [])
        process = subprocess.Popen(command, stdout=handle,
                                   stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
        try:
            process.wait(limit)
        except subprocess.TimeoutExpired:
            _stop(process)
            return {**row, "estado": "colgado", "detalle": f"no terminó en {limit:g} s y se detuvo; registro: {log}"}
    report = folder / "grade.json"
    if process.returncode not in (0, 1) or not report.exists():
        return {**row, "detalle": f"{_last_line(log)} (registro: {log})"}
    graded = json.loads(report.read_text(encoding="utf-8"))
    points = {f"ejercicio_{r['exercise']}": r["points"] for r in graded["exercises"]}
    passed = sum(r["passed"] for r in graded["exercises"])
    return {**row, **points, "estado": "corregido", "total": graded["points"], "maximo": graded["max_points"],
            "detalle": f"{passed}/{len(graded['exercises'])} ejercicios superados; informe: {report}"}


def grade_class(folder: str | Path, output: str | Path, limit: float = NOTEBOOK_LIMIT_S, browser: bool = True,
                profile: str | None = None, echo=print, jobs: int = 1) -> Path:
    """Grade every notebook in folder, jobs at a time (each its own process); write (atomically) and
    return output/notas.csv, one row per notebook in name order."""
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

    from helpers.io import atomic_write_csv

    notebooks, output = notebooks_in(folder), Path(output).resolve()
    echo(f"{len(notebooks)} cuadernos, {jobs} a la vez, como mucho {limit:g} s cada uno")

    def one(path: Path) -> dict:
        row = grade_one(path.resolve(), output, limit, browser, profile)
        echo(f"{path.name}: {row['estado']}, {row['total']} puntos — {row['detalle']}")
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # threads: each waits on its own process
        rows = list(pool.map(one, notebooks))
    return atomic_write_csv(output / "notas.csv", pd.DataFrame(rows, columns=COLUMNS), index=False)
