"""Study 1: sampled lists generated in batched calls vs one call per list; vectorised title matching."""

import time
from pathlib import Path

from helpers.generation import generate
from helpers.paths import data_dir
from helpers.recommender.movielens_dialogues import DATASET
from helpers.recommender.recommend import completion_prompt
from helpers.recommender.redial import load_redial
from helpers.text import TitleIndex, normalize_title

DIALOGUES = 5  # dialogues whose lists are generated in one call, as BATCH_DIALOGUES in notebook 01
LISTS = 3  # sampled lists per dialogue, as N_LISTS in the notebook
NEW_TOKENS = 120  # per list, as MAX_NEW_TOKENS in notebook 01
# Every title Gemma 3 270M wrote in the local run of study 01 (10 dialogues x 3 lists x 3 strategies).
REAL_TITLES = Path(__file__).parent / "data" / "generated_titles_gemma3_270m.txt"


def _data():
    return load_redial(data_dir() / DATASET / "redial")


def lists_batched_vs_per_list() -> dict:
    """Tokens per second: the lists of 5 dialogues in one shared-prefill call (as notebook 01 samples
    them) vs one `generate` call per list (as the original did); `generate` with
    num_return_sequences, which prefills every copy, is reported alongside."""
    from helpers.generation import sample_lists
    from helpers.models import load_causal_lm

    data = _data()
    dialogues = list(data.dialogues.values())[:DIALOGUES]
    prompts = [completion_prompt(data, d, 10, 10) for d in dialogues]
    model, tokenizer = load_causal_lm("gemma3-270m")
    sampling = {"chat": False, "max_new_tokens": NEW_TOKENS, "temperature": 0.7}
    generate(model, tokenizer, prompts[:1], **sampling | {"max_new_tokens": 4}, progress=False)  # warm-up
    single = [generate(model, tokenizer, [p], **sampling, progress=False) for p in prompts for _ in range(LISTS)]
    single_rate = sum(g.new_tokens for g in single) / sum(g.seconds for g in single)
    copies = generate(model, tokenizer, prompts, num_return_sequences=LISTS, batch_size=DIALOGUES, **sampling,
                      progress=False)
    shared = sample_lists(model, tokenizer, prompts, LISTS, **sampling)
    return {"recommender_list_batching": {
        "unit": "tokens/s", "baseline": single_rate, "candidate": shared.tokens_per_second,
        "ratio": shared.tokens_per_second / single_rate, "target": 3.0, "model": "gemma3-270m",
        "generate_num_return_sequences": copies.tokens_per_second,
        "dialogues": DIALOGUES, "lists": LISTS, "max_new_tokens": NEW_TOKENS}}


def title_matching() -> dict:
    """Seconds to match real generated titles: TitleIndex (exact hits, distinct keys, one cdist) vs a pairwise loop."""
    from rapidfuzz import fuzz

    catalogue = list(_data().item_map.values())
    candidates = REAL_TITLES.read_text(encoding="utf-8").splitlines()
    start = time.perf_counter()
    index = TitleIndex(catalogue)
    ours = index.match_many(candidates)
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    keys = [normalize_title(t) for t in catalogue]
    naive = []
    for candidate in candidates:
        key = normalize_title(candidate)
        scores = [fuzz.WRatio(key, other) for other in keys]
        best = max(range(len(keys)), key=scores.__getitem__)
        naive.append(catalogue[best] if scores[best] >= 80 else None)
    loop = time.perf_counter() - start
    agreement = sum(a == b for a, b in zip(ours, naive, strict=True)) / len(ours)
    return {"recommender_title_matching": {
        "unit": "s", "baseline": loop, "candidate": vectorised, "ratio": loop / vectorised, "target": 20.0,
        "candidates": len(candidates), "distinct": len(set(candidates)), "catalogue": len(catalogue),
        "agreement": agreement,
        "exact_hits": sum(normalize_title(t) in index.exact for t in candidates)}}


def candidate_scoring() -> dict:
    """Seconds to score 20 candidate titles after one dialogue's prompt (as notebook 01 ranks them):
    one prefill shared by all candidates vs one full forward pass per candidate; scores agree."""
    from helpers.models import load_causal_lm
    from helpers.recommender.ranking import score_titles, score_titles_separately

    data = _data()
    dialogue = list(data.dialogues.values())[0]
    prompt = completion_prompt(data, dialogue, 10, 10)
    titles = list(data.item_map.values())[:20]
    model, tokenizer = load_causal_lm("gemma3-270m")
    score_titles(model, tokenizer, prompt, titles[:2])  # warm-up
    start = time.perf_counter()
    shared = score_titles(model, tokenizer, prompt, titles)
    shared_seconds = time.perf_counter() - start
    start = time.perf_counter()
    separate = score_titles_separately(model, tokenizer, prompt, titles)
    separate_seconds = time.perf_counter() - start
    return {"recommender_candidate_scoring": {
        "unit": "s", "baseline": separate_seconds, "candidate": shared_seconds, "ratio": separate_seconds / shared_seconds,
        "target": 5.0, "model": "gemma3-270m", "candidates": len(titles),
        "prompt_tokens": len(tokenizer(prompt)["input_ids"]), "max_score_difference": float(abs(shared - separate).max())}}


def constrained_overhead() -> dict:
    """Seconds per generated token, greedy, 5 dialogues' lists: free vs constrained to the catalogue trie."""
    from helpers.generation import generate
    from helpers.models import load_causal_lm
    from helpers.recommender.constrained import TitleTrie, constrained_lists

    data = _data()
    prompts = [completion_prompt(data, d, 10, 8) for d in list(data.dialogues.values())[:DIALOGUES]]
    model, tokenizer = load_causal_lm("gemma3-270m")
    trie = TitleTrie(tokenizer, list(data.item_map.values()))
    generate(model, tokenizer, prompts[:1], chat=False, max_new_tokens=4, progress=False)  # warm-up
    free = generate(model, tokenizer, prompts, chat=False, max_new_tokens=60, batch_size=DIALOGUES, progress=False)
    _, seconds, tokens = constrained_lists(model, tokenizer, trie, prompts, 10, 60)
    per_token_free, per_token_constrained = free.seconds / max(free.new_tokens, 1), seconds / max(tokens, 1)
    return {"recommender_constrained_overhead": {
        "unit": "s/token", "baseline": per_token_free, "candidate": per_token_constrained,
        "ratio": per_token_free / per_token_constrained, "target": 0.8, "model": "gemma3-270m",
        "overhead_per_token_s": per_token_constrained - per_token_free, "titles": len(trie.titles)}}
