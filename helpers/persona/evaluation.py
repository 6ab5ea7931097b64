"""Study 2: one example format for training, evaluation and chat (chat template, or plain
"Nombre: texto" turns closed by an end-of-turn marker), per-reply likelihood and the cross matrix."""

import math

import numpy as np

from helpers.persona.chat_data import as_chat_example, own_turn


def is_plain(tokenizer) -> bool:
    """True for a model without a chat template of its own (GPT-2 Spanish): the persona study then
    writes plain "Nombre: texto" turns instead of helpers.generation's Usuario/Asistente template."""
    from helpers.generation import PLAIN_CHAT_TEMPLATE

    return getattr(tokenizer, "chat_template", None) in (None, "", PLAIN_CHAT_TEMPLATE)


def as_example(example: dict, author: str, tokenizer) -> dict:
    """A prompt-completion row for `author`'s reply: chat messages, or plain text ending in the
    tokenizer's end-of-sequence token (the explicit end of the turn)."""
    if not is_plain(tokenizer):
        return as_chat_example(example, author)
    if not tokenizer.eos_token:
        raise ValueError("a model without chat template needs an end-of-sequence token to end a turn")
    return {"prompt": f"{example['context']}\n{author}:", "completion": f" {example['reply']}{tokenizer.eos_token}"}


def _texts(tokenizer, row: dict) -> tuple[str, str]:
    """(prompt text, prompt + completion text) as the model reads them."""
    if isinstance(row["prompt"], str):
        return row["prompt"], row["prompt"] + row["completion"]
    from helpers.generation import chat_prompt

    return (chat_prompt(tokenizer, row["prompt"]),
            chat_prompt(tokenizer, row["prompt"] + row["completion"], add_generation_prompt=False))


def reply_nll(model, tokenizer, rows: list[dict], max_length: int = 512,
              desc: str = "Perplejidad") -> tuple[np.ndarray, np.ndarray]:
    """(mean negative log-likelihood per token of each row's completion given its prompt, in nats;
    the number of tokens scored in each)."""
    from tqdm.auto import tqdm

    from helpers.training import completion_nll

    model.eval()
    values, counts = [], []
    for row in tqdm(rows, desc=desc, unit="respuesta", disable=len(rows) < 2):
        nll, tokens = completion_nll(model, tokenizer, *_texts(tokenizer, row), max_length)
        if tokens == 0:
            raise ValueError("a reply with no token to score: MAX_LENGTH is too short for the reply")
        values.append(nll)
        counts.append(tokens)
    return np.asarray(values), np.asarray(counts, dtype=float)


def pooled_nll(nll, tokens) -> float:
    """NLL per token over every scored token of the replies (a long reply weighs by its length)."""
    nll, tokens = np.asarray(nll, dtype=float), np.asarray(tokens, dtype=float)
    return float((nll * tokens).sum() / tokens.sum())


def generate_replies(model, tokenizer, rows: list[dict], max_new_tokens: int, repetition_penalty: float,
                     temperature: float = 0.0, desc_batch: int = 4) -> list[str]:
    """Each row's generated reply, cut where the model starts another speaker's line."""
    from helpers.generation import generate

    if not rows:
        return []
    chat = not isinstance(rows[0]["prompt"], str)
    output = generate(model, tokenizer, [r["prompt"] for r in rows], chat=chat, max_new_tokens=max_new_tokens,
                      batch_size=desc_batch, repetition_penalty=repetition_penalty, temperature=temperature,
                      top_p=0.9 if temperature else 1.0, progress=len(rows) > desc_batch)
    return [own_turn(text) for text in output.texts]


def perplexity_cell(nll: np.ndarray, tokens: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """(perplexity per token, low, high): exp of the NLL pooled over every scored token of the
    replies, with a bootstrap interval that resamples replies."""
    from helpers.metrics import bootstrap_bounds

    estimate = pooled_nll(nll, tokens)
    if len(nll) < 2 or np.ptp(nll) == 0:
        return (math.exp(estimate),) * 3
    low, high = bootstrap_bounds((np.asarray(nll), np.asarray(tokens)), pooled_nll, seed=seed, paired=True)
    return math.exp(estimate), math.exp(low), math.exp(high)


def persona_effect(nll_matching: np.ndarray, nll_other: np.ndarray, tokens: np.ndarray, seed: int = 0) -> dict:
    """Non-matching minus matching adapter pooled NLL per token on the same replies (> 0: the
    person's own adapter predicts them better), with a paired bootstrap over replies; ratio = the
    perplexity ratio."""
    from helpers.metrics import bootstrap_bounds

    def difference(other, matching, counts):
        return pooled_nll(other, counts) - pooled_nll(matching, counts)

    mean = difference(nll_other, nll_matching, tokens)
    data = (np.asarray(nll_other), np.asarray(nll_matching), np.asarray(tokens))
    low, high = (mean, mean) if len(tokens) < 2 else bootstrap_bounds(data, difference, seed=seed, paired=True)
    return {"mean": mean, "low": low, "high": high, "n": int(len(tokens)), "separated": bool(low > 0 or high < 0),
            "perplexity_ratio": math.exp(mean)}
