"""The bf16 SIGILL quirk: probed once per machine in a subprocess, capped or refused, never fatal here."""

import json
import os

import pytest

from helpers import cpu_bf16

CRASH_UNLESS_CAPPED = ("import os, signal\n"
                       "if os.environ.get('ONEDNN_MAX_CPU_ISA') != 'AVX512_CORE_BF16': os.kill(os.getpid(), signal.SIGILL)")
ALWAYS_CRASH = "import os, signal; os.kill(os.getpid(), signal.SIGILL)"


@pytest.fixture
def machine(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_STUDIES_CACHE", str(tmp_path))
    monkeypatch.delenv(cpu_bf16.ISA_VARIABLE, raising=False)
    return tmp_path


def test_a_crashing_product_is_reported_with_its_signal_not_fatal():
    result = cpu_bf16.run_probe(None, ALWAYS_CRASH)
    assert result == {"ok": False, "signal": "SIGILL", "detail": "killed by SIGILL"}
    assert cpu_bf16.run_probe(None, "raise SystemExit(3)")["ok"] is False
    assert cpu_bf16.run_probe(None, "pass")["ok"] is True


@pytest.mark.parametrize("code,mode", [("pass", "native"), (CRASH_UNLESS_CAPPED, "capped"), (ALWAYS_CRASH, "float32")])
def test_probe_tries_the_cap_only_when_needed(code, mode):
    assert cpu_bf16.probe(code)["mode"] == mode


def test_verdict_is_cached_per_machine_and_the_cap_is_set(machine, monkeypatch):
    calls = []
    monkeypatch.setattr(cpu_bf16, "probe", lambda: calls.append(1) or {"mode": "capped"})
    assert cpu_bf16.ensure_cpu_bf16()["mode"] == "capped"
    assert os.environ[cpu_bf16.ISA_VARIABLE] == "AVX512_CORE_BF16" and cpu_bf16.cpu_bf16_safe()
    monkeypatch.delenv(cpu_bf16.ISA_VARIABLE)
    cpu_bf16.apply_cached_cap()  # what `import helpers` does, before torch loads
    assert os.environ[cpu_bf16.ISA_VARIABLE] == "AVX512_CORE_BF16"
    cpu_bf16.ensure_cpu_bf16()
    assert calls == [1]  # probed once
    assert cpu_bf16.cache_file().parent == machine / "machine"


def test_corrupt_cache_probes_again(machine, monkeypatch):
    monkeypatch.setattr(cpu_bf16, "probe", lambda: {"mode": "native"})
    cpu_bf16.cache_file().parent.mkdir(parents=True)
    cpu_bf16.cache_file().write_text("{broken")
    assert cpu_bf16.ensure_cpu_bf16()["mode"] == "native"
    assert json.loads(cpu_bf16.cache_file().read_text())["mode"] == "native"


def test_unsafe_cpu_loads_float32_with_a_one_line_notice(machine, monkeypatch, capsys):
    import torch

    from helpers.models import cpu_safe_dtype

    monkeypatch.setattr(cpu_bf16, "probe", lambda: {"mode": "float32"})
    assert not cpu_bf16.cpu_bf16_safe()
    assert cpu_safe_dtype(torch.bfloat16, "cpu") == torch.float32
    assert capsys.readouterr().out.count("\n") == 1
    assert cpu_safe_dtype(torch.bfloat16, "cuda") == torch.bfloat16
    assert cpu_safe_dtype(torch.float32, "cpu") == torch.float32


def test_environment_summary_says_what_bf16_does_here(machine, monkeypatch, capsys):
    from helpers.env import set_up

    monkeypatch.setattr(cpu_bf16, "probe", lambda: {"mode": "capped"})
    set_up("00_template", output_dir=str(machine / "out"))
    assert "bf16 en CPU: sí, con oneDNN limitado a AVX512_CORE_BF16" in capsys.readouterr().out
    assert "float32" in cpu_bf16.describe({"mode": "float32"})


def test_the_real_probe_runs_on_this_machine(machine):
    verdict = cpu_bf16.ensure_cpu_bf16()
    assert verdict["mode"] in ("native", "capped", "float32")
    assert verdict["native"]["signal"] in (None, "SIGILL")
