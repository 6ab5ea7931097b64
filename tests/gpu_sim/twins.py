"""Tiny random twins of the gpu profile's Hub models (same config class), with packaged tokenizers."""

import shutil
import tempfile
from pathlib import Path

from helpers.gpu_models import HUB_CONFIGS, REMOTE_CODE_MODELS, head_of, twin_config
from helpers.paths import models_dir

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


def _tokenizer_source(hub_id: str) -> str:
    model_type = HUB_CONFIGS[hub_id][0]
    if head_of(hub_id) == "causal":
        return "qwen2.5-coder-0.5b-instruct"
    return "all-mpnet-base-v2" if model_type == "mpnet" else "all-MiniLM-L6-v2"


def build_twin(hub_id: str, folder: Path) -> None:
    """Save a random-initialised twin of hub_id and a packaged tokenizer into folder."""
    import torch
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(models_dir() / _tokenizer_source(hub_id))
    model_type = HUB_CONFIGS[hub_id][0]
    if model_type == "gpt2":
        tokenizer.chat_template = None  # GPT-2 Spanish ships no chat template
    elif model_type == "gemma":
        tokenizer.chat_template = GEMMA_LIKE_TEMPLATE
    elif model_type == "smollm3":
        tokenizer.chat_template = SMOLLM3_LIKE_TEMPLATE
    ids = {k: getattr(tokenizer, k) for k in ("bos_token_id", "eos_token_id", "pad_token_id")}
    ids = {k: v if v is not None else tokenizer.eos_token_id for k, v in ids.items()}
    config = twin_config(hub_id, len(tokenizer), **ids)
    torch.manual_seed(0)
    model = (AutoModelForCausalLM if head_of(hub_id) == "causal" else AutoModel).from_config(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


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
