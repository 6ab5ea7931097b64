"""Small parameters each notebook runs with in the smoke harness, and what its metrics must show."""


def check_template(metrics: dict) -> None:
    assert metrics["profile"] == "local"
    assert 1 <= metrics["new_tokens"] <= 24
    assert metrics["tokens_per_second"] > 0 and metrics["answer_chars"] > 0
    assert -1 <= metrics["similarity_unrelated"] < metrics["similarity_related"] <= 1


def check_film_recommender(metrics: dict) -> None:
    assert metrics["movies"] == 120 and metrics["movies_with_genres"] > 50
    assert metrics["backend_agreement"] >= 0.95 and metrics["mismatch_refused"] is True
    for name, rate in metrics["embedding_texts_per_second"].items():
        assert rate is None or rate > 0, name
    precision = metrics["genre_precision"]
    assert set(precision) == {"aleatorio", "TF-IDF", *metrics["embedders"]}
    assert all(0 <= value <= 1 for value in precision.values())
    assert metrics["prompts_evaluated"] >= 1
    assert all(0 <= value <= 1 for value in metrics["prompt_hit_at_5"].values())


def check_rag(metrics: dict) -> None:
    assert metrics["manual_words"] > 50_000 and 0.2 < metrics["manual_english_share"] < 0.6
    assert metrics["questions"] == 10 and metrics["configurations"] == 7  # BM25 + 2 embedders x 3
    for key in ("best_mrr", "best_hit_at_1", "best_hit_at_5", "bm25_best_mrr", "valid_citation_share",
                "outside_refusal_share"):
        assert 0 <= metrics[key] <= 1, key
    assert metrics["best_hit_at_5"] >= metrics["best_hit_at_1"]
    assert metrics["cosine_euclidean_same_ranking"] == 1.0  # unit-length embeddings rank alike
    assert metrics["answers"] == 2 and metrics["english_chunks"] > 100


def check_whatsapp(metrics: dict) -> None:
    assert metrics["private_chat"] is False and metrics["max_steps"] == 2
    assert metrics["dropped"]["media"] > 0 and metrics["dropped"]["system"] >= 1
    assert metrics["train_examples"] > metrics["test_examples"] > 0
    assert metrics["perplexity_base"] > 1 and metrics["perplexity_tuned"] > 1
    assert set(metrics["style"]) == {"real", "base", "ajustado"}
    assert all(0 <= metrics["style"]["real"][k] <= 1 for k in ("emoji_rate", "lowercase_rate", "question_rate"))


CASES = {
    "00_template": {"parameters": {"MAX_NEW_TOKENS": 24}, "check": check_template},
    "02_whatsapp_persona_chatbot": {
        "parameters": {"MAX_STEPS": 2, "BATCH_SIZE": 1, "GRAD_ACCUM": 1, "N_EVAL": 4, "N_SAMPLES": 2,
                       "PREDEFINED_PROMPTS": ["Hola, ¿qué tal estás?"], "MAX_NEW_TOKENS": 12, "MAX_LENGTH": 128},
        "check": check_whatsapp,
    },
    "04_rag_bash_manual": {
        "parameters": {"CHUNKINGS": {"palabras 300/100": [300, 100]}, "N_QUESTIONS": 10, "TOP_K": 2,
                       "GENERATORS": [["generator", 0]], "N_ORIGINAL_QUESTIONS": 1, "MAX_NEW_TOKENS": 24},
        "check": check_rag,
    },
    "06_embeddings_movie_recommender": {
        "parameters": {"N_MOVIES": 120, "EMBEDDER_ROLES": ["embedder", "embedder_multilingual"], "API_EMBEDDERS": False,
                       "DEMO_PROMPTS": ["película de un pianista"]},
        "check": check_film_recommender,
    },
}
