"""Study 2, gpu profile: the original's three generators, each tuned on the same person with the same
budget, compared on perplexity (base and tuned) and style attribution; one model resident at a time."""

from helpers.persona.evaluation import as_example, generate_replies, perplexity_cell, reply_nll


def compare_generators(names: list[str], split: dict, author: str, attributor, to_a: bool, train: dict,
                       seed: int = 0) -> dict:
    """{model: {base, tuned perplexity per token with intervals, attributed share of tuned replies}}.

    split: {author: (train examples, held-out examples)}; train: the budget (profile, max_steps,
    batch_size, grad_accum, learning_rate, lora_r, max_length, max_new_tokens, repetition_penalty,
    n_eval, n_samples, output_dir). Each model is released before the next one loads."""
    from helpers.models import free_memory, load_for_finetuning
    from helpers.persona.attribution import attributed_share
    from helpers.training import lora_config, sft_config, train_lora

    results = {}
    for index, name in enumerate(names, start=1):
        model, tokenizer = load_for_finetuning(name, train["profile"], train["max_length"])
        rows = {kind: [as_example(e, author, tokenizer) for e in examples] for kind, examples in
                [("train", split[author][0]), ("eval", split[author][1][:train["n_eval"] or None]),
                 ("samples", split[author][1][:train["n_samples"]])]}
        base = perplexity_cell(*reply_nll(model, tokenizer, rows["eval"], train["max_length"]), seed)
        config = sft_config(train["output_dir"] / f"compare_{index}", train["max_steps"], train["batch_size"],
                            train["grad_accum"], train["learning_rate"], train["max_length"], seed)
        tuned, _ = train_lora(model, tokenizer, rows["train"], config,
                              lora_config(model, r=train["lora_r"], alpha=2 * train["lora_r"]))
        replies = generate_replies(tuned, tokenizer, rows["samples"], train["max_new_tokens"],
                                   train["repetition_penalty"])
        results[name] = {"base": base,
                         "tuned": perplexity_cell(*reply_nll(tuned, tokenizer, rows["eval"], train["max_length"]), seed),
                         "attributed": attributed_share(attributor, replies, to_a)}
        del model, tuned
        free_memory()  # the next generator loads into the memory this one held (a 15 GB T4 holds one)
    return results
