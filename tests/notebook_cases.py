"""Small parameters each notebook runs with in the smoke harness, and what its metrics must show."""

import math


def check_template(metrics: dict) -> None:
    assert metrics["profile"] == "local"
    assert 1 <= metrics["new_tokens"] <= 24
    assert metrics["tokens_per_second"] > 0 and metrics["answer_chars"] > 0
    assert -1 <= metrics["similarity_unrelated"] < metrics["similarity_related"] <= 1


def check_film_recommender(metrics: dict) -> None:
    assert metrics["movies"] == 120 and metrics["movies_with_genres"] > 50
    assert metrics["backend_agreement"] >= 0.95 and metrics["mismatch_refused"] is True
    for name, rate in metrics["embedding_texts_per_second"].items():
        assert rate > 0, name
    lift = metrics["genre_lift_without_drama"]
    assert set(lift) == {"aleatorio", "TF-IDF", *metrics["embedders"]}
    assert all(low <= mean <= high for mean, low, high in lift.values())
    assert metrics["film_neighbours"]  # each model's nearest film to the examples, the film itself excluded
    assert all(film != neighbour for key, neighbour in metrics["film_neighbours"].items()
               for film in [key.split("|")[1]])
    assert metrics["prompts_per_language"]["es"] == metrics["prompts_per_language"]["en"] >= 1
    assert "BM25 (léxico)" in metrics["prompt_by_language"]
    examples = metrics["cosine_examples"]  # a and 3a, a and -a, perpendicular, then any pair
    assert [round(v, 6) for v in list(examples.values())[:3]] == [1.0, -1.0, 0.0]
    assert -1 <= metrics["film_cosine_range"][0] < metrics["film_cosine_range"][1] <= 1
    orders = metrics["cosine_euclidean_same_top10"]
    assert orders["unitarios"] == 1.0 and orders["sin normalizar"] < 1.0  # same order only for unit vectors
    assert metrics["bytes_round_trip_exact"] is True and metrics["float64_read_as_float32_refused"] is True
    assert metrics["float64_read_as_float32_values"] == 2 * 384  # MiniLM's 384 float64 values read as float32
    assert metrics["django_matches_store"] is True and len(metrics["django_headline"]) == 5
    assert metrics["the_pianist_in_catalogue"] is False
    for model, langs in metrics["prompt_by_language"].items():
        for lang, values in langs.items():
            assert all(0 <= low <= mean <= high <= 1 for mean, low, high in values.values()), (model, lang)


def check_rag(metrics: dict) -> None:
    assert metrics["manual_words"] > 50_000 and 0.2 < metrics["manual_english_share"] < 0.6
    assert metrics["questions"] == 10 and metrics["configurations"] == 10  # 2 chunkings x (BM25 + 2 embedders x 2)
    assert metrics["scoring"] == "majority" and len(metrics["chunkings"]) == 2
    for name, row in metrics["retrieval"].items():
        for key, (mean, low, high) in row.items():
            assert 0 <= low <= mean <= high <= 1, (name, key)
    for chunking, baseline in metrics["random_baseline"].items():
        assert 0 < baseline["hit@1"] <= baseline["hit@5"] <= baseline["hit@20"] < 1, chunking
    assert metrics["winner"] in (None, metrics["best_configuration"])
    assert metrics["cosine_euclidean_same_ranking"] == 1.0  # unit-length embeddings rank alike
    assert metrics["unnormalised_differ_share"] > 0
    assert metrics["answered_in_manual"] == 10 and metrics["answered_outside"] == 2
    (outcomes,) = metrics["citation_outcomes"].values()
    shares = [outcomes[k][0] for k in ("supported", "unsupported", "no_citation")]
    # Refusals are split by whether the prompt held the answer; each rate is over its own group.
    refusals = sum((outcomes[k][0] if outcomes[k] else 0) * outcomes[n]
                   for k, n in (("wrong_refusal", "gold_shown"), ("justified_refusal", "gold_missing")))
    assert outcomes["gold_shown"] + outcomes["gold_missing"] == outcomes["in_manual"] == 10
    assert abs(sum(shares) + refusals / outcomes["in_manual"] - 1) < 1e-9 and 0 <= outcomes["correct_refusal"][0] <= 1
    assert metrics["headline_multilingual_minus_bm25"]["embedder"] == "use-multilingual-v3"
    assert metrics["english_only_embedders"] == ["all-MiniLM-L6-v2"]
    assert metrics["judge_probes_pass"] is True and metrics["english_chunks"] > 100


