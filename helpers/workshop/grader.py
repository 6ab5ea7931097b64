"""Grade a workshop notebook, or a folder of them: make grade NB=path.ipynb, make grade DIR=folder/"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT
from helpers.workshop.classroom import NOTEBOOK_LIMIT_S, GraderInputError, grade_class

# Small values so grading takes minutes on a laptop CPU; PROFILE is the notebook's own.
GRADER_PARAMETERS = {"MAX_NEW_TOKENS": 12, "VARIANTES_DEMO": ["base", "4bit"], "LANZAR_WEB": False, "PASOS_PERSONA": 2}
EXERCISES = range(1, 6)


def notebook_profile(notebook) -> str:
    """The PROFILE the notebook's parameters cell sets ('local' when it sets none)."""
    for cell in notebook.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            found = re.search(r"^PROFILE\s*=\s*['\"](\w+)['\"]", cell.source, flags=re.MULTILINE)
            if found:
                return found.group(1)
    return "local"


def _validate(path: Path, output_dir: Path) -> None:
    if not path.is_file():
        raise GraderInputError(f"no existe el cuaderno {path}")
    if path.suffix != ".ipynb":
        raise GraderInputError(f"{path} no es un cuaderno .ipynb")
    if output_dir == path.parent:
        raise GraderInputError(f"--output {output_dir} es la carpeta del cuaderno: la copia ejecutada lo "
                               "sobrescribiría; elige otra carpeta")


# Seconds a cell of the student's notebook may run under GRADER_PARAMETERS before the grader interrupts
# it and goes on: the slowest local cell (the optimisation demo) takes 18 s on 2 cores; the gpu profile
# may first download a Hub model.
CELL_TIMEOUT_S = {"local": 120, "gpu": 900}


def _cell_timeouts(cell_timeout: int, time_limits: dict | None):
    """nbclient's per-cell timeout: the checks' cell gets the sum of the exercises' limits."""
    from helpers.workshop.checks import TIME_LIMITS_S

    checks_timeout = sum({**TIME_LIMITS_S, **(time_limits or {})}.values()) + cell_timeout

    def timeout(cell) -> int:
        return checks_timeout if "grader" in cell.get("metadata", {}).get("tags", []) else cell_timeout

    return timeout


