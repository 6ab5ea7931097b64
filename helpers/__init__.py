"""Shared code for the llm-studies notebooks; importing it stays light (no torch)."""

from helpers.cpu_bf16 import apply_cached_cap
from helpers.env import apply_offline_defaults

__version__ = "0.1.0"

apply_offline_defaults()
apply_cached_cap()  # before torch loads: oneDNN reads its ISA cap once
