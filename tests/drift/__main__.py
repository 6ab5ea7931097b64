"""`python -m tests.drift [SET ...]` (make test-drift): in a fresh environment per version set (Colab's
preinstalled versions, then the notebook's own pip steps), import helpers, check every keyword argument the
helpers pass to transformers, trl, peft and generate, and run the gpu dry runs. Needs PyPI."""

import os
import subprocess
import sys
import time

from helpers.paths import REPO_ROOT
from tests.drift.venvs import SETS, build, versions

TESTS = [  # the gpu dry runs, the unsloth path, the twins and the helpers that lean on trl's internals
    "tests/gpu_sim/test_gpu_dry_run.py", "tests/gpu_sim/test_unsloth_only_trains.py",
    "tests/gpu_sim/test_twin_families.py", "tests/gpu_sim/test_signatures.py",
    "tests/core/test_label_only_loss.py", "tests/core/test_fused_head.py", "tests/core/test_training_config.py",
    "tests/core/test_generation.py", "tests/core/test_padding_side.py", "tests/core/test_hub_errors.py",
]


def _step(label: str, command: list[str], env: dict) -> tuple[bool, float]:
    print(f"  {label}: {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, env=env)
    return done.returncode == 0, time.perf_counter() - start


def check(name: str) -> dict:
    """Build (or reuse) one set's environment and run the checks in it; seconds and outcome of each part."""
    start = time.perf_counter()
    python = build(name)
    built = time.perf_counter() - start
    found = versions(python)
    print(f"[{name}] {SETS[name][0]}\n  " + ", ".join(f"{k} {v}" for k, v in found.items() if v), flush=True)
    # The venv first on PATH: papermill's "python3" kernel then runs this environment's interpreter.
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO_ROOT)}
    imported, _ = _step("import", [str(python), "-c", "import helpers, helpers.models, helpers.training"], env)
    signatures, _ = _step("signatures", [str(python), "-m", "tests.drift.signatures"], env)
    tests, seconds = _step("pytest", [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], env)
    result = {"set": name, "passed": imported and signatures and tests, "build_s": round(built),
              "tests_s": round(seconds), "total_s": round(time.perf_counter() - start)}
    print(f"[{name}] {'ok' if result['passed'] else 'FALLÓ'}: entorno {result['build_s']} s, pruebas "
          f"{result['tests_s']} s, total {result['total_s']} s", flush=True)
    return result


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in SETS]
    if unknown:
        print(f"error: unknown version set {', '.join(unknown)}; known: {', '.join(SETS)}", file=sys.stderr)
        return 2
    results = [check(name) for name in argv or SETS]
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
