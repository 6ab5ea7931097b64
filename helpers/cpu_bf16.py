"""Whether a bfloat16 matrix product is safe on this machine's CPU, probed once in a subprocess.

Some virtual machines advertise AMX, oneDNN uses it for bf16, and the process dies with SIGILL.
Capping oneDNN at AVX512_CORE_BF16 (read when torch first runs a oneDNN kernel) avoids it; where
even that fails, bf16 on the CPU falls back to float32. The verdict is cached per machine.
"""

import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA"
CAPPED_ISA = "AVX512_CORE_BF16"
PROBE = ("import torch; a = torch.randn(64, 64, dtype=torch.bfloat16); (a @ a).sum().item(); "
         "torch.nn.functional.linear(a, a).sum().item()")


def _machine_key() -> str:
    """CPU model, flags, host and torch version: a new VM kind or torch build probes again."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        model = next((line for line in cpuinfo.splitlines() if line.startswith("model name")), "")
        flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
    except OSError:
        model, flags = platform.processor(), ""
    try:
        from importlib.metadata import version

        torch_version = version("torch")
    except Exception:  # noqa: BLE001 - no torch: nothing to probe, any key will do
        torch_version = "none"
    return hashlib.sha256("|".join([platform.node(), model, flags, torch_version]).encode()).hexdigest()[:16]


def cache_file() -> Path:
    from helpers.paths import cache_dir

    return cache_dir() / "machine" / f"cpu-bf16-{_machine_key()}.json"


def run_probe(isa: str | None, code: str = PROBE, timeout: float = 300) -> dict:
    """Run the bf16 product in a child process; {"ok", "signal"} of how it ended."""
    env = {k: v for k, v in os.environ.items() if k != ISA_VARIABLE}
    if isa:
        env[ISA_VARIABLE] = isa
    try:
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "signal": None, "detail": "timed out"}
    if result.returncode < 0:
        name = signal.Signals(-result.returncode).name
        return {"ok": False, "signal": name, "detail": f"killed by {name}"}
    detail = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    return {"ok": result.returncode == 0, "signal": None, "detail": detail[0][:200]}


def probe(code: str = PROBE) -> dict:
    """Probe without a cap, then (on failure) with the cap: {"mode": "native" | "capped" | "float32", ...}."""
    native = run_probe(None, code)
    if native["ok"]:
        return {"mode": "native", "native": native}
    capped = run_probe(CAPPED_ISA, code)
    return {"mode": "capped" if capped["ok"] else "float32", "native": native, "capped": capped}


def cached_verdict() -> dict | None:
    """The cached probe result for this machine, or None (never probed, or an unreadable cache)."""
    try:
        verdict = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return verdict if isinstance(verdict, dict) and verdict.get("mode") in ("native", "capped", "float32") else None


def _apply(verdict: dict) -> None:
    if verdict["mode"] == "capped":
        os.environ.setdefault(ISA_VARIABLE, CAPPED_ISA)


def apply_cached_cap() -> None:
    """At `import helpers`: cap oneDNN when this machine is known to need it (no probe, no torch)."""
    verdict = cached_verdict()
    if verdict is not None:
        _apply(verdict)


def ensure_cpu_bf16() -> dict:
    """Probe once per machine (cached), set the cap where it is needed; the verdict.

    A user's own ONEDNN_MAX_CPU_ISA is respected and reported as such."""
    if ISA_VARIABLE in os.environ and cached_verdict() is None:
        return {"mode": "user", "isa": os.environ[ISA_VARIABLE]}
    verdict = cached_verdict()
    if verdict is None:
        verdict = probe()
        from helpers.io import atomic_write_json

        try:
            atomic_write_json(cache_file(), verdict)
        except OSError:
            pass  # a read-only cache: probe again next time
    _apply(verdict)
    return verdict


def cpu_bf16_safe() -> bool:
    """True when a bf16 matrix product on the CPU will not kill this process."""
    verdict = ensure_cpu_bf16()
    if verdict["mode"] == "capped":
        return os.environ.get(ISA_VARIABLE) == CAPPED_ISA
    return verdict["mode"] in ("native", "user")


def describe(verdict: dict) -> str:
    """One line, in Spanish, for the environment summary each notebook prints."""
    return {"native": "bf16 en CPU: sí",
            "capped": f"bf16 en CPU: sí, con oneDNN limitado a {CAPPED_ISA} (este procesador falla con AMX)",
            "float32": "bf16 en CPU: no (el procesador se cae con bf16); se usará float32",
            "user": f"bf16 en CPU: {ISA_VARIABLE}={verdict.get('isa')} fijado por el usuario"}[verdict["mode"]]
