"""What the suite depends on in this CPU, in one place: instruction sets, cores, bf16 and bitsandbytes' path.

The CPU changes from machine to machine (Intel with AMX, AMD with AVX-512 BF16, AVX2-only), and
torch, oneDNN and bitsandbytes each take a different path on each. Every branch can be forced on one
machine, so the tests cover all of them:
- ONEDNN_MAX_CPU_ISA (oneDNN's own): AVX512_CORE_BF16 behaves as a CPU without AMX, AVX2 as one
  without AVX-512;
- ATEN_CPU_CAPABILITY (torch's own): avx2 makes torch's kernels those of an AVX2-only CPU;
- LLM_STUDIES_CPU_BF16=0: bf16 treated as not native (float32 everywhere);
- LLM_STUDIES_BNB_CPU_PACKED=0: bitsandbytes' packed AVX512-BF16 4-bit path off (its generic path).
"""

import os
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BF16_VARIABLE = "LLM_STUDIES_CPU_BF16"
BNB_PACKED_VARIABLE = "LLM_STUDIES_BNB_CPU_PACKED"
ONEDNN_VARIABLE = "ONEDNN_MAX_CPU_ISA"
# oneDNN caps below which it has no bf16 instructions: bf16 would be emulated, slower than float32.
ISAS_WITHOUT_BF16 = {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"}
OFF = ("0", "false", "no", "off")


def available_cpus() -> int:
    """CPUs this process may run on (respects affinity and container limits)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _off(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in OFF


@lru_cache(maxsize=1)
def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def parse_cpuinfo(text: str) -> tuple[str, set[str]]:
    """(model name, flags) of the first processor in a /proc/cpuinfo text."""
    lines = text.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    return model or platform.processor() or platform.machine(), set(flags)


@dataclass(frozen=True)
class CpuCapabilities:
    """The CPU facts and the paths the libraries will take on them."""

    model: str
    cores: int  # CPUs this process may use (affinity and container limits respected)
    avx2: bool
    avx512: bool
    avx512_bf16: bool
    amx: bool  # AMX tiles with bf16: oneDNN's fastest bf16 path (Intel Sapphire Rapids and later)
    onednn_cap: str | None  # ONEDNN_MAX_CPU_ISA, when set
    bf16_crashes: bool  # helpers.cpu_bf16's probe found that bf16 kills the process even when capped
    bf16_forced_off: bool
    bnb_packed_forced_off: bool

    @property
    def native_bf16(self) -> bool:
        """bf16 matrix products run in hardware here (AVX512-BF16 or AMX), not emulated, and are allowed."""
        capped = (self.onednn_cap or "").upper() in ISAS_WITHOUT_BF16
        return (self.avx512_bf16 or self.amx) and not (capped or self.bf16_crashes or self.bf16_forced_off)

    @property
    def bnb_packed_4bit(self) -> bool:
        """bitsandbytes repacks 4-bit weights for its AVX512-BF16 kernel at the first inference forward."""
        return self.avx512_bf16 and not self.bnb_packed_forced_off

    def describe(self) -> str:
        """One Spanish line for the environment summary each notebook prints."""
        isa = "AMX" if self.amx else "AVX-512 BF16" if self.avx512_bf16 else "AVX-512" if self.avx512 else (
            "AVX2" if self.avx2 else "sin AVX2")
        cap = f", oneDNN limitado a {self.onednn_cap}" if self.onednn_cap else ""
        bf16 = "nativo" if self.native_bf16 else "no nativo" + (" (desactivado)" if self.bf16_forced_off else "")
        bnb = "empaquetado AVX512-BF16" if self.bnb_packed_4bit else "genérico"
        return f"CPU {isa}{cap}, {self.cores} núcleos; bf16 {bf16}; 4 bits de bitsandbytes: {bnb}"


def capabilities(cpuinfo: str | None = None, environ: dict | None = None) -> CpuCapabilities:
    """This machine's capabilities (or those of a given /proc/cpuinfo text and environment).

    The bf16 crash probe is read from its cache, not run: helpers.env.set_up runs it first."""
    from helpers.cpu_bf16 import cached_verdict

    model, flags = parse_cpuinfo(_cpuinfo() if cpuinfo is None else cpuinfo)
    environ = os.environ if environ is None else environ
    off = {name: environ.get(name, "").strip().lower() in OFF for name in (BF16_VARIABLE, BNB_PACKED_VARIABLE)}
    return CpuCapabilities(
        model=model, cores=available_cpus(), avx2="avx2" in flags, avx512="avx512f" in flags,
        avx512_bf16="avx512_bf16" in flags, amx={"amx_bf16", "amx_tile"} <= flags,
        onednn_cap=environ.get(ONEDNN_VARIABLE) or None,
        bf16_crashes=(cached_verdict() or {}).get("mode") == "float32", bf16_forced_off=off[BF16_VARIABLE],
        bnb_packed_forced_off=off[BNB_PACKED_VARIABLE])


def apply_bnb_cpu_path() -> bool:
    """Turn bitsandbytes' packed 4-bit CPU path off when LLM_STUDIES_BNB_CPU_PACKED=0; True if it did.

    Layers read the switch when they are built, so call this before loading a model."""
    if not _off(BNB_PACKED_VARIABLE):
        return False
    from importlib.util import find_spec

    if find_spec("bitsandbytes") is None:
        return False
    import bitsandbytes.nn.modules as modules

    modules.has_avx512bf16 = lambda: False
    return True
