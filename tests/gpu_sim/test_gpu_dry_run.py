"""gpu-profile dry run: every notebook with PROFILE='gpu', each Hub model replaced by its tiny twin, on a
simulated 15 GB T4; 01 and 02 train through the unsloth path with the fake unsloth, whose class patch
breaks any inference that reaches it."""

import pytest

from helpers.notebook_runner import read_metrics, run_notebook
from tests.gpu_sim.twins import UNSLOTH_NOTEBOOKS, simulated_gpu_env
from tests.notebook_cases import CASES

# The smallest parameters of tests/notebook_cases.py, plus what the gpu profile needs offline.
GPU_OVERRIDES = {
    # jina needs remote code (refused in one sentence, tests/core/test_gpu_helpers.py): the other embedder runs;
    # Phi-3.5 in 4 bits builds the bitsandbytes config and loads the twin quantised on CPU.
    "04_rag_bash_manual": {"EMBEDDER_ROLES": ["embedder"], "GENERATORS": [["generator", 0], ["generator_alt", 4]]},
    "06_embeddings_movie_recommender": {"EMBEDDER_ROLES": {"gpu": ["embedder", "embedder_multilingual"]}},
    # The original's three generators (GPT-2, SmolLM3, Phi-3 twins), each tuned and released in turn.
    "02_whatsapp_persona_chatbot": {"COMPARE_GENERATORS": True},
}
NOTEBOOKS = [name for name, case in CASES.items() if "parameters" in case]


@pytest.mark.timeout(400)  # the slowest case (03) takes about 130 s on 2 cores
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_gpu_profile_on_twins(name, tmp_path, twins_dir, monkeypatch):
    for key, value in simulated_gpu_env(twins_dir, name).items():
        monkeypatch.setenv(key, value)
    parameters = {**CASES[name]["parameters"], **GPU_OVERRIDES.get(name, {}), "PROFILE": "gpu"}
    output_dir = run_notebook(name, tmp_path / name, parameters, progress=False)
    metrics = read_metrics(output_dir)
    assert metrics["profile"] == "gpu"
    assert metrics["models_loaded"] and all(m["source"] == "twin" for m in metrics["models_loaded"]
                                            if m["model"].count("/") == 1)
    if name in UNSLOTH_NOTEBOOKS:  # trained in a child process, its adapter back on a plain model
        assert list((output_dir).rglob("unsloth-job/adapter/adapter_config.json"))
    if name == "02_whatsapp_persona_chatbot":  # three generators compared, each with its own intervals
        assert len(metrics["generator_comparison"]) == 3
        assert all(low <= value <= high for r in metrics["generator_comparison"].values()
                   for value, low, high in r.values())
