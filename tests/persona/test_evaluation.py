"""Study 2's evaluation: one format everywhere, per-reply likelihood, persona effect, attribution, style."""

import copy
import math

import numpy as np
import pytest

from helpers.generation import PLAIN_CHAT_TEMPLATE
from helpers.persona.attribution import attributed_share, fit_attributor, style_table
from helpers.persona.evaluation import (
    as_example,
    generate_replies,
    is_plain,
    perplexity_cell,
    persona_effect,
    pooled_nll,
    reply_nll,
)

EXAMPLE = {"context": "Luis: ¿Vienes al cine el sábado?", "reply": "siii <SEP> a q hora"}


@pytest.fixture(scope="module")
def plain_tokenizer(tiny_causal_lm):
    tokenizer = copy.deepcopy(tiny_causal_lm[1])
    tokenizer.chat_template = PLAIN_CHAT_TEMPLATE  # what helpers.models gives a template-less GPT-2
    return tokenizer


def test_a_model_without_template_gets_plain_named_turns_with_an_end_marker(plain_tokenizer, tiny_causal_lm):
    assert is_plain(plain_tokenizer) and not is_plain(tiny_causal_lm[1])
    row = as_example(EXAMPLE, "Ana", plain_tokenizer)
    assert row == {"prompt": "Luis: ¿Vienes al cine el sábado?\nAna:",
                   "completion": f" siii <SEP> a q hora{plain_tokenizer.eos_token}"}
    chat_row = as_example(EXAMPLE, "Ana", tiny_causal_lm[1])
    assert chat_row["prompt"][0]["role"] == "user" and "como Ana" in chat_row["prompt"][0]["content"]
    no_eos = copy.deepcopy(plain_tokenizer)
    no_eos.eos_token = None
    with pytest.raises(ValueError, match="end-of-sequence"):
        as_example(EXAMPLE, "Ana", no_eos)


def test_reply_nll_scores_only_the_reply_in_both_formats(tiny_causal_lm, plain_tokenizer):
    model, tokenizer = tiny_causal_lm
    for tok in (tokenizer, plain_tokenizer):
        rows = [as_example(EXAMPLE, "Ana", tok), as_example({**EXAMPLE, "context": "Luis: otra cosa"}, "Ana", tok)]
        values, tokens = reply_nll(model, tok, rows, max_length=512)
        assert values.shape == tokens.shape == (2,) and np.all(np.isfinite(values)) and np.all(values > 0)
        assert tokens[0] == tokens[1] > 0  # the same reply in both rows: the same tokens scored
        # A longer context changes the prompt, not which tokens are scored: a random model gives
        # similar (not equal) values; truncating the context keeps the reply scored.
        short, short_tokens = reply_nll(model, tok, rows[:1], max_length=12)
        assert short.shape == (1,) and math.isfinite(short[0]) and short_tokens[0] > 0


def test_plain_generation_stops_at_the_end_marker_and_cuts_other_speakers(tiny_causal_lm, plain_tokenizer):
    model, _ = tiny_causal_lm
    replies = generate_replies(model, plain_tokenizer, [as_example(EXAMPLE, "Ana", plain_tokenizer)], 6, 1.0)
    assert len(replies) == 1 and isinstance(replies[0], str)
    assert generate_replies(model, plain_tokenizer, [], 6, 1.0) == []


def test_persona_effect_and_perplexity_cells():
    rng = np.random.default_rng(0)
    own, tokens = rng.normal(3.0, 0.2, 40), rng.integers(5, 30, 40).astype(float)
    effect = persona_effect(own, own + 0.5 + rng.normal(0, 0.05, 40), tokens)
    assert effect["separated"] and 0.4 < effect["mean"] < 0.6 and effect["perplexity_ratio"] == pytest.approx(
        math.exp(effect["mean"]))
    null = persona_effect(own, own + rng.normal(0, 0.2, 40), tokens)
    assert not null["separated"] and null["low"] < 0 < null["high"]
    with pytest.raises(ValueError):
        persona_effect(own, own[:-1], tokens)  # replies must be the same in both arms
    value, low, high = perplexity_cell(own, tokens)
    assert low <= value <= high and value == pytest.approx(math.exp(pooled_nll(own, tokens)))


