"""Colab simulation: a fresh clone, a fake google.colab, each notebook's first cell, then its data loading."""

import os
import subprocess
import sys

import pytest

from helpers.notebook_runner import notebook_names
from helpers.paths import REPO_ROOT, cache_dir


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """Colab's /content: an empty folder; the first notebook's first cell clones the committed repo into it."""
    return tmp_path_factory.mktemp("content")


@pytest.mark.parametrize("name", notebook_names())
def test_first_cell_then_data_loading_as_in_colab(name, content):
    env = {**os.environ, "LLM_STUDIES_REPO_URL": f"file://{REPO_ROOT}", "LLM_STUDIES_COLAB_PIP": "print",
           "LLM_STUDIES_CACHE": str(cache_dir().resolve()),  # prepared assets: setup only checks them offline
           "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "PYTHONPATH": ""}
    for secret in ("HF_TOKEN", "OPENAI_API_KEY", "GEMINI_API_KEY", "WANDB_API_KEY"):
        env.pop(secret, None)
    driver = REPO_ROOT / "tests" / "gpu_sim" / "colab_driver.py"
    committed = content / f"{name}.committed.ipynb"
    committed.write_bytes(subprocess.run(["git", "show", f"HEAD:notebooks/{name}.ipynb"], cwd=REPO_ROOT,
                                         check=True, capture_output=True).stdout)
    done = subprocess.run([sys.executable, str(driver), name, str(committed)], cwd=content, env=env,
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "[sim] ok" in done.stdout
    assert "pip: install -q -r" in output and "requirements.txt -c" in output  # Colab's torch pinned
    assert "requirements-dev.txt" not in output
    assert ("requirements-gpu.txt" in output) is False  # no GPU here: unsloth's step is skipped
    assert "Secretos leídos: HF_TOKEN" in output and "Entorno sin GPU" in output
    assert "no se encuentra" not in output and "Traceback" not in output
