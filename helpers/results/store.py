"""results/<profile>/<notebook>.json: a run's metrics.json with what it ran on, when, and for how long."""

import json
from pathlib import Path

from helpers.io import atomic_write_json
from helpers.paths import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "results"
# local: the default run of the local profile; test: the small-parameter runs of make test; gpu: the first
# gpu-profile run (make gpu-check or a Colab run) becomes the reference for later ones.
PROFILES = ("local", "test", "gpu")


class NotRecordable(ValueError):
    """A run that must not become a reference (not the default parameters, a private chat, unfinished)."""


def result_path(notebook: str, profile: str, results_dir: Path = RESULTS_DIR) -> Path:
    """Where a notebook's reference result for that profile lives."""
    if profile not in PROFILES:
        raise ValueError(f"unknown results profile {profile!r}; expected one of {', '.join(PROFILES)}")
    return Path(results_dir) / profile / f"{notebook}.json"


def settings(executed: dict) -> dict:
    """Every parameter the run used: the parameters cell's literals, then papermill's injected values."""
    import ast

    values: dict = {}
    for cell in executed.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or not {"parameters", "injected-parameters"} & set(tags):
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    values[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    values.pop("OUTPUT_DIR", None)
    return values


def run_record(notebook: str, output_dir: Path) -> dict:
    """The record of an executed run in output_dir: metrics, injected parameters, machine, date, runtime."""
    output_dir = Path(output_dir)
    metrics_file, executed = output_dir / "metrics.json", output_dir / f"{notebook}.ipynb"
    for needed in (metrics_file, executed):
        if not needed.exists():
            raise NotRecordable(f"{needed}: not found; run `make run NB={notebook}` first")
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    notebook_json = json.loads(executed.read_text(encoding="utf-8"))
    papermill = notebook_json.get("metadata", {}).get("papermill", {})
    if papermill.get("exception"):
        raise NotRecordable(f"{executed}: the run stopped with an error; only a finished run is recorded")
    if metrics.get("private_chat"):
        raise NotRecordable(f"{metrics_file}: a private chat's run is never recorded (only the demo chat's)")
    parameters = {k: v for k, v in papermill.get("parameters", {}).items() if k != "OUTPUT_DIR"}
    return {"notebook": notebook, "profile": metrics.get("profile"), "parameters": parameters,
            "settings": settings(notebook_json),
            "finished": papermill.get("end_time"), "runtime_seconds": papermill.get("duration"),
            "machine": {"cpu": metrics.get("cpu"), "precision": metrics.get("precision")},
            "metrics": metrics}


def record(notebook: str, output_dir: Path, profile: str, expected_parameters: dict | None = None,
           results_dir: Path = RESULTS_DIR) -> Path:
    """Keep the run in output_dir as the notebook's reference for profile; refuse a run of other parameters."""
    entry = run_record(notebook, output_dir)
    wanted = {k: v for k, v in (expected_parameters or {}).items() if k != "OUTPUT_DIR"}
    given = {k: v for k, v in entry["parameters"].items() if k != "PROFILE" or v != "local"}
    wanted = {k: v for k, v in wanted.items() if k != "PROFILE" or v != "local"}
    if given != wanted:
        differing = sorted(k for k in set(given) | set(wanted) if given.get(k) != wanted.get(k))
        raise NotRecordable(f"{output_dir}: run with other parameters than the {profile} reference "
                            f"({', '.join(differing)}); the {profile} reference needs "
                            + ("the notebook's defaults" if not wanted else "tests/notebook_cases.py's parameters"))
    path = result_path(notebook, profile, results_dir)
    atomic_write_json(path, entry)
    return path


def load(notebook: str, profile: str, results_dir: Path = RESULTS_DIR) -> dict | None:
    """The recorded reference, or None when there is none yet."""
    path = result_path(notebook, profile, results_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def recorded(profile: str, results_dir: Path = RESULTS_DIR) -> dict[str, dict]:
    """Every notebook's recorded reference for profile, by notebook name."""
    folder = Path(results_dir) / profile
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
