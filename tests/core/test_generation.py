import pytest

from helpers.generation import as_messages, chat_prompt, generate, merge_system_into_first_user, sample_lists


def test_merge_system_into_first_user():
    messages = [{"role": "system", "content": "Sé breve."}, {"role": "user", "content": "Hola"}]
    assert merge_system_into_first_user(messages) == [{"role": "user", "content": "Sé breve.\n\nHola"}]
    assert merge_system_into_first_user(messages[1:]) == messages[1:]
    assert merge_system_into_first_user(messages[:1]) == [{"role": "user", "content": "Sé breve."}]


def test_gemma_template_gets_system_text_in_first_user_turn():
    from helpers.models import load_tokenizer

    tokenizer = load_tokenizer("gemma3-270m")
    prompt = chat_prompt(tokenizer, as_messages("¿Qué es cd?", system="Responde en español."))
    assert prompt == "<bos><start_of_turn>user\nResponde en español.\n\n¿Qué es cd?<end_of_turn>\n<start_of_turn>model\n"


def test_qwen_template_keeps_its_system_role(qwen):
    _, tokenizer = qwen
    prompt = chat_prompt(tokenizer, as_messages("Hola", system="Eres útil."))
    assert "<|im_start|>system\nEres útil.<|im_end|>" in prompt and prompt.endswith("<|im_start|>assistant\n")


def test_batched_greedy_generation_equals_one_by_one(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    prompts = ["Hola", "Una frase bastante más larga que la primera para forzar relleno", "¿Sí?"]
    batched = generate(model, tokenizer, prompts, max_new_tokens=6, batch_size=3, progress=False)
    single = [generate(model, tokenizer, [p], max_new_tokens=6, progress=False).texts[0] for p in prompts]
    assert batched.texts == single
    assert 0 < batched.new_tokens <= 18 and batched.seconds > 0


def test_repetition_penalty_counts_the_reply_not_the_prompt(tiny_causal_lm):
    import torch

    model, tokenizer = tiny_causal_lm
    ids = tokenizer("Ana: hola", add_special_tokens=False)["input_ids"]
    with torch.inference_mode():  # put the greedy next token into the prompt itself
        for _ in range(10):
            greedy = int(model(torch.tensor([ids])).logits[0, -1].argmax())
            if greedy in ids:
                break
            ids = [greedy, *ids]
    assert greedy in ids, "no prompt found whose greedy continuation repeats a prompt token"
    prompt = tokenizer.decode(ids)
    assert tokenizer(prompt, add_special_tokens=False)["input_ids"] == ids
    expected = tokenizer.decode([greedy]).strip()
    spared = generate(model, tokenizer, [prompt], chat=False, max_new_tokens=1, repetition_penalty=50.0, progress=False)
    assert spared.texts[0] == expected
    # transformers' own penalty also counts the prompt, and so changes that first token
    encoded = tokenizer([prompt], return_tensors="pt", add_special_tokens=False)
    with torch.inference_mode():
        own = model.generate(**encoded, max_new_tokens=1, do_sample=False, repetition_penalty=50.0,
                             pad_token_id=tokenizer.pad_token_id)
    assert int(own[0, -1]) != greedy


def test_sampling_returns_several_sequences_per_prompt(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    out = generate(model, tokenizer, ["a", "b"], max_new_tokens=4, temperature=0.7,
                   num_return_sequences=3, progress=False)
    assert len(out.texts) == 2 and all(len(group) == 3 for group in out.texts)


PADDED_PROMPTS = ["Hola", "Una frase bastante más larga que la primera para forzar relleno", "¿Sí?"]


@pytest.mark.parametrize("chat", [True, False])
def test_shared_prefill_lists_equal_generate_when_greedy(tiny_causal_lm, chat):
    model, tokenizer = tiny_causal_lm
    reference = generate(model, tokenizer, PADDED_PROMPTS, chat=chat, max_new_tokens=6, batch_size=3, progress=False)
    lists = sample_lists(model, tokenizer, PADDED_PROMPTS, 2, chat=chat, max_new_tokens=6, temperature=0)
    assert lists.texts == [[text, text] for text in reference.texts]
    assert lists.new_tokens == 2 * reference.new_tokens


def test_shared_prefill_lists_equal_generate_through_a_lora_adapter(tiny_causal_lm):
    import copy

    from peft import LoraConfig, get_peft_model

    model, tokenizer = tiny_causal_lm
    # init_lora_weights=False: a random B, so the adapter really changes the output
    tuned = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
                                                            init_lora_weights=False)).eval()
    reference = generate(tuned, tokenizer, PADDED_PROMPTS, max_new_tokens=6, batch_size=3, progress=False)
    lists = sample_lists(tuned, tokenizer, PADDED_PROMPTS, 2, max_new_tokens=6, temperature=0)
    assert lists.texts == [[text, text] for text in reference.texts]
    assert reference.texts != generate(model, tokenizer, PADDED_PROMPTS, max_new_tokens=6, batch_size=3,
                                       progress=False).texts


