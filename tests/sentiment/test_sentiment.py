"""Study 3 pieces: review data and its checks, LoRA targets per encoder, metrics, the answer parser."""

import pandas as pd
import pytest

from helpers.sentiment.classifier import (
    ClassifierRun,
    classification_metrics,
    count_parameters,
    peft_config_for,
)
from helpers.sentiment.reviews import (
    LABELS,
    SentimentDataError,
    balanced_sample,
    load_rotten_tomatoes,
    parse_sentiment_answer,
    sentiment_prompt,
    stratified_split,
    validate_reviews,
)


def test_rotten_tomatoes_has_the_documented_labelled_snippets():
    reviews = load_rotten_tomatoes()
    assert len(reviews) == 12_808
    assert reviews["label"].value_counts().to_dict() == {"positive": 7_403, "negative": 5_405}
    validate_reviews(reviews, "rotten tomatoes")


def test_split_is_stratified_disjoint_and_reproducible():
    reviews = load_rotten_tomatoes()
    train, test = stratified_split(reviews, 0.2, seed=3)
    again, _ = stratified_split(reviews, 0.2, seed=3)
    assert len(test) == round(0.2 * len(reviews)) and train["text"].tolist() == again["text"].tolist()
    share = lambda frame: (frame["label"] == "positive").mean()  # noqa: E731
    assert abs(share(train) - share(test)) < 0.002
    assert not set(zip(train["text"], train["movie"], strict=False)) & set(zip(test["text"], test["movie"], strict=False)) - _duplicates(reviews)


def _duplicates(frame) -> set:
    counts = frame.groupby(["text", "movie"]).size()
    return set(counts[counts > 1].index)


def test_balanced_sample_takes_half_per_class():
    reviews = load_rotten_tomatoes()
    sample = balanced_sample(reviews, 100, seed=0)
    assert sample["label"].value_counts().to_dict() == {"negative": 50, "positive": 50}


def test_balanced_sample_returns_exactly_n_even_when_odd_or_a_class_is_short():
    assert sorted(balanced_sample(load_rotten_tomatoes(), 5, seed=1)["label"].value_counts().tolist()) == [2, 3]
    skewed = pd.DataFrame({"text": [f"r{i}" for i in range(12)], "label": ["negative"] * 2 + ["positive"] * 10})
    assert balanced_sample(skewed, 8, seed=0)["label"].value_counts().to_dict() == {"positive": 6, "negative": 2}


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"text": ["good", " ", "bad"], "label": ["positive", "positive", "negative"]}), "empty or missing text"),
    (pd.DataFrame({"text": ["good", None], "label": ["positive", "negative"]}), "rows [1]"),
    (pd.DataFrame({"text": ["good", "meh"], "label": ["positive", "neutral"]}), "['neutral'] are not among"),
    (pd.DataFrame({"text": ["good", "great"], "label": ["positive", "positive"]}), "has only ['positive']"),
    (pd.DataFrame({"review": ["good"]}), "needs columns 'text' and 'label'"),
])
def test_bad_review_data_is_refused_before_training(frame, message):
    with pytest.raises(SentimentDataError, match="test set") as error:
        validate_reviews(frame, "test set")
    assert message in str(error.value)


def _tiny(model_type: str):
    import transformers

    config_class, model_class = {
        "bert": ("BertConfig", "BertForSequenceClassification"),
        "mpnet": ("MPNetConfig", "MPNetForSequenceClassification"),
        "roberta": ("RobertaConfig", "RobertaForSequenceClassification"),
        "deberta-v2": ("DebertaV2Config", "DebertaV2ForSequenceClassification"),
    }[model_type]
    config = getattr(transformers, config_class)(vocab_size=100, hidden_size=16, num_hidden_layers=2,
                                                 num_attention_heads=2, intermediate_size=32, num_labels=2)
    return getattr(transformers, model_class)(config)


@pytest.mark.parametrize("model_type, targets", [
    ("bert", {"query", "value"}), ("mpnet", {"q", "v"}), ("roberta", {"query", "value"}),
    ("deberta-v2", {"query_proj", "value_proj"}),
])
def test_lora_lands_on_each_architectures_attention_and_keeps_the_head_trainable(model_type, targets):
    from peft import get_peft_model

    model = get_peft_model(_tiny(model_type), peft_config_for(_tiny(model_type), ClassifierRun("x", 4, 16, "qv")))
    adapted = {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if hasattr(module, "lora_A")}
    assert adapted == targets
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert any("lora_A" in name for name in trainable)
    assert any("classifier" in name and "lora" not in name for name in trainable)
    assert 0 < count_parameters(model)[0] < count_parameters(model)[1]


def test_classification_metrics_match_hand_computed_values():
    # true: 0 0 0 1 1 1 1 1; predicted: 0 1 0 1 1 0 1 1 -> TN 2, FP 1, FN 1, TP 4
    metrics = classification_metrics([0, 0, 0, 1, 1, 1, 1, 1], [0, 1, 0, 1, 1, 0, 1, 1])
    assert metrics["accuracy"] == pytest.approx(6 / 8)
    assert metrics["confusion"] == [[2, 1], [1, 4]]
    f1_negative, f1_positive = 2 / 3, 4 / 5  # precision = recall = 2/3 and 4/5
    assert metrics["macro_f1"] == pytest.approx((f1_negative + f1_positive) / 2)
    assert metrics["report"]["positive"]["recall"] == pytest.approx(4 / 5)


@pytest.mark.parametrize("answer, expected", [
    ("positive", "positive"), ("Negative.", "negative"), ("  POSITIVE\nBecause it is great", "positive"),
    ("Sentiment: negative", "negative"), ("**positive**", "positive"),
    ("The review is positive", None), ("positive or negative", None), ("", None), ("neutral", None),
    ("positively", None),
])
def test_prompt_answers_are_parsed_strictly(answer, expected):
    assert parse_sentiment_answer(answer) == expected


def test_few_shot_prompt_shows_examples_before_the_review():
    prompt = sentiment_prompt("Loved it", [("Awful", "negative"), ("Great", "positive")])
    assert prompt.index("Awful") < prompt.index("Great") < prompt.index("Loved it")
    assert prompt.endswith("Sentiment:") and prompt.count("Sentiment:") == 3
    assert all(label in prompt.splitlines()[0] for label in LABELS)


def test_model_description_reads_config_and_weights():
    from transformers import AutoConfig

    from helpers.registry import resolve
    from helpers.sentiment.reviews import describe_model

    folder = resolve("all-MiniLM-L6-v2").path
    described = describe_model(AutoConfig.from_pretrained(folder), folder, "Apache-2.0")
    assert described["architecture"] == "bert" and described["layers"] == 6 and described["heads"] == 12
    assert described["hidden_size"] == 384 and 22 < described["parameters_m"] < 23.5  # 22.7M in the model card
    assert 80 < described["size_mb"] < 100 and described["licence"] == "Apache-2.0"


def test_short_name_keeps_the_model_part_of_an_id():
    from helpers.sentiment.reviews import short_name

    assert [short_name(m) for m in ["FacebookAI/roberta-base", "all-mpnet-base-v2", "microsoft/deberta-v3-base"]] == [
        "roberta-base", "mpnet-base-v2", "deberta-v3-base"]
