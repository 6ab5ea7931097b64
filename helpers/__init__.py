"""Shared code for the llm-studies notebooks; importing it stays light (no torch)."""

from helpers.env import apply_offline_defaults

__version__ = "0.1.0"

apply_offline_defaults()
