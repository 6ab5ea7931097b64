"""helpers.metrics.ndcg_at_k agrees with scikit-learn's ndcg_score, and the comparison would catch a wrong discount."""

import math

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from helpers.metrics import ndcg_at_k

# (ranking, relevant items, k); every ranking is at least k long and has no repeats.
CASES = [
    (list("abcdefghij"), {"a"}, 10),
    (list("abcdefghij"), {"j"}, 10),
    (list("abcdefghij"), {"b", "e"}, 10),
    (list("abcdefghij"), {"b", "e"}, 5),
    (list("abcdefghij"), {"c", "d", "h", "i"}, 3),
    (list("abcdefghij"), {"a", "b", "c"}, 10),
    (list("abcdefghij"), {"x", "c"}, 10),  # a relevant item the ranking never reaches
    (list("abcdefghijkl"), {"f", "k", "y", "z"}, 10),
    (list("abcdefghij"), {"z"}, 10),  # no hit at all
]


def sklearn_ndcg(ranking, relevant, k):
    """The same question for scikit-learn: ranked items score n..1; missing relevant ones come last."""
    missing = sorted(set(relevant) - set(ranking))
    items = list(ranking) + missing
    truth = np.array([[1.0 if item in relevant else 0.0 for item in items]])
    scores = np.array([[float(len(items) - position) for position in range(len(items))]])
    return ndcg_score(truth, scores, k=k)


def ndcg_with(discount, ranking, relevant, k):
    """Binary NDCG@k with another discount: how a wrong implementation would score."""
    dcg = sum(discount(p) for p, item in enumerate(ranking[:k], start=1) if item in relevant)
    ideal = sum(discount(p) for p in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


@pytest.mark.parametrize(("ranking", "relevant", "k"), CASES)
def test_ndcg_at_k_matches_sklearn(ranking, relevant, k):
    assert ndcg_at_k(ranking, relevant, k) == pytest.approx(sklearn_ndcg(ranking, relevant, k), abs=1e-12)


@pytest.mark.parametrize("discount", [
    lambda p: 1.0 / p,  # reciprocal rank instead of log2
    lambda p: 1.0 / math.log2(p + 2),  # off by one position
    lambda p: 1.0,  # no discount at all: precision, not NDCG
], ids=["reciprocal", "off-by-one", "none"])
def test_the_cross_check_catches_a_wrong_discount(discount):
    wrong = [abs(ndcg_with(discount, *case) - sklearn_ndcg(*case)) > 1e-6 for case in CASES]
    assert any(wrong)
    right = [abs(ndcg_with(lambda p: 1.0 / math.log2(p + 1), *case) - sklearn_ndcg(*case)) < 1e-12 for case in CASES]
    assert all(right)  # the reference formula itself agrees, so the difference is the discount's
