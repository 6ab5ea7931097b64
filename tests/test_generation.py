import pytest

from helpers.generation import as_messages, chat_prompt, generate, merge_system_into_first_user


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


def test_sampling_returns_several_sequences_per_prompt(tiny_causal_lm):
    model, tokenizer = tiny_causal_lm
    out = generate(model, tokenizer, ["a", "b"], max_new_tokens=4, temperature=0.7,
                   num_return_sequences=3, progress=False)
    assert len(out.texts) == 2 and all(len(group) == 3 for group in out.texts)


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
