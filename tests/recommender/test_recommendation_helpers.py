"""The public functions study 1 builds on: Recall@k, NDCG@k, title normalisation and matching."""

import math

import pytest

from helpers.metrics import ndcg_at_k, recall_at_k
from helpers.text import TitleIndex, match_title, parse_recommendations


def test_recall_at_k_by_hand():
    ranked = ["a", "x", "b", "y", "c"]
    assert recall_at_k(ranked, {"a", "b", "c"}, 1) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, ["a", "b", "c"], 3) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, {"a", "b", "c"}, 10) == 1.0
    assert recall_at_k(["a", "a", "a"], {"a", "b"}, 3) == 0.5  # a repeated hit counts once
    with pytest.raises(ValueError):
        recall_at_k(ranked, set(), 5)


def test_ndcg_at_k_by_hand():
    # hits at positions 2 and 4 with two relevant items: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "y", "b"], {"a", "b"}, 5) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 10) == 1.0
    assert ndcg_at_k(["x", "a"], {"a"}, 1) == 0.0
    # ideal DCG uses min(k, |relevant|): one hit at the top of k=1 with three relevant is perfect
    assert ndcg_at_k(["a", "x"], {"a", "b", "c"}, 1) == 1.0
    assert ndcg_at_k(["a", "a"], {"a", "b"}, 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


MESSY = """Claro, aquí tienes mis recomendaciones:
1. The Matrix (1999) - una película de ciencia ficción
2. **Toy Story**
3) "Amélie" (2001)
- Casablanca: un clásico
• El Padrino (The Godfather)
6. The Matrix
7. Star Wars: A New Hope
Espero que te gusten."""


def test_parse_recommendations_from_messy_model_text():
    assert parse_recommendations(MESSY) == ["The Matrix", "Toy Story", "Amélie", "Casablanca", "El Padrino",
                                            "Star Wars: A New Hope"]
    assert parse_recommendations(MESSY, limit=2) == ["The Matrix", "Toy Story"]
    assert parse_recommendations("No tengo recomendaciones.") == []


def test_match_title_with_threshold():
    catalogue = ["The Matrix", "Toy Story (1995)", "Amelie", "Godfather, The", "Star Wars"]
    assert match_title("the matrix", catalogue) == "The Matrix"
    assert match_title("Toy Story", catalogue) == "Toy Story (1995)"
    assert match_title("Amélie (2001)", catalogue) == "Amelie"
    assert match_title("The Godfather", catalogue) == "Godfather, The"
    assert match_title("Matrix", catalogue) == "The Matrix"
    assert match_title("Completely Unknown Film", catalogue) is None
    assert match_title("Matrix", catalogue, threshold=100) is None
    index = TitleIndex(catalogue)
    assert index.match_many(["Star Wars", "", "toy story"]) == ["Star Wars", None, "Toy Story (1995)"]
