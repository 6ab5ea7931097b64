"""Study 2: who wrote this? A character n-gram classifier of the two people's real messages scores
generated replies, and style statistics compare them at equal length."""

import re

import numpy as np

from helpers.persona.chat_data import EMOJI, split_reply


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


def attributed_share(attributor, texts: list[str], to_a: bool, seed: int = 0) -> tuple[float, float, float]:
    """(share, low, high) of texts the classifier gives to the intended person, bootstrapped over texts.
    An empty reply counts as not attributed (a model that says nothing has no style)."""
    from helpers.metrics import bootstrap_interval

    if not texts:
        raise ValueError("no replies to attribute")
    hits = np.zeros(len(texts))
    kept = [i for i, t in enumerate(texts) if t.strip()]
    if kept:
        predicted = attributor.predict([texts[i] for i in kept])
        hits[kept] = predicted == (1 if to_a else 0)
    return bootstrap_interval(hits, seed=seed)


STATS = ("chars_per_message", "messages_per_turn", "question_rate", "emoji_rate", "lowercase_rate",
         "distinct_1", "distinct_2")


def _distinct(tokens: list[str], n: int) -> float:
    grams = list(zip(*(tokens[i:] for i in range(n)), strict=False))
    return len(set(grams)) / len(grams) if grams else 0.0


def style_table(turn_sets: dict[str, list[str]], seed: int = 0) -> dict[str, dict[str, float]]:
    """Per set of replies: length, messages per turn, question, emoji and lowercase shares, and
    distinct-1/2 on the first L tokens of each set (L = the shortest set's token count, so sets of
    different size compare fairly; distinct-n falls with length). Turns are shuffled (seeded) first."""
    tokens_of, messages_of = {}, {}
    rng = np.random.default_rng(seed)
    for name, turns in turn_sets.items():
        order = rng.permutation(len(turns)) if turns else []
        messages_of[name] = [m for i in order for m in split_reply(turns[i])]
        tokens_of[name] = [w.lower() for m in messages_of[name] for w in re.findall(r"\w+", m)]
    length = min((len(t) for t in tokens_of.values()), default=0)
    table = {}
    for name, turns in turn_sets.items():
        messages = messages_of[name]
        count = max(1, len(messages))
        table[name] = {
            "chars_per_message": sum(map(len, messages)) / count,
            "messages_per_turn": len(messages) / max(1, len(turns)),
            "question_rate": sum("?" in m for m in messages) / count,
            "emoji_rate": sum(bool(EMOJI.search(m)) for m in messages) / count,
            "lowercase_rate": sum(m == m.lower() for m in messages) / count,
            "distinct_1": _distinct(tokens_of[name][:length], 1),
            "distinct_2": _distinct(tokens_of[name][:length], 2),
        }
    return table
