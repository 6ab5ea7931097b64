"""Study 1 candidate ranking: negatives, shared-prefill scores, ranks, chance level, wishes, prompts."""

import random

import numpy as np
import pytest

from helpers.recommender.movielens_dialogues import wishes
from helpers.recommender.ranking import (
    PromptPrefix,
    candidate_distribution,
    candidates_for,
    chance_metrics,
    check_candidates,
    expected_rank_metrics,
    prefill_shared_prefix,
    rank_metrics,
    sample_negatives,
    score_titles,
    score_titles_separately,
    target_rank,
)
from helpers.recommender.recommend import fine_tune_target, styled_prompt
from helpers.recommender.redial import Dialogue, RedialData

TITLES = ["Toy Story (1995)", "Fargo (1996)", "Heat (1995)", "The Usual Suspects (1995)", "Alien (1979)", "Se7en (1995)"]


def catalogue_data(n: int = 60) -> RedialData:
    items = {str(i): f"Film {i} ({1950 + i})" for i in range(1, n + 1)}
    dialogue = Dialogue("0", "u", [("User", "Hola"), ("Agent", "Prueba Film 30 (1980)")], ["1", "2"], ["3"], ["30"])
    return RedialData({"0": dialogue}, {"u": ["1", "2", "3", "29", "31"]}, {"u": ["32"]}, {"u": 0}, items)


def test_shared_prefill_scores_equal_one_forward_per_candidate(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    prompt = "Conversación: me gustan las comedias de los 90.\nRecomienda 10 películas.\n1."
    shared = score_titles(model, tokenizer, prompt, TITLES)
    separate = score_titles_separately(model, tokenizer, prompt, TITLES)
    assert shared.shape == (len(TITLES),) and np.isfinite(shared).all()
    assert np.allclose(shared, separate, atol=1e-4)
    # A different prompt gives different scores: the cache really carries the prompt.
    assert not np.allclose(score_titles(model, tokenizer, "Otro texto distinto.\n1.", TITLES), shared, atol=1e-4)


SHOTS = "Ejemplo 1:\nConversación: me gustan las comedias.\n1. Toy Story (1995)\n2. Fargo (1996)\n\nAhora tú:\n"


def test_a_shared_prefix_prefilled_once_gives_the_reference_scores_for_every_prompt(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    prompts = [SHOTS + "Conversación: quiero terror.\n1.", SHOTS + "Conversación: algo de ciencia ficción.\n1."]
    prefix = prefill_shared_prefix(model, tokenizer, prompts)
    assert prefix is not None and len(prefix.ids) >= len(tokenizer(SHOTS)["input_ids"]) - 1
    # Twice each, and a third prompt: scoring must copy the prefix's cache, never extend it in place.
    for prompt in [*prompts, *prompts, SHOTS + "Conversación: dibujos animados.\n1."]:
        assert np.allclose(score_titles(model, tokenizer, prompt, TITLES, prefix),
                           score_titles_separately(model, tokenizer, prompt, TITLES), atol=1e-4)
    # A prompt that does not start with the prefix's tokens is prefilled whole, not wrongly continued.
    other = "Otro texto.\n1."
    assert np.allclose(score_titles(model, tokenizer, other, TITLES, prefix),
                       score_titles_separately(model, tokenizer, other, TITLES), atol=1e-4)


def test_the_prefix_cache_is_really_used_and_unshared_prompts_get_none(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    prompt = SHOTS + "Conversación: quiero terror.\n1."
    prefix = prefill_shared_prefix(model, tokenizer, [prompt, SHOTS + "Conversación: un drama.\n1."])
    impostor = prefill_shared_prefix(model, tokenizer, ["x" * 40 + "a", "x" * 40 + "b"])  # another text's cache
    wrong = PromptPrefix(prefix.ids[:len(impostor.ids)], impostor.cache)
    assert not np.allclose(score_titles(model, tokenizer, prompt, TITLES, wrong),
                           score_titles_separately(model, tokenizer, prompt, TITLES), atol=1e-3)
    assert prefill_shared_prefix(model, tokenizer, ["Hola.\n1.", "Adiós.\n1."]) is None


def test_a_shared_prefix_longer_than_a_gemma3_sliding_window_scores_as_one_forward_per_title(tiny_causal_lm):
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    _, tokenizer = tiny_causal_lm
    torch.manual_seed(2)
    # Gemma 3's layout at toy scale: sliding-window layers (window 16 here, 512 in the 270M) and a global one.
    model = Gemma3ForCausalLM(Gemma3TextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, head_dim=8, sliding_window=16, layer_types=["sliding_attention"] * 2 + ["full_attention"],
        pad_token_id=tokenizer.pad_token_id)).eval()
    prompts = [SHOTS * 3 + "Conversación: quiero terror.\n1.", SHOTS * 3 + "Conversación: un western.\n1."]
    prefix = prefill_shared_prefix(model, tokenizer, prompts)
    assert len(prefix.ids) > 3 * 16  # the sliding layers kept only the window: the continuation must still agree
    for prompt in prompts:
        assert np.allclose(score_titles(model, tokenizer, prompt, TITLES, prefix),
                           score_titles_separately(model, tokenizer, prompt, TITLES), atol=1e-4)
    # The window matters at this length: the same weights attending to everything score otherwise.
    unwindowed = Gemma3ForCausalLM(Gemma3TextConfig(**(model.config.to_dict() | {"sliding_window": 4096}))).eval()
    unwindowed.load_state_dict(model.state_dict())
    assert not np.allclose(score_titles_separately(unwindowed, tokenizer, prompts[0], TITLES),
                           score_titles(model, tokenizer, prompts[0], TITLES, prefix), atol=1e-4)


def test_shared_prefill_equals_the_reference_through_lora_and_logit_softcapping(tiny_causal_lm):
    import copy

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Gemma2Config, Gemma2ForCausalLM

    _, tokenizer = tiny_causal_lm
    torch.manual_seed(1)
    capped = Gemma2ForCausalLM(Gemma2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                            head_dim=8, final_logit_softcapping=2.0,
                                            pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False)).eval()
    capped.lm_head.weight.data *= 100  # logits of a few units, so that a cap of 2 changes them
    # A copy: get_peft_model injects the (random, non-zero) adapter in place, and the fixture is shared by the session.
    lora = get_peft_model(copy.deepcopy(tiny_causal_lm[0]), LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
                                                                       init_lora_weights=False)).eval()
    prompt = "Conversación: quiero algo de terror.\n1."
    for model in (capped, lora):
        assert np.allclose(score_titles(model, tokenizer, prompt, TITLES),
                           score_titles_separately(model, tokenizer, prompt, TITLES), atol=1e-4)
    # The cap matters at this scale: scoring without it would not match the model's own forward.
    capped.config.final_logit_softcapping = None
    uncapped = score_titles(capped, tokenizer, prompt, TITLES)
    capped.config.final_logit_softcapping = 2.0
    assert not np.allclose(uncapped, score_titles_separately(capped, tokenizer, prompt, TITLES), atol=1e-3)


