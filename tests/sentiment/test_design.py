"""Study 3's design: movie-grouped splits, model-free baselines, run keys that change with every setting."""

import json
from dataclasses import replace

import pandas as pd
import pytest

from helpers.sentiment.classifier import ClassifierRun
from helpers.sentiment.design import (
    group_majority_baseline,
    grouped_split,
    majority_baseline,
    run_key,
    shared_groups,
    split_summary,
)
from helpers.sentiment.reviews import SentimentDataError, load_rotten_tomatoes, stratified_split
from helpers.sentiment.runs import cached_run, run_settings


@pytest.fixture(scope="module")
def reviews():
    return load_rotten_tomatoes()


def test_grouped_split_shares_no_movie_and_keeps_every_review(reviews):
    train, validation, test = grouped_split(reviews, 0.15, 0.15, seed=0)
    assert shared_groups(train, validation, test) == set()
    assert len(train) + len(validation) + len(test) == len(reviews)
    summary = split_summary(train, validation, test)
    assert summary["shared_groups"] == 0
    movies = reviews["movie"].nunique()
    assert summary["test"]["groups"] == round(0.15 * movies) == summary["validation"]["groups"]
    assert summary["train"]["groups"] + 2 * summary["test"]["groups"] == movies


def test_grouped_split_is_reproducible_and_seed_dependent(reviews):
    first = grouped_split(reviews, 0.15, 0.15, seed=1)[2]
    assert first["text"].tolist() == grouped_split(reviews, 0.15, 0.15, seed=1)[2]["text"].tolist()
    assert set(first["movie"]) != set(grouped_split(reviews, 0.15, 0.15, seed=2)[2]["movie"])


def test_the_old_sentence_split_leaks_movies_and_the_check_sees_it(reviews):
    train, test = stratified_split(reviews, 0.2, seed=0)
    leaked = shared_groups(train, test)
    assert len(leaked) > 0.9 * test["movie"].nunique()  # nearly every test movie was in training
    assert split_summary(train, test.iloc[:0], test)["shared_groups"] == len(leaked)


def test_per_movie_majority_measures_the_leak_and_adds_nothing_without_it(reviews):
    train, test = stratified_split(reviews, 0.2, seed=0)
    leaky = group_majority_baseline(train, test)
    assert leaky["accuracy"] > majority_baseline(train, test)["accuracy"] + 0.1  # 0.73 against 0.58
    train, _, test = grouped_split(reviews, 0.15, 0.15, seed=0)
    clean = group_majority_baseline(train, test)
    assert clean["reviews_of_seen_groups"] == 0
    assert clean["accuracy"] == majority_baseline(train, test)["accuracy"]


def test_baselines_on_a_hand_made_split():
    train = pd.DataFrame({"text": list("abcde"), "movie": ["m1", "m1", "m1", "m2", "m2"],
                          "label": ["negative", "negative", "positive", "positive", "positive"]})
    test = pd.DataFrame({"text": list("fgh"), "movie": ["m1", "m2", "m3"], "label": ["negative", "negative", "positive"]})
    assert majority_baseline(train, test)["label"] == "positive"
    assert majority_baseline(train, test)["accuracy"] == pytest.approx(1 / 3)  # says positive three times
    per_movie = group_majority_baseline(train, test)  # m1 -> negative, m2 -> positive, m3 unseen -> positive
    assert per_movie["predicted"] == [0, 1, 1] and per_movie["accuracy"] == pytest.approx(2 / 3)
    assert per_movie["reviews_of_seen_groups"] == 2


@pytest.mark.parametrize("frame, sizes, message", [
    (pd.DataFrame({"text": ["a"], "label": ["positive"]}), (0.1, 0.1), "column 'movie' is missing"),
    (pd.DataFrame({"text": ["a", "b"], "label": ["positive"] * 2, "movie": ["m", None]}), (0.1, 0.1), "have no 'movie'"),
    (pd.DataFrame({"text": ["a", "b"], "label": ["positive"] * 2, "movie": ["m", "n"]}), (0.1, 0.1), "at least 3"),
    (pd.DataFrame({"text": list("abc"), "label": ["positive"] * 3, "movie": list("mno")}), (0.5, 0.5), "leave room"),
])
def test_bad_split_inputs_are_refused(frame, sizes, message):
    with pytest.raises((SentimentDataError, ValueError), match=message):
        grouped_split(frame, *sizes, seed=0)


BASE = {"n_train": 100, "batch_size": 8, "max_length": 128, "max_steps": -1, "dataset": "steam",
        "steam_app_id": 1091500, "split_seed": 0, "validation_size": 0.15, "test_size": 0.15, "report_to": "none"}
CHANGED = {"n_train": 101, "batch_size": 16, "max_length": 256, "max_steps": 5, "dataset": "rotten_tomatoes",
           "steam_app_id": 570, "split_seed": 1, "validation_size": 0.2, "test_size": 0.1, "report_to": "tensorboard"}
RUN = ClassifierRun("r8 a32 QV", 8, 32, "qv", 2, 1e-3)
FRAMES = [pd.DataFrame({"text": ["good", "bad"], "label": ["positive", "negative"], "movie": ["m", "n"]})]


def _key(model="all-MiniLM-L6-v2", run=RUN, seed=0, frames=FRAMES, **changes):
    return run_key(run_settings(model, run, seed, **(BASE | changes)), *frames)


@pytest.mark.parametrize("setting", sorted(CHANGED))
def test_every_run_setting_changes_the_key(setting):
    assert set(CHANGED) == set(BASE)  # no setting of run_settings left untested
    assert _key(**{setting: CHANGED[setting]}) != _key()


@pytest.mark.parametrize("change", [{"r": 4}, {"alpha": 16}, {"parts": "qkv"}, {"epochs": 1}, {"learning_rate": 5e-4},
                                    {"name": "other"}])
def test_every_configuration_field_the_seed_the_model_and_the_data_change_the_key(change):
    assert _key(run=replace(RUN, **change)) != _key()
    assert _key(seed=1) != _key() and _key(model="all-mpnet-base-v2") != _key()
    other = [FRAMES[0].assign(label=["negative", "negative"])]
    assert _key(frames=other) != _key() and _key() == _key()


def test_steam_app_id_only_matters_for_steam_data():
    assert _key(dataset="rotten_tomatoes", steam_app_id=1) == _key(dataset="rotten_tomatoes", steam_app_id=2)
    assert _key(steam_app_id=1) != _key(steam_app_id=2)


def test_a_saved_run_is_reused_only_with_its_exact_settings(tmp_path):
    settings = run_settings("no-such-model", RUN, 0, **BASE)
    key = run_key(settings, FRAMES[0], FRAMES[0])
    (tmp_path / f"{key}.json").write_text(json.dumps({"key": key, "config": "saved"}))
    reused = cached_run(tmp_path, settings, FRAMES[0], {"test": FRAMES[0]}, [], tmp_path / "trainer")
    assert reused["config"] == "saved" and reused["cached"]
    other = run_settings("no-such-model", RUN, 0, **(BASE | {"max_length": 64}))
    with pytest.raises(Exception, match="no-such-model"):  # not reused: it tries to train and the model is unknown
        cached_run(tmp_path, other, FRAMES[0], {"test": FRAMES[0]}, [], tmp_path / "trainer")
