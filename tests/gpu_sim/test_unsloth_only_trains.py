"""unsloth trains, and only trains: with a fake unsloth whose class patch breaks past_key_values, LoRA
trains in a child process and every inference afterwards (scores, lists, generation, perplexity) runs
on a plain model; the same patch in the notebook's process breaks that inference (the planted fault)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FAKE = Path(__file__).parent / "fake_unsloth"
GEMMA = "google/gemma-2b-it"
ROWS = [{"prompt": f"Usuario {i} vio Alien. Recomienda:", "completion": " 1. Aliens\n\n"} for i in range(6)]
TITLES = ["Aliens", "Toy Story", "Heat"]


@pytest.fixture
def fake_unsloth(tmp_path, twins_dir, monkeypatch):
    """The unsloth path switched on without a GPU, the fake unsloth findable (never imported here)."""
    log = tmp_path / "fake_unsloth.jsonl"
    monkeypatch.setenv("LLM_STUDIES_UNSLOTH_WITHOUT_GPU", "1")
    monkeypatch.setenv("LLM_STUDIES_MODEL_TWINS", str(twins_dir))
    monkeypatch.setenv("FAKE_UNSLOTH_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(FAKE), os.environ.get("PYTHONPATH")])))
    monkeypatch.syspath_prepend(str(FAKE))
    return log


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_inference_after_unsloth_training_never_reaches_the_patched_model(fake_unsloth, tmp_path):
    import torch

    from helpers.generation import generate, sample_lists
    from helpers.gpu_plan import ModelReleasedError
    from helpers.models import load_for_finetuning
    from helpers.recommender.ranking import score_titles, score_titles_separately
    from helpers.training import completion_nll, lora_config, sft_config, train_lora

    model, tokenizer = load_for_finetuning(GEMMA, "gpu", 128)
    assert model.llm_studies_finetune == {"name": GEMMA, "max_length": 128}
    config = sft_config(tmp_path / "trainer", 2, batch_size=2, grad_accum=1, max_length=128, seed=0)
    tuned, history = train_lora(model, tokenizer, ROWS, config, lora_config(model))

    assert "unsloth" not in sys.modules  # this process never imported it
    events = [json.loads(line) for line in fake_unsloth.read_text().splitlines()]
    loads = [e for e in events if e["event"] == "from_pretrained"]
    assert loads and {e["pid"] for e in events} != {os.getpid()} and os.getpid() not in {e["pid"] for e in events}
    assert loads[0]["use_exact_model_name"] is True  # never unsloth's own mirror of the repository
    assert len(history) == 2 and all(torch.isfinite(torch.tensor(h["loss"])) for h in history)
    trained = [p for n, p in tuned.named_parameters() if "lora_B" in n]
    assert trained and any(p.abs().sum() > 0 for p in trained)  # the adapter came back trained
    assert tokenizer.padding_side == "left"  # unsloth's right padding stayed in its own process

    prompt = "Usuario 9 vio Alien. Recomienda:"
    fast = score_titles(tuned, tokenizer, prompt, TITLES)  # shared prefill + Cache.batch_repeat_interleave
    assert fast == pytest.approx(score_titles_separately(tuned, tokenizer, prompt, TITLES), abs=1e-3)
    lists = sample_lists(tuned, tokenizer, [prompt, "Otro usuario:"], 2, chat=False, max_new_tokens=4)
    assert len(lists.texts) == 2 and all(len(group) == 2 for group in lists.texts)
    assert len(generate(tuned, tokenizer, [prompt, "Hola"], chat=False, max_new_tokens=4, progress=False).texts) == 2
    nll, tokens = completion_nll(tuned, tokenizer, prompt, prompt + " 1. Aliens")
    assert tokens > 0 and nll == nll
    with pytest.raises(ModelReleasedError, match="se liberó"):  # the model passed in gave its memory away
        model(input_ids=torch.tensor([[1, 2]]))


PLANTED = """
import sys
from helpers.models import load_causal_lm
from helpers.recommender.ranking import score_titles
from unsloth import FastLanguageModel
FastLanguageModel.from_pretrained(sys.argv[1])  # what training in this process would do
model, tokenizer = load_causal_lm("google/gemma-2b-it")  # a plain load, after it
score_titles(model, tokenizer, "Usuario vio Alien. Recomienda:", ["Aliens", "Heat"])
"""


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_planted_fault_training_in_the_same_process_breaks_inference(fake_unsloth, twins_dir):
    twin = twins_dir / GEMMA.replace("/", "__")
    done = subprocess.run([sys.executable, "-c", PLANTED, str(twin)], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(FAKE), os.getcwd()])})
    assert done.returncode != 0
    assert "past_key_values reached a patched model class" in done.stderr or "batch_repeat_interleave" in done.stderr
