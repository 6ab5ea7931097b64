"""unsloth trains, and only trains: a LoRA adapter is trained with unsloth in a separate process, saved,
and loaded back onto a plain transformers model, so every inference takes the cache paths the tests cover.

unsloth patches transformers' model classes (their forward, the KV cache as tuples) for the whole process
that imports it: a plain model loaded after it in that process would still run unsloth's forward. This
process never imports unsloth."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT

JOB_FOLDER = "unsloth-job"


def config_fields(config) -> dict:
    """The SFTConfig's constructor fields as JSON, tokens as they are (to_dict masks them), no hub token."""
    import dataclasses

    fields = {f.name for f in dataclasses.fields(config) if f.init}
    plain = {k: v for k, v in config.to_dict().items() if k in fields and k != "hub_token"}
    for key in [k for k in plain if k.endswith("_token")]:
        plain[key] = getattr(config, key)
    return plain


def _job(model, tokenizer, train_rows: list[dict], config, peft_config, folder: Path) -> dict:
    from helpers.gpu_plan import runnable_dtype, weight_plan
    from helpers.registry import resolve

    spec = model.llm_studies_finetune
    ref = resolve(spec["name"])
    plan = weight_plan(ref.alias, "lora", config.per_device_train_batch_size, spec["max_length"])
    if plan.note:
        print(plan.note)
    tokenizer.save_pretrained(folder / "tokenizer")  # the chat template and tokens inference uses
    (folder / "rows.json").write_text(json.dumps(train_rows, ensure_ascii=False), encoding="utf-8")
    return {"name": spec["name"], "location": str(ref.path) if ref.source in ("local", "path") else ref.location,
            "revision": getattr(model.config, "_commit_hash", None), "max_length": spec["max_length"],
            "dtype": runnable_dtype(plan.dtype_name), "bits": plan.bits, "seed": config.seed, "config": config_fields(config),
            "lora": {"r": peft_config.r, "alpha": peft_config.lora_alpha, "dropout": peft_config.lora_dropout,
                     "targets": sorted(peft_config.target_modules)}}


def _stream(command: list[str], log_path: Path) -> int:
    """Run the training process, echoing its output here (a notebook shows it) and into a log file."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    with open(log_path, "w", encoding="utf-8") as log, subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as process:
        for line in process.stdout:
            log.write(line)
            print(line, end="", flush=True)
    return process.returncode


def train_in_unsloth_process(model, tokenizer, train_rows: list[dict], config, peft_config):
    """(peft model, loss history): release `model`, train with unsloth in a child process, then load the
    saved adapter onto a freshly loaded plain transformers model (the same repository and revision)."""
    from peft import PeftModel

    from helpers.finite import check_losses
    from helpers.gpu_plan import release
    from helpers.models import load_causal_lm

    folder = Path(config.output_dir) / JOB_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    release(model)  # the child needs the GPU memory this process held
    job = _job(model, tokenizer, train_rows, config, peft_config, folder)
    (folder / "job.json").write_text(json.dumps(job, ensure_ascii=False, indent=1), encoding="utf-8")
    code = _stream([sys.executable, "-m", "helpers.unsloth_train", str(folder)], folder / "train.log")
    if code != 0:
        raise RuntimeError(f"el entrenamiento con unsloth terminó con el código {code}; su salida completa está "
                           f"en {folder / 'train.log'}")
    history = json.loads((folder / "loss_history.json").read_text(encoding="utf-8"))
    check_losses(history, job["name"])
    fresh, _ = load_causal_lm(job["name"], length=job["max_length"])  # plain transformers, as before training
    tuned = PeftModel.from_pretrained(fresh, str(folder / "adapter")).eval()
    return tuned, history