def check_whatsapp(metrics: dict) -> None:
    assert metrics["private_chat"] is False and metrics["budget"]["max_steps"] == 2
    assert metrics["chats"] == 1 and metrics["people"] == 2 and metrics["plain_format"] is False
    assert metrics["dropped"]["media"] > 0 and metrics["dropped"]["system"] >= 1
    roles = {"persona_1", "persona_2"}
    for role in roles:
        assert metrics["train_examples"][role] > metrics["test_examples"][role] > 0
        assert metrics["eval_replies"][role] == 4 and metrics["generated_replies"][role] == 2
    assert set(metrics["perplexity"]) == {"base", *roles}  # the 3x2 cross matrix
    for cells in metrics["perplexity"].values():
        assert set(cells) == roles and all(1 < low <= p <= high for p, low, high in cells.values())
    for effect in metrics["persona_effect"].values():
        assert effect["low"] <= effect["mean"] <= effect["high"] and effect["n"] == 4
    for cells in metrics["attribution"].values():
        assert set(cells) == {"real (techo)", "base", "adaptador propio"}
        assert all(0 <= low <= share <= high <= 1 for share, low, high in cells.values())
        assert cells["real (techo)"][0] > 0.8  # the demo's personas are told apart on real replies
    assert len(metrics["style"]) == 6 and metrics["attribution_chance"] == 0.5
    assert metrics["persons_trained"] == ["persona_1", "persona_2"] and metrics["generator_comparison"] is None
    assert "pooled" in metrics["perplexity_definition"]
    # Reloaded from disk (adapter + tokenizer, and the merged copy), the model scores replies as in memory.
    assert metrics["reload"]["adapter_max_nll_difference"] < 1e-3 and metrics["reload"]["merged_max_nll_difference"] < 1e-3


def check_sentiment(metrics: dict) -> None:
    assert metrics["dataset"] == "rotten_tomatoes"
    split = metrics["split"]
    assert split["shared_groups"] == 0 and split["group"] == "movie"  # no movie on two sides
    assert split["train"]["groups"] > split["validation"]["groups"] > 50 and split["test"]["groups"] > 50
    assert sum(split[p]["reviews"] for p in ("train", "validation", "test")) == 12_808
    test = metrics["baselines"]["test"]
    assert 0.5 <= test["majority_accuracy"] <= 0.65 and test["reviews_of_movies_seen_in_training"] == 0
    assert test["per_movie_majority_accuracy"] == test["majority_accuracy"]  # without a leak it adds nothing
    configurations = metrics["configurations"]
    assert len(configurations) == 7 + 1 + 1  # 5 LoRA + all-linear + full on MiniLM, frozen, MPNet's chosen one
    for name, figures in configurations.items():
        seeds = 1 if "congelado" in name else 2
        assert figures["validation"]["seeds"] == figures["test"]["seeds"] == seeds, name
        for part in ("validation", "test"):
            assert 0 <= figures[part]["accuracy_mean"] <= 1 and figures[part]["accuracy_sd"] >= 0, name
            assert 0 <= figures[part]["macro_f1_mean"] <= 1, name
        assert figures["test_accuracy_low"] <= figures["test"]["accuracy_mean"] <= figures["test_accuracy_high"]
    assert [b["n_train"] for b in metrics["budgets"].values()] == [200, 64]
    assert len(metrics["comparisons"]) == 7  # the chosen one against the other six and the frozen baseline
    for comparison in metrics["comparisons"].values():
        assert all(0 <= t["p_value"] <= 1 for t in comparison["mcnemar"].values())
        assert comparison["by_movie"]["low"] <= comparison["by_movie"]["mean"] <= comparison["by_movie"]["high"]
    assert set(metrics["prompting"]) == {"zero-shot", "few-shot (2, equilibrado)", "diagnóstico: few-shot (5, 3 negativos)"}
    for mode in metrics["prompting"].values():
        assert 0 <= mode["answered_positive"] <= mode["parsed_share"] <= 1 and 0 <= mode["accuracy"] <= 1
    assert metrics["prompting"]["zero-shot"]["reviews"] == 8
    assert set(metrics["prompting_custom_correct"]) == {"zero-shot", "few-shot (2, equilibrado)"}


