"""Grade a workshop notebook: run it headless, then check each exercise. make grade NB=path.ipynb"""

import argparse
import json
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT

# Small values so grading takes minutes on a laptop CPU.
GRADER_PARAMETERS = {"PROFILE": "local", "MAX_NEW_TOKENS": 12, "VARIANTES_DEMO": ["base", "4bit"], "LANZAR_WEB": False}
EXERCISES = range(1, 6)


def cell_errors(notebook) -> dict[int, str]:
    """The first error raised in each exercise's cells (definition and demo cells), by exercise."""
    errors, current = {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Ejercicio "):
            current = int(cell.source.split()[2])
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error" and current and current not in errors:
                errors[current] = f"{output['ename']}: {output['evalue']}"
    return errors


def grade(path: str | Path, output_dir: str | Path, parameters: dict | None = None, timeout: int = 1200) -> list[dict]:
    """Execute the notebook (errors do not stop it) and the checks; return one result per exercise."""
    import nbformat
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    from helpers.notebook_runner import kernel_name

    path, output_dir = Path(path).resolve(), Path(output_dir).resolve()
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    output_dir.mkdir(parents=True, exist_ok=True)
    report = output_dir / "grade.json"
    report.unlink(missing_ok=True)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.setdefault("tags", [])  # papermill reads every cell's tags and its own metadata
    notebook.metadata.setdefault("papermill", {})
    notebook = parameterize_notebook(notebook, {**GRADER_PARAMETERS, **(parameters or {}), "OUTPUT_DIR": str(output_dir)})
    notebook.cells.append(nbformat.v4.new_code_cell(
        f"from helpers.workshop.checks import run_checks\n_ = run_checks(globals(), {str(report)!r})"))
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name(), allow_errors=True,
                            resources={"metadata": {"path": str(REPO_ROOT / "notebooks")}})
    client.execute()
    nbformat.write(notebook, output_dir / path.name)
    if not report.exists():
        raise RuntimeError(f"the checks did not run; see the executed copy {output_dir / path.name}")
    results = json.loads(report.read_text(encoding="utf-8"))
    errors = cell_errors(notebook)
    for result in results:
        result["cell_error"] = errors.get(result["exercise"])
    return results


def main(argv: list[str] | None = None) -> int:
    """Print a pass/fail line per exercise; exit 0 only when every exercise passes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="the workshop notebook to grade (.ipynb)")
    parser.add_argument("--output", default=str(REPO_ROOT / "outputs" / "grade"), help="folder for the report")
    args = parser.parse_args(argv)
    results = grade(args.notebook, args.output)
    for result in results:
        mark = "✔ superado" if result["passed"] else "✘ no superado"
        print(f"Ejercicio {result['exercise']}: {mark} — {result['message']}")
        if result["cell_error"] and not result["passed"]:
            print(f"    error en las celdas del ejercicio: {result['cell_error']}")
    passed = sum(r["passed"] for r in results)
    print(f"\n{passed}/{len(results)} ejercicios superados. Informe: {Path(args.output) / 'grade.json'}")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
