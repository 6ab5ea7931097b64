"""Study 2: who wrote this? A character n-gram classifier of the two people's real messages scores
generated replies, and style statistics compare them at equal length."""

import numpy as np

from helpers.persona.chat_data import reply_tokens, style_stats


def fit_attributor(texts_a: list[str], texts_b: list[str], seed: int = 0):
    """Character 2-4-gram TF-IDF + logistic regression: 1 = person A, 0 = person B."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if min(len(texts_a), len(texts_b)) < 2:
        raise ValueError(f"the attributor needs at least 2 training replies per person, got {len(texts_a)} "
                         f"and {len(texts_b)}")
    model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=False, sublinear_tf=True),
                          LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed))
    return model.fit(list(texts_a) + list(texts_b), [1] * len(texts_a) + [0] * len(texts_b))


def attributed_share(attributor, texts: list[str], to_a: bool) -> tuple[float, float, float]:
    """(share, low, high) of texts the classifier gives to the intended person, with its exact binomial
    interval. An empty reply counts as not attributed (a model that says nothing has no style)."""
    from helpers.metrics import proportion_interval

    if not texts:
        raise ValueError("no replies to attribute")
    hits = np.zeros(len(texts))
    kept = [i for i, t in enumerate(texts) if t.strip()]
    if kept:
        predicted = attributor.predict([texts[i] for i in kept])
        hits[kept] = predicted == (1 if to_a else 0)
    return proportion_interval(hits)


# The style table's rows in Spanish: the rates are shares of messages, not counts per message.
STYLE_LABELS = {"chars_per_message": "caracteres por mensaje", "messages_per_turn": "mensajes por turno",
                "question_rate": "mensajes con «?» (proporción)", "emoji_rate": "mensajes con emoji (proporción)",
                "lowercase_rate": "mensajes en minúsculas (proporción)", "distinct_1": "distinct-1",
                "distinct_2": "distinct-2"}
STATS = ("chars_per_message", "messages_per_turn", "question_rate", "emoji_rate", "lowercase_rate",
         "distinct_1", "distinct_2")


def style_table(turn_sets: dict[str, list[str]], seed: int = 0) -> dict[str, dict[str, float]]:
    """Per set of replies: style_stats with distinct-1/2 on the first L tokens of each set (L = the
    shortest set's token count; distinct-n falls with length). Turns are shuffled (seeded) first."""
    rng = np.random.default_rng(seed)
    shuffled = {name: [turns[i] for i in (rng.permutation(len(turns)) if turns else [])]
                for name, turns in turn_sets.items()}
    length = min((len(reply_tokens(turns)) for turns in shuffled.values()), default=0)
    return {name: style_stats(turns, token_limit=length) for name, turns in shuffled.items()}
