"""make regress: each outputs/<notebook>/metrics.json against its recorded reference in results/<profile>/.

python -m helpers.results.regress [NB ...] [--outputs DIR]; exit status 1 on a drift beyond tolerance."""

import argparse
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT
from helpers.results.compare import compare, table
from helpers.results.store import RESULTS_DIR, NotRecordable, load, record, run_record


def regress_one(notebook: str, output_dir: Path, profile: str | None = None, results_dir: Path = RESULTS_DIR,
                expected_parameters: dict | None = None) -> tuple[str, list]:
    """(one-line verdict, rows) for one run; the first gpu run becomes the gpu reference."""
    entry = run_record(notebook, output_dir)
    profile = profile or entry["profile"]
    reference = load(notebook, profile, results_dir)
    if reference is None:
        if profile != "gpu":
            return f"{notebook}: sin referencia en results/{profile}/ (make results la guarda)", []
        record(notebook, output_dir, profile, entry["parameters"], results_dir)
        return f"{notebook}: primera ejecución gpu, guardada como referencia en results/gpu/", []
    wanted = expected_parameters if expected_parameters is not None else reference["parameters"]
    if {k: v for k, v in entry["parameters"].items() if k != "PROFILE"} != \
            {k: v for k, v in wanted.items() if k != "PROFILE"}:
        raise NotRecordable(f"{output_dir}: run with other parameters than results/{profile}/{notebook}.json; "
                            "compare like with like (make run NB=... with the defaults)")
    rows = compare(reference["metrics"], entry["metrics"], intervals_only=profile == "test")
    failed = [r.figure for r in rows if r.failed]
    checked = sum(r.verdict != "nueva" for r in rows)
    verdict = (f"{notebook}: {len(failed)} de {checked} cifras fuera de tolerancia: {', '.join(failed)}" if failed
               else f"{notebook}: {checked} cifras dentro de tolerancia")
    return verdict, rows


def check_small_run(notebook: str, output_dir: Path, parameters: dict, results_dir: Path = RESULTS_DIR) -> str:
    """make test's check of a small-parameter run against results/test/; LLM_STUDIES_RECORD_RESULTS=1 records it."""
    import os

    if os.environ.get("LLM_STUDIES_RECORD_RESULTS") == "1":
        return f"recorded {record(notebook, output_dir, 'test', parameters, results_dir)}"
    if load(notebook, "test", results_dir) is None:
        raise AssertionError(f"results/test/{notebook}.json is missing: record it with "
                             "LLM_STUDIES_RECORD_RESULTS=1 python -m pytest tests/test_notebooks.py")
    verdict, rows = regress_one(notebook, output_dir, "test", results_dir, parameters)
    if any(r.failed for r in rows):
        raise AssertionError(verdict + "\n" + table(rows, only_failed=True))
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make regress", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: every one with outputs/<nb>/metrics.json)")
    parser.add_argument("--outputs", type=Path, default=REPO_ROOT / "outputs")
    parser.add_argument("--all-rows", action="store_true", help="show every figure, not only the failed ones")
    args = parser.parse_args(argv)
    from helpers.notebook_runner import UnknownNotebook, find_notebook

    try:
        names = [find_notebook(n) for n in args.notebooks] or sorted(
            p.parent.name for p in args.outputs.glob("*/metrics.json") if (p.parent / f"{p.parent.name}.ipynb").exists())
    except UnknownNotebook as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not names:
        print(f"error: no run in {args.outputs}/ to compare; run `make run-all` or `make run NB=..` first", file=sys.stderr)
        return 2
    failures = 0
    for name in names:
        try:
            verdict, rows = regress_one(name, args.outputs / name, results_dir=RESULTS_DIR)
        except NotRecordable as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        print(verdict)
        if rows and (args.all_rows or any(r.failed for r in rows)):
            print(table(rows, only_failed=not args.all_rows) + "\n")
        failures += any(r.failed for r in rows)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
