"""Study 03's experimental design: splits grouped by movie, baselines that need no model, run keys."""

from helpers.io import content_hash, settings_key
from helpers.sentiment.reviews import SentimentDataError


def grouped_split(frame, validation_size: float, test_size: float, seed: int, group: str = "movie"):
    """(train, validation, test) with every group (movie) in exactly one part; sizes are shares of groups."""
    import numpy as np

    if group not in frame:
        raise SentimentDataError(f"grouped split: column {group!r} is missing (has {list(frame.columns)})")
    if frame[group].isna().any():
        raise SentimentDataError(f"grouped split: {int(frame[group].isna().sum())} rows have no {group!r}")
    if not (0 < validation_size < 1 and 0 < test_size < 1 and validation_size + test_size < 1):
        raise ValueError(f"validation_size {validation_size} and test_size {test_size} must be shares in (0, 1) "
                         "that leave room for training")
    groups = np.array(sorted(frame[group].unique(), key=str), dtype=object)
    if len(groups) < 3:
        raise SentimentDataError(f"grouped split: needs at least 3 distinct {group!r} values, found {len(groups)}")
    order = np.random.default_rng(seed).permutation(len(groups))
    n_test = max(1, round(test_size * len(groups)))
    n_validation = max(1, round(validation_size * len(groups)))
    test_groups = set(groups[order[:n_test]])
    validation_groups = set(groups[order[n_test:n_test + n_validation]])
    part = frame[group].map(lambda g: "test" if g in test_groups else "validation" if g in validation_groups
                            else "train")
    return tuple(frame[part == name].reset_index(drop=True) for name in ("train", "validation", "test"))


def shared_groups(*frames, group: str = "movie") -> set:
    """The groups that appear in more than one of the frames (empty when the split does not leak)."""
    seen, shared = set(), set()
    for frame in frames:
        values = set(frame[group])
        shared |= seen & values
        seen |= values
    return shared


def split_summary(train, validation, test, group: str = "movie") -> dict:
    """Reviews, groups and positive share per part, and the groups shared between parts (0 if no leak)."""
    parts = {"train": train, "validation": validation, "test": test}
    return {"group": group, "shared_groups": len(shared_groups(train, validation, test, group=group)),
            **{name: {"reviews": len(frame), "groups": int(frame[group].nunique()),
                      "positive_share": float((frame["label"] == "positive").mean())}
               for name, frame in parts.items()}}


def majority_baseline(train, evaluate) -> dict:
    """Predict training's most frequent label for every review; accuracy and macro-F1 on `evaluate`."""
    from helpers.sentiment.classifier import classification_metrics
    from helpers.sentiment.reviews import LABELS

    label = train["label"].value_counts().idxmax()
    predicted = [LABELS.index(label)] * len(evaluate)
    metrics = classification_metrics([LABELS.index(x) for x in evaluate["label"]], predicted)
    return {"label": label, "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"], "predicted": predicted}


def group_majority_baseline(train, evaluate, group: str = "movie") -> dict:
    """Predict each group's majority training label (global majority for unseen groups): what a leak buys."""
    from helpers.sentiment.classifier import classification_metrics
    from helpers.sentiment.reviews import LABELS

    overall = train["label"].value_counts().idxmax()
    by_group = train.groupby(group)["label"].agg(lambda labels: labels.value_counts().idxmax()).to_dict()
    labels = [by_group.get(g, overall) for g in evaluate[group]]
    predicted = [LABELS.index(label) for label in labels]
    metrics = classification_metrics([LABELS.index(x) for x in evaluate["label"]], predicted)
    seen = sum(g in by_group for g in evaluate[group])
    return {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"], "reviews_of_seen_groups": seen,
            "predicted": predicted}


def frames_fingerprint(*frames) -> bytes:
    """The exact texts, labels and groups of the frames, for a content hash (order matters)."""
    return b"\x00".join(frame.to_csv(index=False).encode("utf-8") for frame in frames)


def run_key(settings: dict, *frames) -> str:
    """settings_key over every setting that shapes a run plus the content of its data."""
    return settings_key(settings, content_hash(frames_fingerprint(*frames)).encode())
