"""Study 3's prompting and gpu-profile pieces: balanced shots, bias figures, Hub search, precision, Steam data."""

import inspect

import pandas as pd
import pytest

from helpers.sentiment.prompting import balanced_shots, prompt_scores, search_hub_models, skewed_shots
from helpers.sentiment.reviews import SentimentDataError, load_rotten_tomatoes, steam_frame, undersample


@pytest.fixture(scope="module")
def reviews():
    return load_rotten_tomatoes()


def test_balanced_shots_have_equal_classes_in_a_shuffled_order(reviews):
    shots = balanced_shots(reviews, 4, seed=0)
    assert sorted(label for _, label in shots) == ["negative", "negative", "positive", "positive"]
    orders = {tuple(label for _, label in balanced_shots(reviews, 6, seed)) for seed in range(8)}
    assert len(orders) > 1  # not always negatives first
    assert all(text in set(reviews["text"]) for text, _ in shots)


def test_uneven_shots_are_refused(reviews):
    with pytest.raises(ValueError, match="cannot be split equally"):
        balanced_shots(reviews, 5, seed=0)
    with pytest.raises(ValueError, match="only 1 'positive'"):
        balanced_shots(pd.DataFrame({"text": ["a", "b", "c"], "label": ["negative", "negative", "positive"]}), 4, 0)


def test_skewed_shots_reproduce_the_three_of_five_bias(reviews):
    shots = skewed_shots(reviews, {"negative": 3, "positive": 2}, seed=0)
    assert [label for _, label in shots].count("negative") == 3 and len(shots) == 5


def test_prompt_scores_by_hand():
    parsed = ["positive", "positive", None, "negative"]
    labels = ["positive", "negative", "negative", "negative"]
    scores = prompt_scores(parsed, labels)
    assert scores["accuracy"] == pytest.approx(2 / 4) and scores["parsed_share"] == pytest.approx(3 / 4)
    assert scores["accuracy_when_parsed"] == pytest.approx(2 / 3) and scores["answered_positive"] == pytest.approx(2 / 4)
    assert scores["positive_when_negative"] == pytest.approx(1 / 3) and scores["positive_when_positive"] == 1.0
    assert scores["correct"] == [1, 0, 0, 1]
    with pytest.raises(ValueError, match="one parsed answer per review"):
        prompt_scores(parsed[:3], labels)


class _FakeHub:
    """Records list_models' keyword arguments and answers with real ModelInfo objects."""

    def __init__(self):
        self.calls = []

    def list_models(self, **kwargs):
        from huggingface_hub import HfApi
        from huggingface_hub.hf_api import ModelInfo

        inspect.signature(HfApi.list_models).bind(None, **kwargs)  # TypeError on an argument the pinned hub lacks
        self.calls.append(kwargs)
        return [ModelInfo(id="FacebookAI/roberta-base", downloads=10, likes=3, pipeline_tag="fill-mask",
                          createdAt="2022-03-02T23:29:04.000Z", lastModified="2024-02-19T12:39:28.000Z")]


def test_hub_search_uses_arguments_the_pinned_huggingface_hub_accepts():
    from huggingface_hub import HfApi

    hub = _FakeHub()
    found = search_hub_models("fill-mask", limit=5, api=hub)
    assert found == [{"model": "FacebookAI/roberta-base", "task": "fill-mask", "downloads": 10, "likes": 3,
                      "created": "2022-03-02", "modified": "2024-02-19"}]
    assert hub.calls[0]["pipeline_tag"] == "fill-mask" and hub.calls[0]["sort"] == "downloads"
    with pytest.raises(TypeError):  # the original's call: the check above would catch it
        inspect.signature(HfApi.list_models).bind(None, task="text-classification")


def test_hub_search_offline_raises_an_oserror_the_notebook_catches(monkeypatch):
    from helpers.env import set_hub_offline

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    set_hub_offline(True)
    with pytest.raises(OSError):
        search_hub_models("fill-mask", limit=1)


def test_undersampling_cuts_the_larger_class_and_says_nothing_is_padded():
    frame = pd.DataFrame({"text": [f"r{i}" for i in range(12)], "label": ["negative"] * 3 + ["positive"] * 9,
                          "movie": [f"a{i}" for i in range(12)]})
    assert undersample(frame, seed=0)["label"].value_counts().to_dict() == {"negative": 3, "positive": 3}
    assert undersample(frame, seed=0, per_class=2)["label"].value_counts().to_dict() == {"negative": 2, "positive": 2}
    with pytest.raises(SentimentDataError, match="both classes"):
        undersample(frame[frame["label"] == "positive"], seed=0)


def test_steam_frame_reads_the_documented_review_dict():
    review_dict = {"reviews": {"11": {"review": "Great game", "voted_up": True, "author": {"steamid": "7"}},
                               "12": {"review": "  ", "voted_up": False, "author": {"steamid": "8"}},
                               "13": {"review": "Crashes", "voted_up": False, "author": {"steamid": "9"}}},
                   "query_summary": {"num_reviews": 3}}
    frame = steam_frame(review_dict)
    assert frame.to_dict("records") == [{"text": "Great game", "label": "positive", "movie": "7"},
                                        {"text": "Crashes", "label": "negative", "movie": "9"}]


def test_steam_without_its_package_says_what_to_do():
    from helpers.sentiment.reviews import load_steam_reviews

    with pytest.raises(SentimentDataError, match="pip install steamreviews"):
        load_steam_reviews(1091500, 10)


def test_report_to_reaches_the_training_arguments_and_bad_values_are_refused(tmp_path, monkeypatch):
    from helpers import tracking
    from helpers.sentiment.classifier import ClassifierRun, training_arguments

    monkeypatch.setattr(tracking, "installed", lambda name: True)  # tensorboard is an optional extra

    run = ClassifierRun("x", epochs=1)
    assert training_arguments(tmp_path, run, 8, 0).report_to == []
    assert training_arguments(tmp_path, run, 8, 0, report_to="tensorboard").report_to == ["tensorboard"]
    with pytest.raises(ValueError, match="REPORT_TO must be one of"):
        training_arguments(tmp_path, run, 8, 0, report_to="mlflow")
