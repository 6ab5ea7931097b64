"""Review sentiment data: Rotten Tomatoes (local), Steam (online), checks, custom reviews, prompting."""

import bz2
import re
from pathlib import Path

from helpers.paths import data_dir

LABELS = ["negative", "positive"]  # index = class id, as the classifiers are built

# Hand-written checks in the original's spirit: plain, mixed, sarcastic and slang reviews.
CUSTOM_REVIEWS = [
    ("An absolute masterpiece: moving, funny and beautifully shot.", "positive", "clara"),
    ("Dull, overlong and badly acted. I want my two hours back.", "negative", "clara"),
    ("Not perfect, but the cast carries it and the ending really lands.", "positive", "mixta"),
    ("Gorgeous to look at, yet completely hollow inside.", "negative", "mixta"),
    ("Oh great, another three hours of people staring at walls. Just what I needed.", "negative", "sarcástica"),
    ("Wow, what a bold choice to make every single joke fall flat.", "negative", "sarcástica"),
    ("This movie slaps, no cap. Ten out of ten would watch again.", "positive", "jerga"),
    ("Mid at best, lowkey cringe the whole way through.", "negative", "jerga"),
]


class SentimentDataError(ValueError):
    """Review data that cannot be trained or evaluated on, with what was expected."""


def rotten_tomatoes_path() -> Path:
    """The Rotten Tomatoes corpus prepared at set-up."""
    path = data_dir() / "rotten-tomatoes" / "rotten_tomatoes_corpus_full.csv.bz2"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make setup` (asset rotten-tomatoes)")
    return path


def load_rotten_tomatoes(path: Path | None = None):
    """The labelled snippets (fresh=positive, rotten=negative) as a DataFrame text, label, movie."""
    import pandas as pd

    path = Path(path or rotten_tomatoes_path())
    with bz2.open(path, "rt", encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    missing = {"category", "text", "movie_name"} - set(frame.columns)
    if missing:
        raise SentimentDataError(f"{path}: columns {sorted(missing)} are missing")
    reviews = frame[frame["category"].isin(["fresh", "rotten"])]
    return pd.DataFrame({"text": reviews["text"].astype(str).str.strip(),
                         "label": (reviews["category"] == "fresh").astype(int).map(dict(enumerate(LABELS))),
                         "movie": reviews["movie_name"]}).reset_index(drop=True)


def validate_reviews(frame, name: str, labels: list[str] = LABELS, require_both: bool = True):
    """Raise SentimentDataError for empty texts, unknown labels or a single class; return the frame."""
    if "text" not in frame or "label" not in frame:
        raise SentimentDataError(f"{name}: needs columns 'text' and 'label', has {list(frame.columns)}")
    empty = frame.index[frame["text"].isna() | (frame["text"].astype(str).str.strip() == "")].tolist()
    if empty:
        raise SentimentDataError(f"{name}: {len(empty)} reviews have empty or missing text (rows {empty[:5]})")
    unknown = sorted(set(frame["label"]) - set(labels))
    if unknown:
        raise SentimentDataError(f"{name}: labels {unknown} are not among the classes {labels}")
    present = set(frame["label"])
    if require_both and present != set(labels):
        raise SentimentDataError(f"{name}: has only {sorted(present)}; both classes {labels} are needed "
                                 "to train and to measure per-class precision and recall")
    return frame


def stratified_split(frame, test_size: float, seed: int):
    """(train, test) with the same class shares in both, reproducible by seed."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=frame["label"])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def short_name(model_id: str) -> str:
    """A model id short enough for a table column ("FacebookAI/roberta-base" -> "roberta-base")."""
    return model_id.split("/")[-1].removeprefix("all-")


def balanced_sample(frame, n: int, seed: int):
    """Exactly n rows (fewer only if the frame is smaller), split as evenly as the classes allow."""
    import pandas as pd

    if n <= 0 or n >= len(frame):
        return frame.reset_index(drop=True)
    groups = sorted((group for _, group in frame.groupby("label")), key=len)
    parts, left = [], n
    for position, group in enumerate(groups):  # smallest class first, so a short class leaves room to the others
        take = min(len(group), -(-left // (len(groups) - position)))
        parts.append(group.sample(take, random_state=seed))
        left -= take
    return pd.concat(parts).sample(frac=1, random_state=seed).reset_index(drop=True)


def undersample(frame, seed: int, per_class: int = 0):
    """Every class cut to the smallest class's size (or per_class, if smaller), shuffled: truly balanced."""
    import pandas as pd

    counts = frame["label"].value_counts()
    if set(counts.index) != set(LABELS):
        raise SentimentDataError(f"cannot balance: found only {counts.to_dict()}, both classes {LABELS} are needed")
    size = min(int(counts.min()), per_class or int(counts.min()))
    parts = [frame[frame["label"] == label].sample(size, random_state=seed) for label in LABELS]
    return pd.concat(parts).sample(frac=1, random_state=seed).reset_index(drop=True)


def steam_frame(review_dict: dict):
    """The reviews of steamreviews' review_dict as text, label (voted_up) and author (the repeating entity)."""
    import pandas as pd

    rows = [{"text": str(review.get("review", "")).strip(), "label": LABELS[int(bool(review["voted_up"]))],
             "movie": str(review.get("author", {}).get("steamid", review_id))}
            for review_id, review in review_dict.get("reviews", {}).items()]
    frame = pd.DataFrame(rows, columns=["text", "label", "movie"])
    return frame[frame["text"] != ""].reset_index(drop=True)


def load_steam_reviews(app_id: int, n_per_class: int = 500, day_range: int = 365, seed: int = 0):
    """English Steam reviews of a game (steamreviews' documented API, needs the network), undersampled to balance.

    The column "movie" holds the author's id, the entity to keep on one side of a split; the counts
    before and after balancing are in frame.attrs["counts"]."""
    try:
        import steamreviews
    except ImportError:
        raise SentimentDataError("Steam reviews need the `steamreviews` package and the network: "
                                 "`pip install steamreviews` (only in Colab / the online profile)") from None
    params = {"language": "english", "review_type": "all", "purchase_type": "all", "day_range": str(day_range)}
    try:
        review_dict, _ = steamreviews.download_reviews_for_app_id(app_id, chosen_request_params=params)
    except OSError as error:
        raise SentimentDataError(f"Steam's API is unreachable ({error}); offline, use DATASET='rotten_tomatoes'") from None
    frame = steam_frame(review_dict)
    downloaded = frame["label"].value_counts().to_dict()
    balanced = undersample(frame, seed, n_per_class)
    balanced.attrs["counts"] = {"downloaded": downloaded, "kept": balanced["label"].value_counts().to_dict()}
    return balanced


def to_dataset(frame):
    """A Hugging Face Dataset with text and integer labels."""
    from datasets import Dataset

    return Dataset.from_dict({"text": frame["text"].tolist(),
                              "label": [LABELS.index(label) for label in frame["label"]]})


def describe_model(config, folder: Path | None = None, licence: str = "") -> dict:
    """Architecture figures read from a model config; parameters and size from its local weights."""
    parameters, size = None, 0
    weights = sorted(Path(folder).rglob("*.safetensors")) if folder else []
    if weights:
        from safetensors import safe_open

        parameters = 0
        for path in weights:
            size += path.stat().st_size
            with safe_open(str(path), "pt") as handle:
                for name in handle.keys():
                    parameters += _product(handle.get_slice(name).get_shape())
    return {"architecture": config.model_type, "parameters_m": round(parameters / 1e6, 1) if parameters else None,
            "layers": config.num_hidden_layers, "heads": config.num_attention_heads,
            "hidden_size": config.hidden_size, "vocabulary": config.vocab_size,
            "max_positions": getattr(config, "max_position_embeddings", None),
            "size_mb": round(size / 1e6, 1) if size else None, "licence": licence or "ver la ficha del modelo en el Hub"}


def _product(shape) -> int:
    result = 1
    for dimension in shape:
        result *= dimension
    return result


def sentiment_prompt(review: str, examples: list[tuple[str, str]] = ()) -> str:
    """A zero- or few-shot instruction asking for exactly one word: positive or negative."""
    lines = ["Classify the sentiment of the movie review. Answer with exactly one word: positive or negative.", ""]
    for text, label in examples:
        lines += [f"Review: {text}", f"Sentiment: {label}", ""]
    lines += [f"Review: {review}", "Sentiment:"]
    return "\n".join(lines)


_ANSWER = re.compile(r"^\W*(positive|negative)\b\W*$", re.IGNORECASE)


def parse_sentiment_answer(text: str) -> str | None:
    """'positive' or 'negative' when the answer is exactly that word (any case, punctuation); else None."""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    first_line = re.sub(r"^(sentiment|answer)\s*:\s*", "", first_line.strip(), flags=re.IGNORECASE)
    match = _ANSWER.match(first_line)
    return match.group(1).lower() if match else None
