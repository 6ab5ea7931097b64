"""Tiny random twins of the gpu profile's Hub models (same config class), stored in the real checkpoint's
dtype, with a tokenizer of the real model's family: Gemma's own (262k words, from the packaged Gemma 3),
a GPT-2-style byte-level BPE without a pad token, Phi-3's end-of-turn list, Qwen's for the rest."""

import json
import os
import shutil
import tempfile
from pathlib import Path

from helpers.gpu_models import CHECKPOINT_DTYPE, HUB_CONFIGS, REMOTE_CODE_MODELS, head_of, twin_config
from helpers.paths import data_dir, models_dir

TWIN_VERSION = 2  # bump when what a twin holds changes: the cache folder is keyed on it
# Gemma-style template: no system role, so the system-merge fallback of chat_prompt runs.
GEMMA_LIKE_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}<start_of_turn>"
    "{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n{{ m['content'] }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
SMOLLM3_LIKE_TEMPLATE = (  # SmolLM3's own switch: thinking on unless enable_thinking is false
    "{%- if enable_thinking is not defined -%}{%- set enable_thinking = true -%}{%- endif -%}"
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% if enable_thinking %}<think>{% else %}"
    "<think>\n\n</think>\n{% endif %}{% endif %}"
)
# Phi-3's chat format: each turn closed by <|end|>, which is not the tokenizer's eos (<|endoftext|>);
# generation stops on any of generation_config.eos_token_id = [<|endoftext|>, <|assistant|>, <|end|>].
PHI3_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
PHI3_SPECIAL = ["<|assistant|>", "<|end|>", "<|system|>", "<|user|>"]


def gpt2_family_tokenizer():
    """GPT-2's tokenizer family: byte-level BPE, <|endoftext|> as bos, eos and unk, no pad token, no chat
    template. GPT-2's own vocabulary files are not reachable offline: this BPE is trained here, on the
    packaged Spanish bash manual, to 4,000 words."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    texts = sorted((data_dir() / "bash-manual-es").rglob("*.txt"))[:40]
    bpe = ByteLevelBPETokenizer()
    bpe.train([str(p) for p in texts], vocab_size=4000, min_frequency=2, special_tokens=["<|endoftext|>"],
              show_progress=False)
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                  unk_token="<|endoftext|>", model_max_length=1024)
    assert tokenizer.pad_token is None
    return tokenizer


def twin_tokenizer(hub_id: str):
    """A tokenizer of hub_id's family, with its chat template (or none, as GPT-2's)."""
    from transformers import AutoTokenizer

    model_type = HUB_CONFIGS[hub_id][0]
    if head_of(hub_id) != "causal":
        return AutoTokenizer.from_pretrained(models_dir() / ("all-mpnet-base-v2" if model_type == "mpnet"
                                                             else "all-MiniLM-L6-v2"))
    if model_type == "gpt2":
        return gpt2_family_tokenizer()
    if model_type == "gemma":
        tokenizer = AutoTokenizer.from_pretrained(models_dir() / "gemma3-270m")
        tokenizer.chat_template = GEMMA_LIKE_TEMPLATE
        return tokenizer
    tokenizer = AutoTokenizer.from_pretrained(models_dir() / "qwen2.5-coder-0.5b-instruct")
    if model_type == "smollm3":
        tokenizer.chat_template = SMOLLM3_LIKE_TEMPLATE
    elif model_type == "phi3":
        tokenizer.add_special_tokens({"additional_special_tokens": PHI3_SPECIAL})
        tokenizer.eos_token, tokenizer.pad_token = "<|endoftext|>", "<|endoftext|>"
        tokenizer.chat_template = PHI3_TEMPLATE
    return tokenizer


def build_twin(hub_id: str, folder: Path) -> None:
    """Save a random-initialised twin of hub_id, in its checkpoint's dtype, and its family's tokenizer."""
    import torch
    from transformers import AutoModel, AutoModelForCausalLM

    tokenizer = twin_tokenizer(hub_id)
    ids = {k: getattr(tokenizer, k) for k in ("bos_token_id", "eos_token_id", "pad_token_id")}
    ids = {k: v if v is not None else tokenizer.eos_token_id for k, v in ids.items()}
    config = twin_config(hub_id, len(tokenizer), **ids)
    torch.manual_seed(0)
    model = (AutoModelForCausalLM if head_of(hub_id) == "causal" else AutoModel).from_config(config)
    model.to(getattr(torch, CHECKPOINT_DTYPE.get(hub_id, "float32")))
    if HUB_CONFIGS[hub_id][0] == "phi3":
        model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids(
            ["<|endoftext|>", "<|assistant|>", "<|end|>"])
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    if HUB_CONFIGS[hub_id][0] == "gpt2":  # as GPT-2's own files: no pad token anywhere
        config_file = folder / "tokenizer_config.json"
        saved = json.loads(config_file.read_text())
        saved.pop("pad_token", None)
        config_file.write_text(json.dumps(saved))


def twins_root() -> Path:
    """The cache folder of this code's twins: keyed on transformers' version, the configs, dtypes, templates."""
    import transformers

    from helpers.gpu_models import TWIN_SHAPE
    from helpers.io import settings_key
    from helpers.paths import cache_dir

    key = settings_key({"transformers": transformers.__version__, "configs": HUB_CONFIGS, "shape": TWIN_SHAPE,
                        "templates": [GEMMA_LIKE_TEMPLATE, SMOLLM3_LIKE_TEMPLATE, PHI3_TEMPLATE],
                        "dtypes": CHECKPOINT_DTYPE, "version": TWIN_VERSION})
    return cache_dir() / "gpu-twins" / key


def build_twins(root: Path) -> Path:
    """Every buildable twin under root/owner__name (built once; jina's needs remote code: skipped)."""
    root.mkdir(parents=True, exist_ok=True)
    for hub_id in HUB_CONFIGS:
        target = root / hub_id.replace("/", "__")
        if hub_id in REMOTE_CODE_MODELS or (target / "config.json").exists():
            continue
        staged = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
        build_twin(hub_id, staged)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    return root


UNSLOTH_NOTEBOOKS = {"01_gemma_movie_recommender", "02_whatsapp_persona_chatbot"}
FAKE_UNSLOTH = Path(__file__).parent / "fake_unsloth"


def simulated_gpu_env(twins_dir: Path, notebook: str) -> dict:
    """Environment variables of a gpu-profile run on a simulated 15 GB T4 (capability 7.5): the twins, offline,
    and for 01/02 the unsloth path with the fake unsloth, whose class patch breaks inference that reaches it."""
    env = {"LLM_STUDIES_MODEL_TWINS": str(twins_dir), "LLM_STUDIES_GPU_MEMORY_GB": "15", "HF_HUB_OFFLINE": "1"}
    if notebook in UNSLOTH_NOTEBOOKS:
        env["LLM_STUDIES_UNSLOTH_WITHOUT_GPU"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAKE_UNSLOTH), os.environ.get("PYTHONPATH")]))
    return env
