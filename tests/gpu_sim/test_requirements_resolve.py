"""pip's resolver on requirements.txt and the gpu extras (needs PyPI: skipped when unreachable)."""

import re
import subprocess
import sys

import pytest

from helpers.paths import REPO_ROOT

TIMEOUT = 480


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: sqlean.py == sqlean-py


def _pins(path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {_normal(re.split(r"[=<>!~ ]", line)[0]): line for line in lines if line}


def _dry_run(requirements: list[str], tmp_path):
    import torch

    listed = tmp_path / "requirements.txt"
    listed.write_text("\n".join(requirements) + "\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"torch=={torch.__version__.split('+')[0]}\n")  # stands for Colab's own torch
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--report", str(tmp_path / "report.json"), "-r", str(listed), "-c", str(constraints)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.skip(f"pip's resolver took over {TIMEOUT} s")
    if done.returncode and re.search(r"Could not fetch URL|NewConnectionError|Network is unreachable", done.stderr):
        pytest.skip("PyPI is not reachable")
    return done


def test_gpu_extras_conflict_with_requirements_in_one_call_and_name_the_pins(tmp_path):
    base, gpu = _pins(REPO_ROOT / "requirements.txt"), _pins(REPO_ROOT / "requirements-gpu.txt")
    overridden = sorted(set(base) & set(gpu))
    assert overridden == ["datasets", "transformers", "trl"]  # what the unsloth step changes, documented in the file
    done = _dry_run(list(base.values()) + list(gpu.values()), tmp_path)
    assert done.returncode != 0
    assert any(name in done.stderr for name in overridden), done.stderr[-2000:]


def test_unsloth_step_resolves_on_top_of_requirements(tmp_path):
    import json

    base, gpu = _pins(REPO_ROOT / "requirements.txt"), _pins(REPO_ROOT / "requirements-gpu.txt")
    merged = [line for name, line in base.items() if name not in gpu] + list(gpu.values())
    done = _dry_run(merged, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    chosen = {_normal(item["metadata"]["name"]): item["metadata"]["version"]
              for item in json.loads((tmp_path / "report.json").read_text())["install"]}
    assert chosen["unsloth"] == gpu["unsloth"].split("==")[1]
    assert chosen["torch"].split("+")[0] == __import__("torch").__version__.split("+")[0]  # torch kept
    for name in set(base) - set(gpu):  # every other exact pin of requirements.txt survives
        if "==" in base[name]:
            assert chosen[name] == base[name].split("==")[1], name