def test_negatives_are_unseen_unmentioned_and_near_the_target_in_popularity():
    data = catalogue_data()
    ranked = [str(i) for i in range(1, 61)]  # popularity order
    candidates = candidates_for(data, data.dialogues["0"], ranked, seed=0, n=19)
    assert candidates[0] == "30" and len(set(candidates)) == 20
    assert not set(candidates[1:]) & {"1", "2", "3", "29", "31", "32", "30"}
    assert all(abs(int(c) - 30) <= 30 for c in candidates[1:])
    assert candidates == candidates_for(data, data.dialogues["0"], ranked, seed=0, n=19)
    assert candidates != candidates_for(data, data.dialogues["0"], ranked, seed=1, n=19)


def test_check_candidates_rejects_the_target_a_mentioned_film_or_a_repeat():
    check_candidates("30", ["4", "5"], {"1", "2"})
    with pytest.raises(ValueError, match="target"):
        check_candidates("30", ["4", "30"], {"1"})
    with pytest.raises(ValueError, match="seen or mentioned"):
        check_candidates("30", ["4", "1"], {"1"})
    with pytest.raises(ValueError, match="repeat"):
        check_candidates("30", ["4", "4"], set())
    with pytest.raises(ValueError, match="unseen items"):
        sample_negatives("30", [str(i) for i in range(1, 10)], {str(i) for i in range(1, 8)}, seed=0, n=5)


def test_rank_ties_and_chance_level():
    assert target_rank([0.5, 0.1, 0.9, 0.2]) == (1, 0)
    assert target_rank([1.0, 2.0, 1.0, 1.0]) == (1, 2)
    with pytest.raises(ValueError, match="NaN"):
        target_rank([float("nan"), 0.1])
    assert rank_metrics(0) == {"recall@5": 1.0, "recall@10": 1.0, "ndcg@10": 1.0}
    assert rank_metrics(10) == {"recall@5": 0.0, "recall@10": 0.0, "ndcg@10": 0.0}
    chance = chance_metrics(20)
    assert chance["recall@10"] == 0.5 and chance["recall@5"] == 0.25 and 0.2 < chance["ndcg@10"] < 0.3
    # Simulated random scorers land on the chance level.
    rng = np.random.default_rng(0)
    recalls = [expected_rank_metrics(rng.normal(size=20))["recall@10"] for _ in range(4000)]
    assert abs(np.mean(recalls) - 0.5) < 0.03
    assert np.allclose(candidate_distribution(np.array([[0.0, np.log(3)]])), [[0.25, 0.75]])


def test_a_tie_with_the_target_counts_its_expected_share_exactly():
    """The old rule drew one tied position per dialogue (seeded, the same draw for the same number of
    ties): a popularity baseline whose 20 counts all tie scored 0 or 1, never the 0.5 it is."""
    all_tied = expected_rank_metrics([3.0] * 20)
    assert all_tied == {**chance_metrics(20), "puesto": 9.5}  # a constant scorer is exactly the chance level
    straddling = expected_rank_metrics([1.0] + [2.0] * 9 + [1.0] * 2 + [0.0] * 8)  # 9 above, 2 tied: places 9-11
    assert straddling["recall@10"] == pytest.approx(1 / 3) and straddling["recall@5"] == 0.0
    assert straddling["ndcg@10"] == pytest.approx((1 / np.log2(11)) / 3) and straddling["puesto"] == 10.0
    assert expected_rank_metrics([0.9, 0.1, 0.2]) == {"puesto": 0.0, **rank_metrics(0)}  # no tie: the plain rank