def test_shared_prefill_with_top_k_one_is_greedy(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    greedy = sample_lists(model, tokenizer, PADDED_PROMPTS, 1, max_new_tokens=5, temperature=0)
    top_one = sample_lists(model, tokenizer, PADDED_PROMPTS, 3, max_new_tokens=5, temperature=0.7, top_k=1)
    assert top_one.texts == [group * 3 for group in greedy.texts]


def test_shared_prefill_samples_follow_the_top_k_softmax(tiny_causal_lm):
    import torch

    model, tokenizer = tiny_causal_lm
    prompt = chat_prompt(tokenizer, as_messages("a"))
    with torch.inference_mode():
        logits = model(**tokenizer([prompt], return_tensors="pt", add_special_tokens=False)).logits[0, -1]
    top = logits.topk(4)  # a low temperature makes the shares unequal, so a wrong scaling shows
    expected = {}  # decoded text -> probability (two tokens may decode to the same text)
    for token, probability in zip(top.indices.tolist(), torch.softmax(top.values / 0.05, dim=-1).tolist(), strict=True):
        text = tokenizer.decode([token], skip_special_tokens=True).strip()
        expected[text] = expected.get(text, 0) + probability
    torch.manual_seed(1)
    draws = 600
    first = sample_lists(model, tokenizer, ["a"], draws, max_new_tokens=1, temperature=0.05, top_k=4).texts[0]
    assert set(first) <= set(expected)
    for text, probability in expected.items():  # within 4 standard errors of a binomial share
        assert abs(first.count(text) / draws - probability) < 4 * (probability * (1 - probability) / draws) ** 0.5 + 1e-9


def test_shared_prefill_matches_generate_on_gemma_sliding_window_cache():
    from helpers.models import load_causal_lm

    model, tokenizer = load_causal_lm("gemma3-270m")
    prompts = ["Películas parecidas a Alien:\n1.", "Una lista corta de comedias españolas de los noventa:\n1."]
    reference = generate(model, tokenizer, prompts, chat=False, max_new_tokens=16, batch_size=2, progress=False)
    lists = sample_lists(model, tokenizer, prompts, 2, chat=False, max_new_tokens=16, temperature=0)
    assert lists.texts == [[text, text] for text in reference.texts]


def test_completion_prompts_need_no_template(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    out = generate(model, tokenizer, ["Érase una vez"], chat=False, max_new_tokens=3, progress=False)
    assert isinstance(out.texts[0], str)


def test_template_less_tokenizer_asks_for_completion_prompts(tiny_causal_lm):
    _, tokenizer = tiny_causal_lm

    class NoTemplate:
        chat_template = None

    with pytest.raises(ValueError, match="chat=False"):
        chat_prompt(NoTemplate(), [{"role": "user", "content": "x"}])
    assert tokenizer.chat_template


def test_instruct_model_answers_a_spanish_question_sensibly(qwen):
    model, tokenizer = qwen
    out = generate(model, tokenizer, ["¿Qué hace el comando cd en la terminal? Responde en una frase."],
                   system="Eres un asistente que responde en español.", max_new_tokens=40)
    answer = out.texts[0].lower()
    assert "directorio" in answer or "carpeta" in answer, answer
    assert out.new_tokens > 5