def grade(path: str | Path, output_dir: str | Path, parameters: dict | None = None,
          cell_timeout: int | None = None, browser: bool = True, time_limits: dict | None = None) -> dict:
    """Execute the notebook (errors do not stop it, a hung cell is interrupted) and the checks, each
    exercise under its time limit; {'exercises', 'theory', 'profile'}."""
    import nbformat
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    from helpers.io import atomic_write_json
    from helpers.notebook_runner import kernel_name
    from helpers.workshop.cells import cell_errors, place_text, student_cell_numbers
    from helpers.workshop.sheet import is_check_cell
    from helpers.workshop.theory import grade_theory

    path, output_dir = Path(path).resolve(), Path(output_dir).resolve()
    _validate(path, output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    partial = output_dir / ".grade.partial.json"  # grade.json is replaced only once a new report exists
    partial.unlink(missing_ok=True)
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001  (JSON or nbformat's own errors: not a notebook)
        raise GraderInputError(f"{path} no es un cuaderno de Jupyter válido ({type(error).__name__})") from error
    profile = (parameters or {}).get("PROFILE") or notebook_profile(notebook)
    cell_timeout = cell_timeout or CELL_TIMEOUT_S.get(profile, max(CELL_TIMEOUT_S.values()))
    for cell in notebook.cells:
        cell.metadata.setdefault("tags", [])  # papermill reads every cell's tags and its own metadata
        if is_check_cell(cell):  # the cell stays (the student's cell numbers too); its checks run at the end
            cell.source = "# comprobar(n): el corrector hace estas comprobaciones al final"
    notebook.metadata.setdefault("papermill", {})
    notebook.metadata.setdefault("kernelspec", {"name": kernel_name(), "language": "python",  # papermill needs one
                                                "display_name": "Python (llm-studies)"})
    notebook = parameterize_notebook(notebook, {**GRADER_PARAMETERS, **(parameters or {}), "PROFILE": profile,
                                                "OUTPUT_DIR": str(output_dir)})
    notebook.cells.append(nbformat.v4.new_code_cell(
        "from helpers.workshop.checks import run_checks\n"
        f"_ = run_checks(globals(), {str(partial)!r}, browser={browser!r}, time_limits={time_limits!r})",
        metadata={"tags": ["grader"]}))
    client = NotebookClient(notebook, timeout_func=_cell_timeouts(cell_timeout, time_limits),
                            interrupt_on_timeout=True, kernel_name=kernel_name(), allow_errors=True,
                            resources={"metadata": {"path": str(REPO_ROOT / "notebooks")}})
    client.execute()
    nbformat.write(notebook, output_dir / path.name)
    if not partial.exists():
        raise RuntimeError(f"las comprobaciones no llegaron a ejecutarse; mira la copia ejecutada {output_dir / path.name}")
    results = json.loads(partial.read_text(encoding="utf-8"))
    errors, numbers = cell_errors(notebook, cell_timeout), student_cell_numbers(notebook)
    for result in results:
        for item in [result, *result["checks"]]:
            if "where" in item:
                item["message"] = item["message"].replace(" — en `", f" — {place_text(item['where'], numbers)}en `", 1)
        result["cell_error"] = errors.get(result["exercise"])
        if result["cell_error"]:  # an exercise whose own cells raised is not passed, whatever the checks say
            result["passed"] = False
    report = {"profile": profile, "exercises": results, "theory": grade_theory(notebook),
              "points": sum(r["points"] for r in results), "max_points": sum(r["max_points"] for r in results)}
    atomic_write_json(output_dir / "grade.json", report)
    partial.unlink(missing_ok=True)
    return report


def print_report(report: dict, output: str | Path) -> int:
    """A line per exercise and per check, with points, then theory; the number of exercises passed."""
    results = report["exercises"]
    for result in results:
        mark = "✔ superado" if result["passed"] else "✘ no superado"
        print(f"Ejercicio {result['exercise']}: {mark} ({result['points']}/{result['max_points']} puntos) — "
              f"{result['message']}")
        for check in result["checks"]:
            detail = "" if check["passed"] else f" — {check['message']}"
            print(f"    {'✔' if check['passed'] else '✘'} {check['points']}/{check['max_points']} "
                  f"{check['expected']}{detail}")
        if result["cell_error"]:
            print(f"    error en las celdas del ejercicio: {result['cell_error']}")
    for answer in report["theory"]:
        print(f"Pregunta teórica {answer['question']}: {answer['status']} — {answer['message']}")
    passed = sum(r["passed"] for r in results)
    print(f"\n{passed}/{len(results)} ejercicios superados, {report['points']}/{report['max_points']} puntos "
          f"(perfil {report['profile']}). Informe: {Path(output) / 'grade.json'}")
    return passed


def main(argv: list[str] | None = None) -> int:
    """Grade one notebook (exit 0 only when every exercise passes) or a folder of them (exit 0 once the
    class CSV is written)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="the workshop notebook to grade (.ipynb), or a folder of them")
    parser.add_argument("--output", default=str(REPO_ROOT / "outputs" / "grade"), help="folder for the report")
    parser.add_argument("--profile", choices=("local", "gpu"), help="override the notebook's PROFILE")
    parser.add_argument("--sin-navegador", action="store_true", help="skip the real-browser chat check")
    parser.add_argument("--limite-cuaderno", type=float, default=NOTEBOOK_LIMIT_S,
                        help="folder mode: seconds each notebook may take before its row says 'colgado'")
    parser.add_argument("--paralelo", type=int, default=1, help="folder mode: notebooks graded at the same time")
    args = parser.parse_args(argv)
    try:
        if Path(args.notebook).is_dir() or args.notebook.endswith(("/", os.sep)):
            csv = grade_class(args.notebook, args.output, args.limite_cuaderno, not args.sin_navegador, args.profile,
                              jobs=args.paralelo)
            print(f"Notas de la clase: {csv}")
            return 0
        report = grade(args.notebook, args.output, {"PROFILE": args.profile} if args.profile else None,
                       browser=not args.sin_navegador)
    except GraderInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0 if print_report(report, args.output) == len(report["exercises"]) else 1


if __name__ == "__main__":
    sys.exit(main())
