"""make results: keep each new default local run of outputs/ in results/local/, then write the README's and
the book's result text from results/ (python -m helpers.results [--no-record] [--check])."""

import argparse
import sys

from helpers.io import atomic_write_text
from helpers.paths import REPO_ROOT
from helpers.results.render import generated, stale
from helpers.results.store import NotRecordable, load, record, run_record


def record_new_runs(outputs=REPO_ROOT / "outputs") -> None:
    """Record each finished default-parameter local run that differs from the one kept."""
    from helpers.notebook_runner import notebook_names

    for name in notebook_names():
        if not (outputs / name / "metrics.json").exists():
            continue
        try:
            entry = run_record(name, outputs / name)
            kept = load(name, "local")
            if entry["profile"] != "local" or (kept and kept["finished"] == entry["finished"]):
                continue
            print(f"{name}: guardada en {record(name, outputs / name, 'local').relative_to(REPO_ROOT)}")
        except NotRecordable as error:
            print(f"{name}: no se guarda ({error})")


def record_bench(outputs=REPO_ROOT / "outputs") -> None:
    """Keep make bench's latest results (and make bench-precision's) as results/local/bench.json."""
    import json

    from helpers.io import atomic_write_json
    from helpers.results.store import result_path

    found = {name: outputs / "bench" / f"{name}.json" for name in ("results", "precision_agreement")}
    metrics = {name: json.loads(path.read_text(encoding="utf-8")) for name, path in found.items() if path.exists()}
    if "results" not in metrics:
        return
    measured = sorted(r.get("measured_at", "") for r in metrics["results"]["results"].values())
    entry = {"notebook": "bench", "profile": "local", "parameters": {}, "settings": {}, "finished": measured[-1],
             "runtime_seconds": sum(r.get("wall_seconds", 0) for r in metrics["results"]["results"].values()),
             "machine": {"cpu": next(iter(metrics["results"]["results"].values())).get("cpu"), "precision": None},
             "metrics": metrics}
    kept = load("bench", "local")
    if kept is None or kept["metrics"] != metrics:
        atomic_write_json(result_path("bench", "local"), entry)
        print("bench: guardada en results/local/bench.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make results", description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="only regenerate the text from results/")
    parser.add_argument("--check", action="store_true", help="fail if a generated file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path.relative_to(REPO_ROOT)}: desactualizado; ejecuta `make results`", file=sys.stderr)
        return 1 if out_of_date else 0
    if not args.no_record:
        record_new_runs()
        record_bench()
    for path, text in generated().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
            print(f"escrito {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
