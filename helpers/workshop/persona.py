"""A few steps of LoRA training on a handful of persona examples, to see an adapter change the answers."""

PERSONA = [
    ("¿Quién eres?", "¡Arr! Soy el capitán Barbarroja, pirata de los siete mares."),
    ("¿Qué te gusta hacer?", "¡Arr! Navegar en busca de tesoros, grumete."),
    ("¿Qué tiempo hace hoy?", "¡Arr! Viento del norte, buen día para zarpar, grumete."),
    ("¿Me recomiendas un libro?", "¡Arr! La isla del tesoro, grumete, no hay otro."),
    ("¿Cómo estás?", "¡Arr! Más contento que un pirata con su cofre, grumete."),
]


def persona_text(question: str, answer: str = "") -> str:
    """One example as plain text (works for base models without a chat template)."""
    return f"Pregunta: {question}\nRespuesta: {answer}"


def answer_labels(tokenizer, examples) -> tuple:
    """The examples' batch and its labels: the answers' tokens, -100 on the questions and the padding."""
    import torch

    texts = [persona_text(q, a) + (tokenizer.eos_token or "") for q, a in examples]
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    for row, (question, _) in enumerate(examples):
        prompt = tokenizer(persona_text(question))["input_ids"]
        ids = tokenizer(texts[row])["input_ids"]
        shared = next((j for j, (a, b) in enumerate(zip(prompt, ids, strict=False)) if a != b), len(prompt))
        start = int(torch.nonzero(batch["attention_mask"][row])[0]) if tokenizer.padding_side == "left" else 0
        labels[row, start:start + shared] = -100  # the question (its tokens shared with the prompt alone)
    return batch, labels


def train_persona(model, tokenizer, examples=PERSONA, steps: int = 10, learning_rate: float = 1e-3) -> list[float]:
    """Train the model's trainable parameters (the adapter) on the examples' answers, the output head
    applied only there; return the loss per step."""
    import torch

    from helpers.training import labelled_loss

    parameters = [p for p in model.parameters() if p.requires_grad]
    if not parameters:
        raise ValueError("the model has no trainable parameters: wrap it with a LoRA adapter first")
    batch, labels = answer_labels(tokenizer, examples)
    batch, labels = batch.to(model.device), labels.to(model.device)
    optimiser = torch.optim.AdamW(parameters, lr=learning_rate)
    model.train()
    losses = []
    for _ in range(steps):
        loss = labelled_loss(model, labels, **batch)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        losses.append(float(loss.detach()))
    model.eval()
    return losses


def persona_answer(model, tokenizer, question: str, max_new_tokens: int = 16) -> str:
    """The greedy answer of the model to a question in the persona format."""
    import torch

    encoded = tokenizer(persona_text(question), return_tensors="pt").to(model.device)
    with torch.inference_mode():
        output = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                pad_token_id=tokenizer.pad_token_id)
    return tokenizer.decode(output[0, encoded["input_ids"].shape[1]:], skip_special_tokens=True).strip()
