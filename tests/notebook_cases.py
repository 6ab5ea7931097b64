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


CASES = {
    "00_template": {"parameters": {"MAX_NEW_TOKENS": 24}, "check": check_template},
    "06_embeddings_movie_recommender": {
        "parameters": {"N_MOVIES": 120, "EMBEDDER_ROLES": ["embedder", "embedder_multilingual"],
                       "DEMO_PROMPTS": ["película de un pianista"]},
        "check": check_film_recommender,
    },
}
