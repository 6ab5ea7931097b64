"""Prompt building with chat templates, and batched generation with throughput figures."""

import time
from dataclasses import dataclass


@dataclass
class Generation:
    """Texts generated for a list of prompts, with the new-token count and the time taken."""

    texts: list  # one string per prompt, or a list of num_return_sequences strings per prompt
    new_tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second of wall time."""
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0


def merge_system_into_first_user(messages: list[dict]) -> list[dict]:
    """For templates with no system role (Gemma): prepend the system text to the first user turn."""
    if not messages or messages[0]["role"] != "system":
        return list(messages)
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    if rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    else:
        rest.insert(0, {"role": "user", "content": system})
    return rest


# For tokenizers with no chat template (GPT-2 Spanish): "Nombre: texto" turns, each closed by the
# tokenizer's end-of-sequence token, so generation and the loss both know where a reply ends.
PLAIN_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] }}\n\n"
    "{% else %}{{ 'Usuario' if message['role'] == 'user' else 'Asistente' }}: {{ message['content'] }}"
    "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}Asistente:{% endif %}"
)


_NO_THINKING = "{%- set enable_thinking = false -%}"


def ensure_chat_template(tokenizer, name: str = ""):
    """Give a template-less tokenizer the plain "Nombre: texto" template (with an explicit end-of-turn
    marker) and switch thinking off in templates that have it (SmolLM3, Qwen3); returns the tokenizer."""
    template = getattr(tokenizer, "chat_template", None)
    if not template:
        if tokenizer.eos_token is None:
            raise ValueError(f"{name or 'this model'} has neither a chat template nor an end-of-sequence token")
        tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
        print(f"{name or 'El modelo'} no trae plantilla de chat: se usa «Usuario: …/Asistente: …» "
              f"terminado en {tokenizer.eos_token!r}")
    elif isinstance(template, str) and "enable_thinking" in template and not template.startswith(_NO_THINKING):
        # The original study answers directly; a top-level set wins over the template's default.
        tokenizer.chat_template = _NO_THINKING + template
    return tokenizer


def chat_prompt(tokenizer, messages: list[dict], add_generation_prompt: bool = True) -> str:
    """The model's chat-template text for messages; merges the system turn where unsupported."""
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError("this tokenizer has no chat template: use completion prompts (chat=False)")
    from jinja2 import TemplateError

    try:
        return tokenizer.apply_chat_template(messages, tokenize=False,
                                             add_generation_prompt=add_generation_prompt)
    except TemplateError as error:
        if "system" not in str(error).lower() or messages[0]["role"] != "system":
            raise
    return tokenizer.apply_chat_template(merge_system_into_first_user(messages), tokenize=False,
                                         add_generation_prompt=add_generation_prompt)


