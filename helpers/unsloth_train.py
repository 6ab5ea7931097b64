"""`python -m helpers.unsloth_train JOB`: train one LoRA adapter with unsloth, save it with its losses, exit.

helpers.finetune starts it in a process of its own: importing unsloth patches transformers, trl and peft
for the whole process, and only this one ever does."""

import json
import sys
from pathlib import Path


def train(folder: Path) -> None:
    """Load the job's model with unsloth (its exact repository and revision), train, save adapter and losses."""
    from unsloth import FastLanguageModel  # noqa: I001  (before transformers: it patches classes as they import)
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from helpers.finite import check_losses, finite_loss_callback
    from helpers.precision import upcast_trainable
    from helpers.training import head_only_where_labelled

    job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    # use_exact_model_name: unsloth would otherwise swap in its own mirror (google/gemma-2b-it ->
    # unsloth/gemma-2b-it), which is not the repository, licence or revision inference loads.
    model, _ = FastLanguageModel.from_pretrained(
        model_name=job["location"], max_seq_length=job["max_length"], dtype=getattr(torch, job["dtype"]),
        load_in_4bit=job["bits"] == 4, revision=job["revision"], use_exact_model_name=True)
    tokenizer = AutoTokenizer.from_pretrained(folder / "tokenizer")  # inference's own template and tokens
    tokenizer.padding_side = "right"  # training only, in this process: the notebook's tokenizer keeps its side
    lora = job["lora"]
    model = FastLanguageModel.get_peft_model(
        model, r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"], target_modules=lora["targets"],
        use_gradient_checkpointing="unsloth", random_state=job["seed"])
    config = SFTConfig(**{**job["config"], "disable_tqdm": True})  # a line per logged step, not a bar
    rows = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
    head_only_where_labelled()  # trl's fused head: only labelled positions, on any device
    trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                         callbacks=[finite_loss_callback(job["name"])])
    upcast_trainable(trainer.model)  # the optimizer steps fp32 weights whatever the base's dtype
    trainer.train()
    history = [{"step": e["step"], "loss": e["loss"]} for e in trainer.state.log_history if "loss" in e]
    check_losses(history, job["name"])
    trainer.model.save_pretrained(folder / "adapter")
    (folder / "loss_history.json").write_text(json.dumps(history), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "job.json").exists():
        print("usage: python -m helpers.unsloth_train JOB_FOLDER (holding job.json)", file=sys.stderr)
        sys.exit(2)
    train(Path(sys.argv[1]))
