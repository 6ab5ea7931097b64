"""GPU-path helpers that run on CPU: chat-template fallback, refusals, twins, Colab cell pieces, unsloth branch."""

import sys
import types

import pytest

from helpers.generation import PLAIN_CHAT_TEMPLATE, chat_prompt, ensure_chat_template


class _Tokenizer:
    def __init__(self, template=None, eos="<|endoftext|>"):
        self.chat_template, self.eos_token = template, eos

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True, **kwargs):
        from jinja2 import Environment

        return Environment().from_string(self.chat_template).render(
            messages=messages, add_generation_prompt=add_generation_prompt, eos_token=self.eos_token, **kwargs)


def test_template_less_tokenizer_gets_named_turns_with_an_end_marker():
    tokenizer = ensure_chat_template(_Tokenizer(), "DeepESP/gpt2-spanish")
    assert tokenizer.chat_template == PLAIN_CHAT_TEMPLATE
    text = chat_prompt(tokenizer, [{"role": "system", "content": "Eres Ana."}, {"role": "user", "content": "Hola"},
                                   {"role": "assistant", "content": "Qué tal"}, {"role": "user", "content": "Bien"}])
    assert text == "Eres Ana.\n\nUsuario: Hola\nAsistente: Qué tal<|endoftext|>\nUsuario: Bien\nAsistente:"
    with pytest.raises(ValueError, match="end-of-sequence"):
        ensure_chat_template(_Tokenizer(eos=None), "x/y")


def test_thinking_is_switched_off_once_and_other_templates_are_left_alone():
    from tests.gpu_sim.twins import GEMMA_LIKE_TEMPLATE, SMOLLM3_LIKE_TEMPLATE

    thinking = _Tokenizer(SMOLLM3_LIKE_TEMPLATE)
    assert "<think>\n\n</think>" not in thinking.apply_chat_template([{"role": "user", "content": "hola"}])
    ensure_chat_template(ensure_chat_template(thinking))
    assert thinking.chat_template.count("set enable_thinking = false") == 1
    assert thinking.apply_chat_template([{"role": "user", "content": "hola"}]).endswith("<think>\n\n</think>\n")
    gemma = ensure_chat_template(_Tokenizer(GEMMA_LIKE_TEMPLATE))
    assert gemma.chat_template == GEMMA_LIKE_TEMPLATE


def test_jina_without_remote_code_refuses_in_one_sentence():
    from helpers.embeddings import load_embedder
    from helpers.models import ModelNotAvailableError

    with pytest.raises(ModelNotAvailableError, match="TRUST_REMOTE_CODE") as error:
        load_embedder("jinaai/jina-embeddings-v2-base-es")
    assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")


def test_twin_override_maps_hub_ids_only_to_existing_twins(monkeypatch, tmp_path):
    from helpers.registry import resolve

    (tmp_path / "Qwen__Qwen2.5-1.5B-Instruct").mkdir()
    (tmp_path / "Qwen__Qwen2.5-1.5B-Instruct" / "config.json").write_text("{}")
    monkeypatch.setenv("LLM_STUDIES_MODEL_TWINS", str(tmp_path))
    ref = resolve("Qwen/Qwen2.5-1.5B-Instruct")
    assert (ref.alias, ref.source, ref.family) == ("Qwen/Qwen2.5-1.5B-Instruct", "path", "twin")
    assert resolve("google/gemma-2b-it").source == "hub"  # no twin there: the real Hub id
    monkeypatch.delenv("LLM_STUDIES_MODEL_TWINS")
    assert resolve("Qwen/Qwen2.5-1.5B-Instruct").source == "hub"


def test_colab_assets_are_exactly_the_notebooks_own():
    from helpers.colab import assets_for
    from helpers.setup.assets import ASSETS

    assert assets_for("03_lora_sentiment", False) == ["rotten-tomatoes"]
    assert assets_for("06_embeddings_movie_recommender", True) == [
        "film-catalogue", "film-summaries", "all-MiniLM-L6-v2", "all-mpnet-base-v2", "use-multilingual-v3"]
    assert assets_for("05_chatbot_workshop_solutions", False) == []
    for notebook in ("00_template", "01_gemma_movie_recommender", "02_whatsapp_persona_chatbot", "04_rag_bash_manual"):
        assert set(assets_for(notebook, True)) <= set(ASSETS), notebook
    with pytest.raises(KeyError, match="known"):
        assets_for("99_nope", False)