def as_messages(prompt, system: str | None = None) -> list[dict]:
    """A user text (or a ready message list) as a message list, with an optional system turn."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if system and messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": system})
    return messages


def _prompt_texts(tokenizer, prompts: list, chat: bool, system: str | None = None) -> list[str]:
    """The text sent for each prompt: its chat-template rendering, or the raw text when chat=False."""
    return [chat_prompt(tokenizer, as_messages(p, system)) if chat else p for p in prompts]


def _eos_ids(model, tokenizer) -> set[int]:
    """Every token id that ends a generation (the model's eos list and the tokenizer's eos)."""
    eos = model.generation_config.eos_token_id
    return set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}


def _count_new_tokens(rows, eos_ids: set[int]) -> int:
    total = 0
    for row in rows.tolist():
        for index, token in enumerate(row):
            if token in eos_ids:
                total += index + 1
                break
        else:
            total += len(row)
    return total


def generate(model, tokenizer, prompts: list, *, chat: bool = True, system: str | None = None,
             max_new_tokens: int = 128, temperature: float = 0.0, top_p: float = 1.0,
             repetition_penalty: float = 1.0, num_return_sequences: int = 1, batch_size: int = 8,
             progress: bool = True) -> Generation:
    """Generate for many prompts in padded batches; chat=False sends the raw text (base models).

    repetition_penalty counts only tokens generated so far, not the prompt's: penalising the prompt
    pushes down the end-of-turn marker that closes every earlier turn, and replies then run on."""
    import torch
    from tqdm.auto import tqdm
    from transformers import LogitsProcessorList, RepetitionPenaltyLogitsProcessor

    texts = _prompt_texts(tokenizer, prompts, chat, system)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
    eos_ids = _eos_ids(model, tokenizer)
    sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 \
        else {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    results: dict[int, list[str]] = {}
    new_tokens, start = 0, time.perf_counter()
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    for batch in tqdm(batches, desc="Generando", unit="lote", disable=not progress or len(batches) < 2):
        encoded = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True, padding_side="left",
                            add_special_tokens=not chat).to(model.device)
        # Left padding: every prompt ends at the same column, so the reply starts there for all rows.
        penalty = LogitsProcessorList([RepetitionPenaltyLogitsProcessor(
            float(repetition_penalty), prompt_ignore_length=encoded["input_ids"].shape[1])] if repetition_penalty != 1.0 else [])
        with torch.inference_mode():
            output = model.generate(**encoded, max_new_tokens=max_new_tokens,
                                    num_return_sequences=num_return_sequences, logits_processor=penalty,
                                    pad_token_id=tokenizer.pad_token_id, **sampling)
        generated = output[:, encoded["input_ids"].shape[1]:]
        new_tokens += _count_new_tokens(generated, eos_ids)
        decoded = [t.strip() for t in tokenizer.batch_decode(generated, skip_special_tokens=True)]
        for position, index in enumerate(batch):
            results[index] = decoded[position * num_return_sequences:(position + 1) * num_return_sequences]
    ordered = [results[i] if num_return_sequences > 1 else results[i][0] for i in range(len(texts))]
    return Generation(ordered, new_tokens, time.perf_counter() - start)


def sample_lists(model, tokenizer, prompts: list, lists: int, *, chat: bool = True, max_new_tokens: int = 128,
                 temperature: float = 0.7, top_k: int = 50) -> Generation:
    """`lists` sampled continuations per prompt in one batch: each prompt is prefilled once and its
    cache shared by its lists, and tokens are drawn among the top_k only. The distribution is the one
    `model.generate(do_sample=True, top_k=top_k)` samples from (50 is transformers' default); it
    is faster because generate prefills every copy and draws over the whole vocabulary."""
    import torch

    texts = _prompt_texts(tokenizer, prompts, chat)
    eos_ids = _eos_ids(model, tokenizer)
    stop_tokens = torch.tensor(sorted(eos_ids), device=model.device)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(eos_ids)
    start = time.perf_counter()
    # Left padding whatever the tokenizer's default (a trainer may leave it right-padded): the last column
    # is every prompt's last real token.
    encoded = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left",
                        add_special_tokens=not chat).to(model.device)
    mask = encoded["attention_mask"]
    positions = (mask.cumsum(-1) - 1).clamp(min=0)  # left padding: count real tokens only
    with torch.inference_mode():
        output = model(input_ids=encoded["input_ids"], attention_mask=mask, position_ids=positions,
                       use_cache=True, logits_to_keep=1)
        cache = output.past_key_values
        cache.batch_repeat_interleave(lists)
        logits = output.logits[:, -1].repeat_interleave(lists, dim=0)
        mask = mask.repeat_interleave(lists, dim=0)
        position = positions[:, -1:].repeat_interleave(lists, dim=0)
        finished = torch.zeros(len(mask), dtype=torch.bool, device=mask.device)
        steps = []
        for _ in range(max_new_tokens):
            if temperature > 0:
                top_logits, top_ids = logits.float().topk(min(top_k, logits.shape[-1]), dim=-1)
                choice = torch.multinomial(torch.softmax(top_logits / temperature, dim=-1), 1)
                token = top_ids.gather(1, choice).squeeze(1)
            else:
                token = logits.argmax(dim=-1)
            token = token.masked_fill(finished, pad)
            steps.append(token)
            finished |= torch.isin(token, stop_tokens)
            if finished.all():
                break
            mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
            position = position + 1
            logits = model(input_ids=token[:, None], attention_mask=mask, position_ids=position,
                           past_key_values=cache, use_cache=True).logits[:, -1]
    generated = torch.stack(steps, dim=1)
    decoded = [t.strip() for t in tokenizer.batch_decode(generated, skip_special_tokens=True)]
    grouped = [decoded[i * lists:(i + 1) * lists] for i in range(len(texts))]
    return Generation(grouped, _count_new_tokens(generated, eos_ids), time.perf_counter() - start)
