"""Every CPU path the suite can take, forced on one machine: AMX, AVX-512 BF16 without AMX, AVX2-only,
and bitsandbytes' packed and generic 4-bit paths (the grader's tiny model must run on each)."""

import json
import os
import subprocess
import sys

import pytest
import torch

from helpers.cpu import BF16_VARIABLE, BNB_PACKED_VARIABLE, apply_bnb_cpu_path, capabilities
from helpers.paths import REPO_ROOT

INTEL_AMX = "model name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: fpu sse avx avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
AMD_BF16 = "model name\t: AMD EPYC 9R14 96-Core Processor\nflags\t\t: fpu sse avx avx2 avx512f avx512_bf16 avx512_vnni\n"
AVX2_ONLY = "model name\t: AMD EPYC 7R13 Processor\nflags\t\t: fpu sse avx avx2 fma\n"
# What a CPU without AVX-512 looks like to each library: oneDNN, torch's own kernels, bitsandbytes, bf16.
AVX2_ENV = {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", BNB_PACKED_VARIABLE: "0", BF16_VARIABLE: "0"}


@pytest.mark.parametrize("cpuinfo, environ, native_bf16, packed, words", [
    (INTEL_AMX, {}, True, True, "CPU AMX"),
    (AMD_BF16, {}, True, True, "CPU AVX-512 BF16"),
    (AVX2_ONLY, {}, False, False, "CPU AVX2"),
    (INTEL_AMX, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, True, True, "limitado a AVX512_CORE_BF16"),
    (INTEL_AMX, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, False, True, "bf16 no nativo"),
    (AMD_BF16, {BF16_VARIABLE: "0"}, False, True, "bf16 no nativo (desactivado)"),
    (AMD_BF16, {BNB_PACKED_VARIABLE: "0"}, True, False, "bitsandbytes: genérico"),
])
def test_capabilities_of_each_cpu_kind_and_each_forced_branch(cpuinfo, environ, native_bf16, packed, words):
    found = capabilities(cpuinfo, environ)
    assert (found.native_bf16, found.bnb_packed_4bit) == (native_bf16, packed)
    assert words in found.describe() and found.cores >= 1


def test_the_packed_path_is_predicted_as_bitsandbytes_itself_decides():
    import bitsandbytes.functional as bnb_functional

    assert capabilities(environ={}).bnb_packed_4bit == bool(bnb_functional.has_avx512bf16())


def test_set_up_prints_the_cpu_line(tmp_path, capsys):
    from helpers.env import set_up

    set_up("00_template", output_dir=str(tmp_path))
    assert capabilities().describe() in capsys.readouterr().out


# --- bitsandbytes on the grader's tiny model -------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_folder():
    from helpers.registry import resolve
    from helpers.workshop.tiny import tiny_model_folder

    return tiny_model_folder(str(resolve("qwen2.5-coder-0.5b-instruct").path))


def _quantised(folder, config, packed: bool):
    import bitsandbytes.nn.modules as modules
    from transformers import AutoModelForCausalLM

    original = modules.has_avx512bf16
    if not packed:
        modules.has_avx512bf16 = lambda: False  # what LLM_STUDIES_BNB_CPU_PACKED=0 does
    try:
        return AutoModelForCausalLM.from_pretrained(folder, quantization_config=config, device_map={"": "cpu"}).eval()
    finally:
        modules.has_avx512bf16 = original


def _configs():
    from transformers import BitsAndBytesConfig

    return {"nf4 double quant": BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                   bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.float32),
            "fp4": BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="fp4"),
            "8-bit": BitsAndBytesConfig(load_in_8bit=True)}


