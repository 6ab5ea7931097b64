"""Study 04's fair retrieval scoring, exact random baseline, winner rule and answer runs."""

import json

import numpy as np
import pytest

from helpers.rag.evaluation import (
    answer_set,
    first_relevant_ranks,
    gold_share,
    is_relevant,
    load_questions,
    per_question,
    random_baseline,
    random_expectation,
    separated_winner,
)
from helpers.rag.runs import answer_questions
from helpers.retrieval import Chunk

LONG = Chunk("w " * 10, ("A", "B"), (0.1, 0.9))  # touches A with a tenth of its words


def test_majority_and_share_scoring_do_not_reward_a_chunk_for_touching_a_section():
    assert is_relevant(LONG, ["A"], "any")
    assert not is_relevant(LONG, ["A"], "majority") and not is_relevant(LONG, ["A"], "share")
    assert is_relevant(LONG, ["B"], "majority") and is_relevant(LONG, ["B"], "share")
    assert gold_share(Chunk("x", ("B / sub", "C"), (0.6, 0.4)), ["B"]) == 0.6
    with pytest.raises(ValueError, match="scoring must be one of"):
        is_relevant(LONG, ["A"], "touch")


def test_random_expectation_is_exact():
    # 1 relevant chunk of 4: hit@1 = 1/4, hit@2 = 1/2, MRR = mean of 1/rank over its 4 places.
    expected = random_expectation(4, 1, ks=(1, 2), depth=10)
    assert expected["hit@1"] == pytest.approx(0.25) and expected["hit@2"] == pytest.approx(0.5)
    assert expected["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)
    rng = np.random.default_rng(0)  # and agrees with a simulation for 3 relevant of 20
    ranks = [np.flatnonzero(rng.permutation(20) < 3)[0] + 1 for _ in range(20000)]
    simulated = random_expectation(20, 3, ks=(5,), depth=10)
    assert simulated["hit@5"] == pytest.approx(np.mean(np.array(ranks) <= 5), abs=0.01)
    assert simulated["mrr"] == pytest.approx(np.mean([1 / r if r <= 10 else 0 for r in ranks]), abs=0.01)
    assert random_expectation(5, 0, ks=(1,))["hit@1"] == 0.0


def test_random_baseline_depends_on_the_chunking():
    questions = [{"question": "q", "sections": ["A"]}]
    few = [Chunk("a", ("A",), (1.0,)), Chunk("b", ("B",), (1.0,))]
    many = few + [Chunk(str(i), ("C",), (1.0,)) for i in range(8)]
    assert random_baseline(few, questions, ks=(1,))["hit@1"] == 0.5
    assert random_baseline(many, questions, ks=(1,))["hit@1"] == pytest.approx(0.1)


class FixedRanking:
    def __init__(self, order):
        self.order = order

    def search(self, question, top_k, query_vector=None):
        return [(i, 1.0) for i in self.order[:top_k]]


def test_first_relevant_ranks_and_per_question_values():
    chunks = [Chunk("x", ("B",), (1.0,)), LONG, Chunk("y", ("A",), (1.0,))]
    questions = [{"question": "q", "sections": ["A"]}, {"question": "r", "sections": ["Z"]}]
    assert first_relevant_ranks(FixedRanking([0, 1, 2]), chunks, questions).tolist() == [3, 0]
    assert first_relevant_ranks(FixedRanking([0, 1, 2]), chunks, questions, scoring="any").tolist() == [2, 0]
    values = per_question(np.array([3, 0, 1]), ks=(1, 3))
    assert values["hit@1"].tolist() == [0, 0, 1] and values["hit@3"].tolist() == [1, 0, 1]
    assert values["mrr"].tolist() == pytest.approx([1 / 3, 0, 1])


def test_a_winner_is_named_only_when_the_paired_interval_excludes_zero():
    rng = np.random.default_rng(1)
    strong, weak = np.ones(40), rng.integers(0, 2, 40) * 0.5
    best, winner, gap = separated_winner({"weak": weak, "strong": strong})
    assert best == winner == "strong" and gap["separated"]
    noisy = np.where(np.arange(40) % 2 == 0, 1.0, 0.0)
    best, winner, _ = separated_winner({"a": noisy, "b": noisy[::-1].copy()})
    assert winner is None


def test_answer_set_covers_every_labelled_and_every_outside_question(tmp_path):
    data = load_questions()
    items = answer_set(data)
    inside = [q for q in items if q["in_manual"]]
    outside = [q for q in items if not q["in_manual"]]
    assert len(inside) == len(data["questions"]) and len(outside) >= 10
    assert all(q["sections"] == [] for q in outside)
    bad = dict(data, outside_questions=[{"question": "¿cd?", "in_manual": True}])
    (tmp_path / "q.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="outside question 0 needs"):
        load_questions(tmp_path / "q.json")


def test_answer_runs_resume_from_their_cache(tmp_path):
    cache = tmp_path / "answers.json"
    cache.write_text(json.dumps({"answers": {"q1": "a1"}, "tokens": 3, "seconds": 1.5}), encoding="utf-8")
    # Every answer is already there: the model is never called (None would fail if it were).
    answers, spent = answer_questions(None, None, [{"question": "q1"}], {"q1": ["f"]}, cache)
    assert answers == {"q1": "a1"} and spent == {"tokens": 3, "seconds": 1.5}
