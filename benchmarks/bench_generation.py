"""Batched generation through helpers.generation against one generate call per prompt."""

from helpers.generation import generate
from helpers.models import load_causal_lm

PROMPTS = [f"Una película que recomiendo a quien le gustó {title} es" for title in
           ["Toy Story", "Casablanca", "Alien", "Titanic", "Amélie", "El Padrino", "Matrix", "Up"]]
NEW_TOKENS = 32  # per prompt


def batched_vs_one_by_one() -> dict:
    """Tokens per second generating 8 prompts in one batch versus one call per prompt."""
    model, tokenizer = load_causal_lm("gemma3-270m")
    generate(model, tokenizer, PROMPTS[:1], chat=False, max_new_tokens=4, progress=False)  # warm-up
    single = [generate(model, tokenizer, [p], chat=False, max_new_tokens=NEW_TOKENS, progress=False)
              for p in PROMPTS]
    single_rate = sum(g.new_tokens for g in single) / sum(g.seconds for g in single)
    batched = generate(model, tokenizer, PROMPTS, chat=False, max_new_tokens=NEW_TOKENS,
                       batch_size=len(PROMPTS), progress=False)
    return {"generation_batching": {
        "unit": "tokens/s", "baseline": single_rate, "candidate": batched.tokens_per_second,
        "ratio": batched.tokens_per_second / single_rate, "target": None,
        "model": "gemma3-270m", "prompts": len(PROMPTS), "max_new_tokens": NEW_TOKENS}}
