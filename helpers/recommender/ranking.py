"""Study 1, candidate ranking: the target plus popularity-matched negatives, scored by the model's
length-normalised log-probability of each title after the prompt, with one prefill per dialogue."""

import copy
import math
import random
from dataclasses import dataclass

import numpy as np

from helpers.recommender.redial import Dialogue, RedialData

NEGATIVES = 19  # with the target, 20 candidates: a random order puts it in the top 10 half the time


def known_items(data: RedialData, dialogue: Dialogue) -> set[str]:
    """Everything the user is known to have seen or mentioned: never a negative."""
    user = dialogue.user_id
    return (set(data.history.get(user, [])) | set(data.might_like.get(user, [])) | set(dialogue.likes)
            | set(dialogue.dislikes) | set(dialogue.rec_items))


def check_candidates(target: str, negatives: list[str], excluded: set[str]) -> None:
    """Raise ValueError when a negative is the target, repeats, or is seen or mentioned by the user."""
    if target in negatives:
        raise ValueError(f"negative {target!r} is the target itself")
    if len(set(negatives)) != len(negatives):
        raise ValueError(f"negatives repeat an item: {sorted(negatives)}")
    seen = sorted(set(negatives) & excluded)
    if seen:
        raise ValueError(f"negatives {seen} were seen or mentioned by the user")


def sample_negatives(target: str, ranked_items: list[str], excluded: set[str], seed: int,
                     n: int = NEGATIVES, window: int = 60) -> list[str]:
    """n items near the target in popularity rank (within +-window ranks, widened if needed), none excluded.

    ranked_items: the catalogue's items, most popular (in training) first."""
    position = ranked_items.index(target) if target in ranked_items else len(ranked_items)
    rng = random.Random(f"{seed}|{target}|{len(excluded)}")
    while True:
        low, high = max(0, position - window), min(len(ranked_items), position + window + 1)
        pool = [i for i in ranked_items[low:high] if i != target and i not in excluded]
        if len(pool) >= n or (low == 0 and high == len(ranked_items)):
            break
        window *= 2
    if len(pool) < n:
        raise ValueError(f"only {len(pool)} unseen items to sample {n} negatives for {target!r} from")
    negatives = rng.sample(pool, n)
    check_candidates(target, negatives, excluded - {target})
    return negatives


def candidates_for(data: RedialData, dialogue: Dialogue, ranked_items: list[str], seed: int,
                   n: int = NEGATIVES) -> list[str]:
    """The target first, then its negatives (the order scored; a tie with the target counts at its expected place)."""
    target = next(i for i in dialogue.rec_items if i in data.item_map)
    excluded = known_items(data, dialogue) - {target}
    negatives = sample_negatives(target, ranked_items, excluded, seed, n)
    check_candidates(target, negatives, excluded)
    return [target, *negatives]


def _encode(tokenizer, prompt: str, titles: list[str]):
    prompt_ids = tokenizer(prompt, add_special_tokens=True)["input_ids"]
    title_ids = [tokenizer(" " + t, add_special_tokens=False)["input_ids"] for t in titles]
    return prompt_ids, title_ids


def _mean_logprob(logprobs, ids: list[int]) -> float:
    """logprobs[j] predicts ids[j]."""
    return float(sum(logprobs[j, t] for j, t in enumerate(ids)) / len(ids))


def _head_and_backbone(model):
    """(causal LM, its backbone, its output head): LoRA layers stay active inside a peft model."""
    causal = model.get_base_model() if hasattr(model, "get_base_model") else model
    return causal, causal.base_model, causal.get_output_embeddings()


@dataclass
class PromptPrefix:
    """The token prefix many prompts share (few-shot examples, the instruction), prefilled once by one
    model (its cache is wrong for any other, a LoRA-tuned copy included)."""
    ids: list[int]
    cache: object  # the model's key/value cache after ids; copied, never extended, by score_titles


def prefill_shared_prefix(model, tokenizer, prompts: list[str]) -> PromptPrefix | None:
    """The prompts' longest common token prefix (each keeps at least one token of its own), prefilled;
    None when they share under two tokens."""
    import torch

    tokenised = [tokenizer(p, add_special_tokens=True)["input_ids"] for p in prompts]
    length = min(len(ids) for ids in tokenised) - 1
    for ids in tokenised[1:]:
        length = next((j for j in range(length) if ids[j] != tokenised[0][j]), length)
    if length < 2:
        return None
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([tokenised[0][:length]], device=model.device), use_cache=True,
                    logits_to_keep=1)
    return PromptPrefix(tokenised[0][:length], out.past_key_values)


