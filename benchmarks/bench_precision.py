"""The local profile at the CPU's speed: bf16 where the CPU runs it natively, and the output head only
where labels are, each against its float32 / full-head baseline in the same process."""

import statistics
import time

BATCH, PROMPT_TOKENS, NEW_TOKENS = 4, 645, 48  # four RAG prompts of the Bash manual, as study 04 sends them
STEP_ROWS, STEP_TOKENS, STEP_LABELS = 4, 384, 16  # a study 01 LoRA step: 4 x 384 tokens, 64 labelled
REPEATS = 3


def _median_seconds(work, repeats: int = REPEATS) -> float:
    work()  # warm-up: oneDNN builds its kernels for each shape once
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def manual_prompts(tokenizer, count: int = BATCH, length: int = PROMPT_TOKENS):
    """count different windows of exactly `length` tokens of the Spanish Bash manual, as a batch."""
    import torch

    from helpers.paths import data_dir

    text = (data_dir() / "bash-manual-es" / "bash_es.txt").read_text(encoding="utf-8")
    ids = tokenizer(text[:200_000], add_special_tokens=False)["input_ids"]
    step = (len(ids) - length) // count
    return torch.tensor([ids[i * step:i * step + length] for i in range(count)])


def _load(alias: str, dtype):
    from helpers.models import load_causal_lm

    return load_causal_lm(alias, dtype=dtype)


def _cpu_line() -> dict:
    from helpers.cpu import capabilities

    found = capabilities()
    return {"cpu": found.describe(), "cpu_model": found.model, "native_bf16": found.native_bf16}


def bf16_inference() -> dict:
    """Qwen2.5-Coder-0.5B: prefill of 4 x 645 tokens and 48 new tokens each, float32 against bf16."""
    import torch

    facts, rows = _cpu_line(), {}
    measured = {}
    for dtype in (torch.float32, torch.bfloat16):
        model, tokenizer = _load("qwen2.5-coder-0.5b-instruct", dtype)
        batch = manual_prompts(tokenizer)
        with torch.inference_mode():
            prefill = _median_seconds(lambda m=model, b=batch: m(input_ids=b, logits_to_keep=1))
            generation = _median_seconds(lambda m=model, b=batch, t=tokenizer: m.generate(
                input_ids=b, attention_mask=torch.ones_like(b), max_new_tokens=NEW_TOKENS,
                min_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=t.pad_token_id), repeats=1)
        measured[dtype] = (BATCH * PROMPT_TOKENS / prefill, generation)
        del model
    target = 2.0 if facts["native_bf16"] else None  # the target holds only where bf16 is native
    (fp32_rate, fp32_seconds), (bf16_rate, bf16_seconds) = measured[torch.float32], measured[torch.bfloat16]
    rows["bf16_prefill"] = {"unit": "tokens/s", "baseline": fp32_rate, "candidate": bf16_rate,
                            "ratio": bf16_rate / fp32_rate, "target": target, "model": "qwen2.5-coder-0.5b-instruct",
                            "batch": BATCH, "prompt_tokens": PROMPT_TOKENS, **facts}
    rows["bf16_generation"] = {"unit": "s", "baseline": fp32_seconds, "candidate": bf16_seconds,
                               "ratio": fp32_seconds / bf16_seconds, "target": target, "batch": BATCH,
                               "new_tokens": NEW_TOKENS, "prompt_tokens": PROMPT_TOKENS, **facts}
    return rows


def _step_batch(vocab: int):
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(10, vocab, (STEP_ROWS, STEP_TOKENS), generator=generator)
    labels = torch.full_like(ids, -100)
    labels[:, -STEP_LABELS:] = ids[:, -STEP_LABELS:]  # completion-only, as SFTTrainer's collator builds it
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}, labels


def _lora_step_seconds(dtype, compact: bool) -> float:
    """Forward and backward of one LoRA step through trl's fused head, compact scoring on or off."""
    import torch
    import trl.trainer.utils as trl_utils
    from peft import get_peft_model

    from helpers.training import labelled_loss, lora_config

    model, _ = _load("gemma3-270m", dtype)
    model = get_peft_model(model, lora_config(model, r=8, parts="qkvo"))
    model.train()
    batch, labels = _step_batch(model.config.vocab_size)

    def decide(device) -> bool:
        return compact

    decide.llm_studies_compact_cpu = True  # head_only_where_labelled leaves this switch as it is
    original, trl_utils._use_triton = trl_utils._use_triton, decide
    try:
        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
                loss = labelled_loss(model, labels, **batch)
            loss.backward()
            model.zero_grad(set_to_none=True)

        return _median_seconds(step)
    finally:
        trl_utils._use_triton = original


def label_only_lora_step() -> dict:
    """Gemma 3 270M LoRA step (4 x 384 tokens, 64 labelled): head on every position against only the
    labelled ones, in float32; and the label-only step with bf16 weights and autocast."""
    import torch

    facts = _cpu_line()
    full = _lora_step_seconds(torch.float32, compact=False)
    compact = _lora_step_seconds(torch.float32, compact=True)
    rows = {"lora_step_label_only": {"unit": "s/step", "baseline": full, "candidate": compact, "ratio": full / compact,
                                     "target": 2.0, "model": "gemma3-270m", "rows": STEP_ROWS, "tokens": STEP_TOKENS,
                                     "labelled": STEP_ROWS * STEP_LABELS, **facts}}
    if facts["native_bf16"]:
        bf16 = _lora_step_seconds(torch.bfloat16, compact=True)
        rows["lora_step_bf16"] = {"unit": "s/step", "baseline": compact, "candidate": bf16, "ratio": compact / bf16,
                                  "target": None, "model": "gemma3-270m", "note": "both label-only", **facts}
    return rows