@pytest.mark.parametrize("packed", [True, False], ids=["packed", "generic"])
@pytest.mark.parametrize("kind", ["nf4 double quant", "fp4", "8-bit"])
def test_the_tiny_model_runs_on_every_bitsandbytes_cpu_path(tiny_folder, kind, packed):
    if kind == "8-bit" and not packed:
        pytest.skip("8-bit has one CPU path")
    if packed and kind != "8-bit" and not capabilities(environ={}).bnb_packed_4bit:
        pytest.skip("this CPU has no AVX512-BF16: bitsandbytes' packed path cannot run here")
    model = _quantised(tiny_folder, _configs()[kind], packed)
    with torch.inference_mode():
        output = model.generate(torch.tensor([[100, 101, 102]]), max_new_tokens=3, do_sample=False)
        logits = model(torch.tensor([[100, 101, 102]])).logits
    assert output.shape == (1, 6) and torch.isfinite(logits).all()
    if kind != "8-bit":
        import bitsandbytes as bnb

        states = [m.weight.quant_state for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
        assert states and {getattr(s, "packing_format_for_cpu", False) for s in states} == {packed}


def test_a_model_narrower_than_the_block_fails_on_the_packed_path(tmp_path):
    """The cause the tiny model's shape avoids: 32 input features in 64-value blocks (the AMD hang)."""
    if not capabilities(environ={}).bnb_packed_4bit:
        pytest.skip("this CPU has no AVX512-BF16: bitsandbytes' packed path cannot run here")
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from helpers.registry import resolve

    tokenizer = AutoTokenizer.from_pretrained(resolve("qwen2.5-coder-0.5b-instruct").path)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2)
    Qwen2ForCausalLM(config).save_pretrained(tmp_path)
    model = _quantised(tmp_path, _configs()["nf4 double quant"], packed=True)
    with pytest.raises(RuntimeError, match="invalid for input of size"), torch.inference_mode():
        model(torch.tensor([[100, 101]]))


def test_every_quantised_layer_of_the_tiny_model_fits_the_blocks(tiny_folder):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_folder)
    linears = [m for name, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "lm_head" not in name]
    assert linears and all(m.in_features % 64 == 0 and m.out_features % 32 == 0 for m in linears)


def test_the_packed_switch_turns_bitsandbytes_generic(monkeypatch):
    import bitsandbytes.nn.modules as modules

    monkeypatch.setattr(modules, "has_avx512bf16", modules.has_avx512bf16)  # restored after the test
    monkeypatch.delenv(BNB_PACKED_VARIABLE, raising=False)
    assert apply_bnb_cpu_path() is False
    monkeypatch.setenv(BNB_PACKED_VARIABLE, "0")
    assert apply_bnb_cpu_path() is True and modules.has_avx512bf16() is False


# --- the grader's exercise 4 (quantisation, window, performance) on other CPU kinds, in a fresh process ---

GRADE_EXERCISE_4 = """
import json, tempfile
from helpers.cpu import capabilities
from helpers.workshop.checks import run_checks
from helpers.workshop.sheet import solution_namespace
ns = solution_namespace(exercises=(1, 4), OUTPUT_DIR=tempfile.mkdtemp())
result = run_checks(ns, browser=False, free_models=False, exercises=(4,))[0]
import torch
print(json.dumps({"result": result, "cpu": capabilities().describe(), "isa": torch.backends.cpu.get_cpu_capability()}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("environ, isa, words", [
    ({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, None, "limitado a AVX512_CORE_BF16"),  # as on AMD: no AMX
    (AVX2_ENV, "AVX2", "bf16 no nativo (desactivado); 4 bits de bitsandbytes: genérico"),
], ids=["avx512-bf16 without AMX", "avx2 only"])
def test_the_workshop_grader_passes_exercise_4_on_another_cpu_kind(environ, isa, words):
    env = {**os.environ, **environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", GRADE_EXERCISE_4], env=env, capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["result"]["passed"], report["result"]["message"]
    assert words in report["cpu"] and (isa is None or report["isa"] == isa)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_notebook_runs_in_float32_on_an_avx2_only_cpu(tmp_path, monkeypatch):
    """The float32 path every notebook keeps where bf16 is not native (make test runs the others in 'auto')."""
    from helpers.notebook_runner import read_metrics, run_notebook
    from tests.notebook_cases import CASES

    for name, value in AVX2_ENV.items():
        monkeypatch.setenv(name, value)  # the kernel inherits them before torch loads
    output = run_notebook("00_template", tmp_path, CASES["00_template"]["parameters"], progress=False)
    metrics = read_metrics(output)
    assert metrics["precision"] == {"device": "cpu", "dtype": "float32", "requested": "auto"}
    assert "bf16 no nativo (desactivado)" in metrics["cpu"] and "bitsandbytes: genérico" in metrics["cpu"]
    CASES["00_template"]["check"](metrics)
