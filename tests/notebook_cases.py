"""Small parameters each notebook runs with in the smoke harness, and what its metrics must show."""


def check_template(metrics: dict) -> None:
    assert metrics["profile"] == "local"
    assert 1 <= metrics["new_tokens"] <= 24
    assert metrics["tokens_per_second"] > 0 and metrics["answer_chars"] > 0
    assert -1 <= metrics["similarity_unrelated"] < metrics["similarity_related"] <= 1


CASES = {
    "00_template": {"parameters": {"MAX_NEW_TOKENS": 24}, "check": check_template},
}
