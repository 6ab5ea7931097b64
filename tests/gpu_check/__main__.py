"""`python -m tests.gpu_check [--dry] [--out DIR] [NB ...]` (make gpu-check): every notebook's gpu profile
with the small parameters of tests/notebook_cases.py, one after another on this GPU; a failure is recorded
and the next notebook runs; time and peak GPU memory per notebook go to outputs/gpu-check/report.md and
report.json, beside the estimates of docs/guia/colab.md. The whole check stops starting notebooks after BUDGET_S.

--dry: the same machinery on a CPU, each Hub model replaced by its tiny twin on a simulated T4 (make test
runs it on one notebook plus a planted failure: tests/gpu_sim/test_gpu_check.py)."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers.notebook_runner import NotebookFailed, find_notebook, read_metrics, run_notebook
from helpers.paths import REPO_ROOT
from helpers.results.regress import regress_one
from tests.gpu_check.report import row, write
from tests.gpu_sim.test_gpu_dry_run import GPU_OVERRIDES
from tests.notebook_cases import CASES

BUDGET_S = 540  # an A100/H100 must be done within 10 minutes: no notebook starts after 9
CELL_TIMEOUT_S = 300
NOTEBOOKS = [name for name, case in CASES.items() if "parameters" in case]  # 05 is graded: make grade


class PeakMemory:
    """The GPU's peak used memory over a run, above what was used when it started (nvidia-smi, every 0.2 s):
    the notebook's kernel and any process it starts (unsloth's training) together."""

    def __init__(self):
        self.available = shutil.which("nvidia-smi") is not None
        self.peak = self.start = 0.0
        self._stop = threading.Event()

    @staticmethod
    def used_gib() -> float:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"],
                             capture_output=True, text=True, check=True).stdout
        return float(out.split()[0]) / 1024

    def _poll(self):
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.used_gib())

    def __enter__(self):
        if self.available:
            self.start = self.peak = self.used_gib()
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.available:
            self._thread.join()

    @property
    def gib(self) -> float | None:
        return self.peak - self.start if self.available else None


def parameters_for(name: str) -> dict:
    """The notebook's smallest parameters (tests/notebook_cases.py), what the gpu profile needs, PROFILE gpu."""
    return {**CASES[name]["parameters"], **GPU_OVERRIDES.get(name, {}), "PROFILE": "gpu"}


def device_facts(dry: bool) -> dict:
    """The GPU's name, memory and capability (or the simulated T4's)."""
    import torch

    if dry or not torch.cuda.is_available():
        return {"name": "sin GPU (simulación: gemelos en una T4 de 15 GB)" if dry else "sin GPU",
                "summary": "Modo de prueba: tiempos de CPU, sin memoria de GPU."}
    props = torch.cuda.get_device_properties(0)
    return {"name": props.name, "memory_gib": round(props.total_memory / 2**30, 1),
            "capability": f"{props.major}.{props.minor}",
            "summary": f"{props.name}, {props.total_memory / 2**30:.1f} GiB, capacidad {props.major}.{props.minor}"}


def run(plan: list[tuple[str, str, dict]], out: Path, dry: bool, budget_s: float = BUDGET_S) -> list[dict]:
    """Run (label, notebook, parameters) one after another, recording each outcome; report in out."""
    rows, start = [], time.perf_counter()
    for label, name, parameters in plan:
        if time.perf_counter() - start > budget_s:
            rows.append(row(label, "skipped", None, None, f"no empezó: se pasó el presupuesto de {budget_s:.0f} s"))
            continue
        env = {}
        if dry:
            from tests.gpu_sim.twins import build_twins, simulated_gpu_env, twins_root

            env = simulated_gpu_env(build_twins(twins_root()), name)
        previous = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        began = time.perf_counter()
        try:
            with PeakMemory() as memory:
                output = run_notebook(name, out / label, parameters, progress=False, cell_timeout=CELL_TIMEOUT_S)
                read_metrics(output)
            # A real GPU's first run becomes results/gpu/<notebook>.json; later runs are checked against it.
            verdict, drifts = ("", []) if dry else regress_one(name, output, "gpu")
            drifted = [r.figure for r in drifts if r.failed]
            rows.append(row(label, "drift" if drifted else "ok", time.perf_counter() - began, memory.gib,
                            verdict if drifted else ""))
        except (NotebookFailed, FileNotFoundError) as error:
            rows.append(row(label, "failed", time.perf_counter() - began, None, str(error)))
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        print(f"{label}: {rows[-1]['status']} en {rows[-1]['seconds']} s", flush=True)
    write(out, device_facts(dry), rows)
    return rows


def main(argv: list[str]) -> int:
    dry = "--dry" in argv
    argv = [a for a in argv if a != "--dry"]
    out = REPO_ROOT / "outputs" / "gpu-check"
    if "--out" in argv:
        index = argv.index("--out")
        out, argv = Path(argv[index + 1]), argv[:index] + argv[index + 2:]
    try:
        names = [find_notebook(a) for a in argv] or NOTEBOOKS
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    missing = [n for n in names if n not in NOTEBOOKS]
    if missing:
        print(f"error: {', '.join(missing)} has no small parameters (05 is checked by make grade)", file=sys.stderr)
        return 2
    rows = run([(n, n, parameters_for(n)) for n in names], out, dry)
    print(f"Informe: {out / 'report.md'}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
