"""Precision and attention chosen by compute capability, with a faked T4 (7.5) and a faked A100 (8.0)."""

import re
from pathlib import Path

import pytest
import torch

import helpers.precision as precision
from helpers.paths import REPO_ROOT


def _fake_gpu(monkeypatch, capability, flash_installed):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # what a T4 reports (emulated)
    monkeypatch.setattr(precision, "flash_attention_importable", lambda: flash_installed)


@pytest.mark.parametrize("flash_installed", [True, False])
def test_t4_gets_fp16_autocast_and_sdpa_even_with_flash_attn_installed(monkeypatch, flash_installed):
    _fake_gpu(monkeypatch, (7, 5), flash_installed)
    plan = precision.choose_precision()
    assert (plan.device, plan.dtype_name, plan.attn_implementation) == ("cuda", "float16", "sdpa")
    assert plan.trainer_kwargs() == {"bf16": False, "fp16": True, "use_cpu": False}
    assert plan.full_training_dtype() == torch.float32  # GradScaler needs fp32 weights under fp16
    assert "fp16" in plan.describe() and "7.5" in plan.describe()


@pytest.mark.parametrize("flash_installed,attention", [(True, "flash_attention_2"), (False, "sdpa")])
def test_a100_gets_bf16_and_flash_only_when_installed(monkeypatch, flash_installed, attention):
    _fake_gpu(monkeypatch, (8, 0), flash_installed)
    plan = precision.choose_precision()
    assert plan.dtype() == torch.bfloat16 and plan.attn_implementation == attention
    assert plan.trainer_kwargs() == {"bf16": True, "fp16": False, "use_cpu": False}
    assert plan.model_kwargs() == {"dtype": torch.bfloat16, "attn_implementation": attention}


AMX_CPU = "model name\t: Intel Xeon\nflags\t\t: avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
AVX2_CPU = "model name\t: AMD EPYC\nflags\t\t: avx2 fma\n"


@pytest.mark.parametrize("cpuinfo, requested, dtype", [
    (AMX_CPU, "auto", "bfloat16"), (AVX2_CPU, "auto", "float32"),
    (AMX_CPU, "float32", "float32"), (AVX2_CPU, "bfloat16", "bfloat16"),  # forced: emulated, but asked for
])
def test_cpu_precision_follows_native_bf16_and_the_precision_parameter(monkeypatch, cpuinfo, requested, dtype):
    import helpers.cpu as cpu
    from helpers.models import default_dtype

    real = cpu.capabilities
    monkeypatch.setattr(cpu, "capabilities", lambda: real(cpuinfo, {}))
    monkeypatch.setenv(precision.PRECISION_VARIABLE, requested)
    plan = precision.choose_precision("cpu")
    bf16 = dtype == "bfloat16"
    assert plan.dtype_name == dtype and plan.attn_implementation == "sdpa"
    assert plan.trainer_kwargs() == {"bf16": bf16, "fp16": False, "use_cpu": True}  # bf16 autocast on the CPU
    assert default_dtype("cpu") == getattr(torch, dtype) and f"PRECISION={requested!r}" in plan.describe()


def test_an_avx2_only_cpu_and_a_gpu_keep_their_own_plans(monkeypatch):
    from helpers.cpu import BF16_VARIABLE
    from helpers.models import default_dtype

    monkeypatch.setenv(BF16_VARIABLE, "0")
    monkeypatch.delenv(precision.PRECISION_VARIABLE, raising=False)
    assert precision.choose_precision("cpu").dtype_name == "float32"
    monkeypatch.setenv(precision.PRECISION_VARIABLE, "bfloat16")  # CPU only: a GPU follows its capability
    _fake_gpu(monkeypatch, (7, 5), True)
    assert default_dtype("cuda:1") == torch.float16  # a torchrun rank's device keeps the GPU's plan


def test_an_unknown_precision_is_refused_by_name(monkeypatch):
    from helpers.env import set_up

    with pytest.raises(ValueError, match="PRECISION must be one of .*'float64'"):
        set_up("00_template", precision="float64")
    monkeypatch.setenv(precision.PRECISION_VARIABLE, "fp8")
    with pytest.raises(ValueError, match="PRECISION must be one of"):
        precision.choose_precision("cpu")


def test_device_info_reports_native_bf16_not_the_emulated_one(monkeypatch):
    from helpers.env import detect_device

    _fake_gpu(monkeypatch, (7, 5), False)

    class Props:
        name, total_memory = "Tesla T4", 15 * 2**30

    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device=0: Props())
    info = detect_device(threads=1)
    assert info.kind == "cuda" and info.bf16 is False and "bf16 nativo=no" in str(info)