def score_titles(model, tokenizer, prompt: str, titles: list[str], prefix: PromptPrefix | None = None) -> np.ndarray:
    """Mean log-probability per token of each title after the prompt: one prefill (of only the part
    after a shared prefix, when the prompt's tokens start with it), the cache repeated for every title,
    all the titles' tokens in one batched pass through the backbone, and the output head (a 262k-word
    vocabulary in Gemma) applied only where a title token is predicted, not to padding."""
    import torch

    prompt_ids, title_ids = _encode(tokenizer, prompt, titles)
    start, cache = 0, None
    # Token ids, not text: a prompt whose text starts with the prefix may still tokenise across its end.
    if prefix is not None and len(prompt_ids) > len(prefix.ids) and prompt_ids[:len(prefix.ids)] == prefix.ids:
        start, cache = len(prefix.ids), copy.deepcopy(prefix.cache)
    longest = max(len(ids) for ids in title_ids)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = model.device
    batch = torch.tensor([ids + [pad] * (longest - len(ids)) for ids in title_ids], device=device)
    title_mask = torch.tensor([[1] * len(ids) + [0] * (longest - len(ids)) for ids in title_ids], device=device)
    # Position j of a title row predicts its token j + 1; the first token comes from the prefill.
    rows = torch.tensor([r for r, ids in enumerate(title_ids) for _ in ids[1:]], dtype=torch.long, device=device)
    cols = torch.tensor([j for ids in title_ids for j in range(len(ids) - 1)], dtype=torch.long, device=device)
    targets = torch.tensor([t for ids in title_ids for t in ids[1:]], dtype=torch.long, device=device)
    causal, backbone, head = _head_and_backbone(model)
    softcap = getattr(causal.config.get_text_config(), "final_logit_softcapping", None)
    with torch.inference_mode():
        prefill = model(input_ids=torch.tensor([prompt_ids[start:]], device=device), past_key_values=cache,
                        use_cache=True, logits_to_keep=1)
        cache = prefill.past_key_values
        cache.batch_repeat_interleave(len(titles))
        mask = torch.cat([torch.ones(len(titles), len(prompt_ids), dtype=title_mask.dtype, device=device),
                          title_mask], dim=1)
        positions = torch.arange(len(prompt_ids), len(prompt_ids) + longest, device=device).expand(len(titles), -1)
        hidden = backbone(input_ids=batch, attention_mask=mask, position_ids=positions, past_key_values=cache,
                          use_cache=True).last_hidden_state
        logits = head(hidden[rows, cols]).float()
        if softcap:  # Gemma 2: the same capping as the model's own forward
            logits = torch.tanh(logits / softcap) * softcap
        picked = torch.log_softmax(logits, dim=-1).gather(1, targets[:, None])[:, 0].cpu().numpy()
        first = torch.log_softmax(prefill.logits[0, -1].float(), dim=-1).cpu().numpy()  # every title's first token
    totals = np.array([first[ids[0]] for ids in title_ids], dtype=np.float64)
    np.add.at(totals, rows.cpu().numpy(), picked)
    return totals / np.array([len(ids) for ids in title_ids])


def score_titles_separately(model, tokenizer, prompt: str, titles: list[str]) -> np.ndarray:
    """The same scores from one full forward pass per title (the reference, and the slow way)."""
    import torch

    prompt_ids, title_ids = _encode(tokenizer, prompt, titles)
    scores = []
    with torch.inference_mode():
        for ids in title_ids:
            logits = model(input_ids=torch.tensor([prompt_ids + ids], device=model.device)).logits[0].float()
            logprobs = torch.log_softmax(logits[len(prompt_ids) - 1:-1], dim=-1)
            scores.append(_mean_logprob(logprobs, ids))
    return np.array(scores)


def target_rank(scores) -> tuple[int, int]:
    """(candidates scored above the target, candidates tied with it): the target is candidate 0."""
    scores = np.asarray(scores, dtype=float)
    if np.isnan(scores).any():
        raise ValueError("candidate scores contain NaN")
    return int((scores > scores[0]).sum()), int((scores == scores[0]).sum()) - 1


def rank_metrics(rank: int) -> dict:
    """Recall@5, Recall@10 and NDCG@10 of one relevant item at a 0-based rank."""
    return {"recall@5": float(rank < 5), "recall@10": float(rank < 10),
            "ndcg@10": 1 / math.log2(rank + 2) if rank < 10 else 0.0}


def expected_rank_metrics(scores) -> dict:
    """rank_metrics averaged over every position the target can take among its ties, exactly: a tie
    is neither a hit nor a miss but its share of both (integer popularity counts and zero similarities
    tie often). Also the expected 0-based rank, as 'puesto'."""
    higher, ties = target_rank(scores)
    rows = [rank_metrics(higher + offset) for offset in range(ties + 1)]
    return {"puesto": higher + ties / 2, **{k: float(np.mean([row[k] for row in rows])) for k in rows[0]}}


def chance_metrics(candidates: int = NEGATIVES + 1) -> dict:
    """The expected rank_metrics when the target's rank is uniform over the candidates."""
    rows = [rank_metrics(r) for r in range(candidates)]
    return {k: float(np.mean([row[k] for row in rows])) for k in rows[0]}


def candidate_distribution(scores) -> np.ndarray:
    """Softmax over the candidates' scores: the model's distribution over candidate films."""
    scores = np.asarray(scores, dtype=float)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)
