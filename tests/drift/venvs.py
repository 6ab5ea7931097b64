"""Fresh virtual environments that hold what a Colab session holds after a notebook's first cell."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from helpers.paths import REPO_ROOT

ROOT = REPO_ROOT / ".drift-venvs"
COLAB_FILE = REPO_ROOT / "requirements-colab.txt"
# name -> (what it stands for, the notebook whose first cell it replays, with a GPU)
SETS = {
    "colab": ("Colab preinstalled + requirements.txt (notebooks 00, 03-06, and 01/02 without unsloth)",
              "03_lora_sentiment", False),
    "colab-unsloth": ("Colab preinstalled + requirements.txt + the unsloth step (notebooks 01/02 on a GPU)",
                      "01_gemma_movie_recommender", True),
}
TEST_TOOLS = ["pytest", "pytest-timeout==2.4.0"]  # as requirements-dev.txt: only what runs the tests


def _inputs_key(name: str) -> str:
    """Changes whenever anything that decides the environment's contents changes."""
    files = [COLAB_FILE, REPO_ROOT / "requirements.txt", REPO_ROOT / "requirements-gpu.txt",
             REPO_ROOT / "helpers" / "colab.py", Path(__file__)]
    digest = hashlib.sha256(name.encode() + sys.version.encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _run(command: list[str], log, env: dict | None = None) -> None:
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    done = subprocess.run(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    if done.returncode:
        raise RuntimeError(f"failed ({done.returncode}): {' '.join(command)}; see {log.name}")


def colab_pins() -> tuple[str, list[str]]:
    """(torch pin, the other pins) of requirements-colab.txt."""
    lines = [line.split("#")[0].strip() for line in COLAB_FILE.read_text(encoding="utf-8").splitlines()]
    pins = [line for line in lines if line]
    torch = [pin for pin in pins if pin.startswith("torch==")]
    if len(torch) != 1:
        raise ValueError(f"{COLAB_FILE}: expected exactly one 'torch==' line, found {len(torch)}")
    return torch[0], [pin for pin in pins if pin not in torch]


def build(name: str) -> Path:
    """The environment of one version set, built anew when its inputs changed; returns its python."""
    _, notebook, cuda = SETS[name]
    folder = ROOT / name
    python = folder / "bin" / "python"
    marker = folder / "llm-studies-drift.json"
    key = _inputs_key(name)
    if marker.exists() and json.loads(marker.read_text()).get("key") == key:
        return python
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    log_path = ROOT / f"{name}.install.log"
    with open(log_path, "w", encoding="utf-8") as log:
        _run([sys.executable, "-m", "venv", str(folder)], log)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        torch, others = colab_pins()
        staged = folder / "colab-preinstalled.txt"
        staged.write_text("\n".join(others) + "\n", encoding="utf-8")
        _run(pip + [torch], log)  # with its CUDA libraries: the build imports them even on a CPU
        _run(pip + ["--no-deps", "-r", str(staged)], log)  # Colab's versions, exactly
        _run(pip + ["-r", str(staged)], log)  # then what those need that the list lacks (jedi for ipython 7)
        # The notebook's first cell, replayed: the same pip calls helpers.colab makes in Colab.
        code = ("import json, sys; from helpers.colab import pip_commands; "
                f"print(json.dumps(pip_commands({notebook!r}, cuda={cuda})))")
        listed = subprocess.run([str(python), "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                                check=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        for command in json.loads(listed.stdout):
            _run(command, log)
        _run(pip + TEST_TOOLS, log)
        # A package Colab has and the list above left out would fail here, not in a kernel that dies later.
        check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True)
        log.write(check.stdout)
        missing = [line for line in check.stdout.splitlines() if "which is not installed" in line]
        if missing:
            raise RuntimeError(f"{name}: missing dependencies ({'; '.join(missing)}): add Colab's versions of "
                               f"them to {COLAB_FILE.name}")
    marker.write_text(json.dumps({"key": key, "seconds": round(time.perf_counter() - start)}), encoding="utf-8")
    return python


def versions(python: Path, names=("torch", "transformers", "trl", "peft", "accelerate", "datasets",
                                  "bitsandbytes", "sentence-transformers", "numpy", "unsloth")) -> dict:
    """The installed version of each package in an environment (None when absent)."""
    code = ("import json; from importlib.metadata import version, PackageNotFoundError\n"
            "def v(n):\n    try:\n        return version(n)\n    except PackageNotFoundError:\n        return None\n"
            f"print(json.dumps({{n: v(n) for n in {list(names)!r}}}))")
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)