def test_wishes_describe_the_given_film():
    info = {"genres": ["Comedy", "Sci-Fi"], "director": "Woody Allen", "cast": ["Diane Keaton"]}
    texts = [" ".join(wishes(random.Random(s), info, "1973")) for s in range(30)]
    assert all("comedia" in t or "ciencia ficción" in t for t in texts)
    assert any("los 70" in t for t in texts) and any("Woody Allen" in t or "Diane Keaton" in t for t in texts)
    assert not any("los 90" in t for t in texts)
    assert wishes(random.Random(0), {}, "") == []


def test_every_strategy_prompt_ends_where_the_title_starts_and_training_never_rewards_copying():
    data = catalogue_data()
    dialogue = data.dialogues["0"]
    text = styled_prompt(None, data, dialogue, "completion", 10, 3)
    assert text.endswith("1.") and "Film 29" in text and "Film 30 (1980)" not in text
    with pytest.raises(ValueError, match="PROMPT_STYLE"):
        styled_prompt(None, data, dialogue, "chatty", 10, 3)
    target = fine_tune_target(data, dialogue, popular=["1", "29", "31", "4", "5", "6"], n=10)
    shown = set(data.history["u"]) | set(dialogue.likes) | set(dialogue.dislikes)
    assert target[:2] == ["30", "32"] and not set(target) & shown


def test_constrained_lists_hold_only_catalogue_titles_each_once(tiny_causal_lm):
    from helpers.generation import generate
    from helpers.recommender.constrained import TitleTrie, constrained_lists
    from helpers.text import TitleIndex, parse_recommendations

    model, tokenizer = tiny_causal_lm
    trie = TitleTrie(tokenizer, TITLES)
    prompts = ["Recomienda películas.\n1.", "Otra conversación distinta.\n1."]
    texts, seconds, tokens = constrained_lists(model, tokenizer, trie, prompts, n=4, max_new_tokens=60)
    index = TitleIndex(TITLES)
    for text in texts:
        titles = parse_recommendations(text, limit=10)
        assert len(titles) == 4 and len(set(titles)) == 4, text
        assert all(index.match(t, 100) in TITLES for t in titles), text
    assert seconds > 0 and tokens > 0
    # The same random model unconstrained writes no catalogue title: the constraint is what does it.
    free = generate(model, tokenizer, prompts, chat=False, max_new_tokens=30, progress=False).texts
    assert not any(index.match(t, 90) for text in free for t in parse_recommendations(text))


def test_trie_never_offers_a_used_or_unknown_title(tiny_causal_lm):
    from helpers.recommender.constrained import CatalogueConstraint, TitleTrie

    _, tokenizer = tiny_causal_lm
    trie = TitleTrie(tokenizer, TITLES[:2])
    first = tokenizer(" " + TITLES[0] + "\n", add_special_tokens=False)["input_ids"]
    constraint = CatalogueConstraint(trie, tokenizer, prompt_length=0, n=3)
    marker = tokenizer("2.", add_special_tokens=False)["input_ids"]
    assert constraint.state(first) == marker[:1]  # after a whole title, the next number is forced
    after = constraint.state(first + marker)
    second = tokenizer(" " + TITLES[1] + "\n", add_special_tokens=False)["input_ids"]
    assert after == [second[0]]  # only the unused title remains
    third = tokenizer("3.", add_special_tokens=False)["input_ids"]
    assert constraint.state(first + marker + second) == third[:1]
    assert constraint.state(first + marker + second + third) == [tokenizer.eos_token_id]  # catalogue exhausted
    unknown = tokenizer(" Nonexistent Film (2099)", add_special_tokens=False)["input_ids"]
    assert constraint.state(unknown) == [tokenizer.eos_token_id]


def test_the_summary_tables_are_per_strategy_paired_by_dialogue_and_in_spanish():
    import pandas as pd

    from helpers.recommender.tables import paired, summarise, table

    frame = pd.DataFrame([{"estrategia": s, "diálogo": d, "recall@10": float(hit)}
                          for s, hits in {"a": [1, 1, 1, 0], "b": [0, 0, 1, 0]}.items() for d, hit in enumerate(hits)])
    summary = summarise(frame, ["recall@10"], 500, 0)
    assert summary["a"]["recall@10"]["mean"] == 0.75 and summary["b"]["dialogues"] == 4
    difference = paired(frame, ["recall@10"], 500, 0)["a - b"]["recall@10"]
    assert difference["mean"] == 0.5 and difference["n"] == 4
    shown = table(summary, ["recall@10"])
    assert list(shown.columns) == ["recall@10", "diálogos"] and shown.index.name == "estrategia"
    assert shown.loc["a", "recall@10"].startswith("0.750 [")