def test_perplexity_pools_the_tokens_instead_of_averaging_per_reply_means():
    """The old figure was exp of the mean of per-reply means: a 2-token reply weighed as much as a
    50-token one. Per token means every token counts once."""
    nll, tokens = np.array([1.0, 5.0]), np.array([50.0, 2.0])  # a long easy reply, a short hard one
    assert perplexity_cell(nll, tokens)[0] == pytest.approx(math.exp((50 * 1 + 2 * 5) / 52))
    assert perplexity_cell(nll, tokens)[0] != pytest.approx(math.exp(nll.mean()))  # the old definition
    effect = persona_effect(np.array([1.0, 1.0]), np.array([1.0, 3.0]), np.array([50.0, 2.0]))
    assert effect["mean"] == pytest.approx(4 / 52)


INFORMAL = ["jaja siii <SEP> q guay 😂", "vale vale <SEP> nos vemos", "buah q sueño 😴", "oye <SEP> vienes? jaja"]
FORMAL = ["Buenas tardes. ¿Le viene bien el sábado?", "Entiendo. Mañana le escribo.", "Desde luego, allí estaré.",
          "Me parece bien. Un saludo."]


def test_attributor_tells_the_two_styles_apart_and_counts_empty_replies_as_misses():
    attributor = fit_attributor(INFORMAL, FORMAL)
    assert attributed_share(attributor, ["jaja siii 😂", "vale <SEP> q sueño"], to_a=True)[0] == 1.0
    assert attributed_share(attributor, ["Buenas tardes. Un saludo."], to_a=False)[0] == 1.0
    assert attributed_share(attributor, ["Buenas tardes. Un saludo."], to_a=True)[0] == 0.0
    assert attributed_share(attributor, ["", "  "], to_a=True)[0] == 0.0  # saying nothing is no style
    share, low, high = attributed_share(attributor, ["jaja 😂", "", "Entiendo. Un saludo.", "siii <SEP> q guay"], True)
    assert share == 0.5 and 0 <= low <= share <= high <= 1
    with pytest.raises(ValueError, match="no replies"):
        attributed_share(attributor, [], True)
    with pytest.raises(ValueError, match="at least 2 training replies"):
        fit_attributor(INFORMAL, FORMAL[:1])


def test_style_table_compares_distinct_n_at_equal_length():
    table = style_table({"short": ["a b c d"], "long": ["a b c d <SEP> a b c d"], "formal": FORMAL})
    # Without equal length the longer set would score 0.5 for repeating itself once.
    assert table["short"]["distinct_1"] == table["long"]["distinct_1"] == 1.0
    assert table["long"]["messages_per_turn"] == 2 and table["short"]["messages_per_turn"] == 1
    assert table["formal"]["lowercase_rate"] == 0 and table["short"]["lowercase_rate"] == 1
    informal = style_table({"i": INFORMAL})["i"]
    assert informal["emoji_rate"] == pytest.approx(2 / 7) and informal["question_rate"] == pytest.approx(1 / 7)
    empty = style_table({"none": [], "x": ["hola"]})
    assert empty["none"]["chars_per_message"] == 0 and empty["x"]["distinct_1"] == 0.0  # L = 0 tokens


def test_smollm3_like_template_answers_with_thinking_off(tiny_causal_lm):
    from helpers.generation import ensure_chat_template
    from helpers.persona.evaluation import _texts
    from tests.gpu_sim.twins import SMOLLM3_LIKE_TEMPLATE

    tokenizer = copy.deepcopy(tiny_causal_lm[1])
    tokenizer.chat_template = SMOLLM3_LIKE_TEMPLATE
    thinking, _ = _texts(tokenizer, as_example(EXAMPLE, "Ana", tokenizer))
    assert thinking.endswith("<think>")  # the template's default: the check can fail
    ensure_chat_template(tokenizer, "HuggingFaceTB/SmolLM3-3B")
    row = as_example(EXAMPLE, "Ana", tokenizer)
    prompt, full = _texts(tokenizer, row)
    assert not is_plain(tokenizer) and prompt.endswith("<think>\n\n</think>\n")