def check_movie_recommender(metrics: dict) -> None:
    assert metrics["data"] == "movielens-templates" and metrics["dialogues"] > 900
    users = metrics["users"]
    assert users["train"] > 8 * users["test"] > 0 and metrics["test_dialogues"] == 3
    assert metrics["missing_items"] == 0
    strategies = {"zero-shot", "few-shot", "LoRA", "popularidad", "similitud"}
    ranking, generative = metrics["protocols"]["ranking"], metrics["protocols"]["generative"]
    assert ranking["chance"]["recall@10"] == 0.5 and ranking["candidates"] == 20 and ranking["test_dialogues"] == 3
    assert generative["test_dialogues"] == 2 and generative["match_threshold"] == 80
    assert set(ranking["strategies"]) == strategies and set(generative["strategies"]) == strategies | {"LoRA restringida"}
    assert generative["strategies"]["LoRA restringida"]["out_of_catalogue"] == 0  # every constrained title exists
    for protocol, pairs in ((ranking, 10), (generative, 15)):
        for name, figures in protocol["strategies"].items():
            for key in ("recall@5", "recall@10", "ndcg@10"):
                assert 0 <= figures[key]["low"] <= figures[key]["mean"] <= figures[key]["high"] <= 1, (name, key)
            assert figures["recall@10"]["mean"] >= figures["recall@5"]["mean"], name
        assert len(protocol["paired_differences"]) == pairs  # every pair of the strategies
        for pair in protocol["paired_differences"].values():
            assert pair["recall@10"]["low"] <= pair["recall@10"]["mean"] <= pair["recall@10"]["high"]
    for name, figures in generative["strategies"].items():
        if name not in ("popularidad", "similitud"):
            assert 0 <= figures["out_of_catalogue"] <= 1 and 0 <= figures["from_shown_history"] <= 1, name
    uncertainty = metrics["uncertainty"]
    assert uncertainty["dialogues"] == 2 and uncertainty["total"] > 0
    assert uncertainty["total"] >= uncertainty["epistemic"] - 1e-9 and uncertainty["aleatoric"] >= 0
    assert uncertainty["total"] <= math.log(20) + 1e-9
    assert all(seconds > 0 for seconds in metrics["seconds_per_dialogue"].values())
    assert metrics["lora"]["steps"] == 2 and metrics["lora"]["examples_per_step"] == 1


CASES = {
    "00_template": {"parameters": {"MAX_NEW_TOKENS": 24}, "check": check_template},
    "01_gemma_movie_recommender": {
        "parameters": {"N_TEST": 3, "N_GENERATE": 2, "N_LISTS": 1, "MAX_NEW_TOKENS": 20, "N_SHOT_USERS": 1,
                       "HISTORY_ITEMS": 3, "MAX_STEPS": 2, "BATCH_SIZE": 1, "GRAD_ACCUM": 1, "MAX_LENGTH": 256,
                       "N_UNCERTAINTY": 2, "BOOTSTRAP": 200, "BATCH_DIALOGUES": 3},
        "check": check_movie_recommender,
        "files": ["loss.png", "paired_ranking.png", "paired_generative.png", "uncertainty.png", "session.dill",
                  "adapter/loss_history.json"],
    },
    "02_whatsapp_persona_chatbot": {
        "parameters": {"MAX_STEPS": 2, "BATCH_SIZE": 1, "GRAD_ACCUM": 1, "N_EVAL": 4, "N_SAMPLES": 2,
                       "PREDEFINED_PROMPTS": ["Hola, ¿qué tal estás?"], "MAX_NEW_TOKENS": 12, "MAX_LENGTH": 128},
        "check": check_whatsapp,
        "files": ["loss.png", "style.png", "adapter_1/tokenizer.json", "merged_1/config.json"],
    },
    "03_lora_sentiment": {
        "parameters": {"N_TRAIN": {"local": {"encoder": 200, "encoder_alt": 64}, "gpu": {"encoder": 200, "encoder_alt": 64}},
                       "FULL_SWEEP": {"local": ["encoder"], "gpu": ["encoder"]}, "N_EVAL": 100,
                       "ENCODER_ROLES": {p: ["encoder", "encoder_alt"] for p in ("local", "gpu")},
                       "EXTRA_CONFIGS": {"local": True, "gpu": True}, "MAX_STEPS": 3,
                       "BATCH_SIZE": 8, "SEEDS": [0, 1], "N_PROMPT": 8, "N_SHOTS": 2, "N_BIAS": 4, "PROMPT_BATCH": 4},
        "check": check_sentiment,
    },
    "04_rag_bash_manual": {
        "parameters": {"CHUNKINGS": {"secciones ≤300": ["secciones", 300, 0], "tokens 250/50": ["tokens", 250, 50]},
                       "N_QUESTIONS": 10, "N_OUTSIDE": 2, "TOP_K": 2, "RETRIEVAL_KS": [1, 5, 20],
                       "GENERATORS": [["generator", 0]], "MAX_NEW_TOKENS": 16},
        "check": check_rag,
    },
    # The workshop pair runs through the grader instead (tests/test_workshop.py).
    "05_chatbot_workshop": {"graded": "fails all five exercises until students fill them in"},
    "05_chatbot_workshop_solutions": {"graded": "passes every check"},
    "06_embeddings_movie_recommender": {
        "parameters": {"N_MOVIES": 120, "EMBEDDER_ROLES": {p: ["embedder", "embedder_multilingual"] for p in ("local", "gpu")}, "API_EMBEDDERS": False,
                       "DEMO_PROMPTS": ["película de un pianista"]},
        "check": check_film_recommender,
    },
}