def test_colab_pip_keeps_torch_and_installs_unsloth_only_for_01_02_on_cuda():
    from helpers.colab import pip_commands

    for notebook in ("01_gemma_movie_recommender", "02_whatsapp_persona_chatbot"):
        assert any("requirements-gpu.txt" in " ".join(c) for c in pip_commands(notebook, cuda=True))
        assert not any("requirements-gpu.txt" in " ".join(c) for c in pip_commands(notebook, cuda=False))
    commands = pip_commands("04_rag_bash_manual", cuda=True)
    assert not any("requirements-gpu.txt" in " ".join(c) for c in commands)
    constraints = commands[0][commands[0].index("-c") + 1]
    assert open(constraints).read().startswith("torch==")
    assert "requirements-dev.txt" not in " ".join(sum(commands, []))


def test_colab_secrets_are_copied_without_overriding_and_missing_ones_skipped(monkeypatch):
    from helpers.colab import read_secrets

    class SecretNotFoundError(Exception):
        pass

    stored = {"HF_TOKEN": "hf_x", "GEMINI_API_KEY": "g"}

    def get(name):
        if name not in stored:
            raise SecretNotFoundError(name)
        return stored[name]

    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(get=get)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    for name in ("HF_TOKEN", "OPENAI_API_KEY", "GEMINI_API_KEY", "WANDB_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "mine")
    assert read_secrets() == ["HF_TOKEN", "GEMINI_API_KEY"]
    import os

    assert os.environ["HF_TOKEN"] == "hf_x" and os.environ["GEMINI_API_KEY"] == "mine"
    assert "OPENAI_API_KEY" not in os.environ


def test_profile_hint_only_when_profile_and_runtime_disagree():
    from helpers.env import profile_hint

    assert "GPU" in profile_hint("gpu", "cpu") and "PROFILE='gpu'" in profile_hint("local", "cuda")
    assert profile_hint("gpu", "cuda") == "" and profile_hint("local", "cpu") == ""


def test_finetuning_loader_marks_unsloth_training_only_on_cuda_in_the_gpu_profile(monkeypatch):
    import torch

    import helpers.models as models
    from helpers.gpu_plan import unsloth_trains
    from helpers.paths import REPO_ROOT

    monkeypatch.setattr(models, "load_causal_lm", lambda name, **kw: (types.SimpleNamespace(), kw))
    monkeypatch.syspath_prepend(str(REPO_ROOT / "tests" / "gpu_sim" / "fake_unsloth"))  # findable, not imported
    assert not unsloth_trains("gpu")  # no GPU
    assert models.load_for_finetuning("Qwen/Qwen2.5-1.5B-Instruct", "gpu")[1] == {"training": "lora", "length": 512}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert not unsloth_trains("local") and unsloth_trains("gpu")
    model, kwargs = models.load_for_finetuning("Qwen/Qwen2.5-7B-Instruct", "gpu", max_length=256)
    assert model.llm_studies_finetune == {"name": "Qwen/Qwen2.5-7B-Instruct", "max_length": 256}
    assert kwargs == {"length": 256}  # loaded for inference only: unsloth loads its own copy in its process
    assert "unsloth" not in sys.modules
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "fake_unsloth" not in p])  # its install step failed
    assert not unsloth_trains("gpu")


def test_only_the_causal_lm_finetuning_helpers_import_unsloth():
    import re

    from helpers.paths import REPO_ROOT

    importers = sorted(str(p.relative_to(REPO_ROOT)) for p in [*REPO_ROOT.glob("helpers/**/*.py"),
                                                               *REPO_ROOT.glob("notebooks/*.py")]
                       if re.search(r"^\s*(from unsloth|import unsloth)", p.read_text(), re.M))
    assert importers == ["helpers/unsloth_train.py"]  # the training process's module, never a notebook's
    requirements = (REPO_ROOT / "requirements.txt").read_text() + (REPO_ROOT / "requirements-dev.txt").read_text()
    assert "unsloth" not in requirements
