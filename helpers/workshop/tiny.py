"""A tiny random-initialised chat model saved to a folder: the grader's checks run against it in seconds."""

import tempfile
from pathlib import Path

_FOLDERS: dict[str, Path] = {}
# Every quantised linear layer must fit bitsandbytes' blocks on every CPU path: 4-bit quantises its
# input features in blocks of 64, and the packed AVX512-BF16 path tiles output features by 32 (a
# 32-wide model fails there with "shape '[32, 0]' is invalid"). heads x head_dim = 64, kv = 2 x 16.
SHAPE = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2)


def tiny_model_folder(tokenizer_source: str, folder: str | Path | None = None) -> Path:
    """A 2-layer Qwen2 with the real tokenizer of tokenizer_source (its chat template included), saved once."""
    key = str(tokenizer_source)
    if folder is None and key in _FOLDERS:
        return _FOLDERS[key]
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), **SHAPE, tie_word_embeddings=True,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = Qwen2ForCausalLM(config).eval()
    torch.random.set_rng_state(generator_state)  # the student's seeds stay as they were
    folder = Path(folder or tempfile.mkdtemp(prefix="taller_modelo_diminuto_"))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _FOLDERS.setdefault(key, folder)
    return folder
