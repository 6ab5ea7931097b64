"""Batched generation pads on the left whatever the tokenizer says: unsloth's trainer leaves it
right-padded, and a right-padded batch would read its next token at pad positions."""

import copy

import pytest


@pytest.mark.parametrize("side", ["left", "right"])
def test_sample_lists_gives_the_same_greedy_lists_whatever_the_tokenizers_padding_side(tiny_causal_lm, side):
    from helpers.generation import sample_lists

    model, tokenizer = tiny_causal_lm
    tokenizer = copy.deepcopy(tokenizer)
    prompts = ["Una película de miedo:", "Recomiéndame algo largo, con naves espaciales y robots:"]
    alone = [sample_lists(model, tokenizer, [p], 1, chat=False, max_new_tokens=5, temperature=0).texts[0]
             for p in prompts]
    tokenizer.padding_side = side
    batched = sample_lists(model, tokenizer, prompts, 1, chat=False, max_new_tokens=5, temperature=0).texts
    assert batched == alone and tokenizer.padding_side == side  # the tokenizer itself is left as it was