def test_lora_on_fp16_base_trains_fp32_adapters():
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=64)).half()
    tuned = get_peft_model(model, LoraConfig(r=4, target_modules=["c_attn"], task_type="CAUSAL_LM"))
    precision.upcast_trainable(tuned)
    trainable = [p for p in tuned.parameters() if p.requires_grad]
    assert trainable and all(p.dtype == torch.float32 for p in trainable)
    assert any(p.dtype == torch.float16 for p in tuned.parameters() if not p.requires_grad)


def test_no_code_decides_precision_outside_the_helper():
    pattern = re.compile(r"is_bf16_supported\(|\bbf16=|\bfp16=|attn_implementation\s*=")
    # The grader reports which kernel a student's exercise 4 asked for: it names the argument, decides nothing.
    allowed = {Path("helpers/precision.py"), Path("helpers/workshop/checks_optim.py")}
    offenders = []
    for path in [*REPO_ROOT.glob("helpers/**/*.py"), *REPO_ROOT.glob("notebooks/*.py")]:
        relative = path.relative_to(REPO_ROOT)
        if relative in allowed or relative.name.startswith("05_chatbot_workshop"):
            continue  # the workshop's exercise 4 asks students to pick the attention kernel themselves
        offenders += [f"{relative}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                      if pattern.search(line)]
    assert offenders == []


@pytest.mark.parametrize("capability, expected", [
    ((7, 5), {"qwen2": "float32", "gemma": "float32", "phi3": "float32", "gpt2": "float16"}),
    ((8, 0), {"qwen2": "bfloat16", "gemma": "bfloat16", "phi3": "bfloat16", "gpt2": "bfloat16"}),
])
def test_before_capability_8_only_fp16_safe_families_load_in_fp16(monkeypatch, capability, expected):
    _fake_gpu(monkeypatch, capability, False)
    plan = precision.choose_precision()
    assert {family: plan.for_family(family).dtype_name for family in expected} == expected


def test_a_family_that_overflows_in_fp16_trains_without_fp16_autocast():
    import dataclasses

    @dataclasses.dataclass
    class Config:
        fp16: bool

    assert precision.trainer_config_for_family(Config(True), "qwen2").fp16 is False
    assert precision.trainer_config_for_family(Config(True), "gpt2").fp16 is True
    assert precision.trainer_config_for_family(Config(False), "qwen2").fp16 is False


@pytest.mark.parametrize("capability, plans", [
    ("7.5", {"Qwen/Qwen2.5-1.5B-Instruct": ("float32", None), "Qwen/Qwen2.5-7B-Instruct": ("float32", 4),
             "DeepESP/gpt2-spanish": ("float16", None), "google/gemma-2b-it": ("float32", None)}),
    ("8.0", {"Qwen/Qwen2.5-1.5B-Instruct": ("bfloat16", None), "Qwen/Qwen2.5-7B-Instruct": ("bfloat16", 4)}),
])
def test_the_weight_plan_on_a_simulated_15_gb_gpu(monkeypatch, capability, plans):
    from helpers.gpu_plan import weight_plan

    monkeypatch.setenv("LLM_STUDIES_GPU_MEMORY_GB", "15")
    monkeypatch.setenv("LLM_STUDIES_GPU_CAPABILITY", capability)
    got = {hub_id: weight_plan(hub_id) for hub_id in plans}
    assert {hub_id: (plan.dtype_name, plan.bits) for hub_id, plan in got.items()} == plans
    assert "4 bits, calculando en" in got["Qwen/Qwen2.5-7B-Instruct"].note


def test_fp16_overflow_stops_in_one_sentence_instead_of_scoring_garbage():
    from transformers import GPT2Config, GPT2LMHeadModel

    from helpers.finite import NonFiniteError, guard_finite

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=64)).eval()
    assert guard_finite(model, "gpt2") is False  # fp32: nothing to guard
    model = model.half()
    assert guard_finite(model, "gpt2") is True
    with torch.no_grad():
        model(input_ids=torch.tensor([[1, 2, 3]]))  # finite: passes
        model.transformer.ln_f.weight.fill_(6e4)  # activations past fp16's 65504
        with pytest.raises(NonFiniteError, match=r"gpt2 dio NaN o infinito en float16") as info:
            model(input_ids=torch.tensor([[1, 2, 3]]))
    assert "\n" not in str(info.value)


def test_a_non_finite_training_loss_stops_before_the_adapter_is_saved():
    import types

    from helpers.finite import NonFiniteError, check_losses, finite_loss_callback

    check_losses([{"step": 1, "loss": 2.5}], "m")
    with pytest.raises(NonFiniteError, match="pérdida nan en el paso 3"):
        check_losses([{"step": 1, "loss": 2.5}, {"step": 3, "loss": float("nan")}], "m")
    callback = finite_loss_callback("m")
    state = types.SimpleNamespace(global_step=7)
    callback.on_log(None, state, None, logs={"loss": 1.0})
    with pytest.raises(NonFiniteError, match="paso 7"):
        callback.on_log(None, state, None, logs={"loss": float("inf")})
