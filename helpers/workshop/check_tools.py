"""What every exercise check uses: failing with a message, finding the student's names, spying on generate."""

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple


class Check(NamedTuple):
    """One check of an exercise: its id, what it expects (Spanish), its code and the points it is worth."""

    name: str
    expected: str
    run: Callable  # run(ns, context) -> a message on success; raises CheckFailed otherwise
    points: int = 1
    browser: bool = False  # needs a real browser: left out when the grader or comprobar runs without one


class CheckFailed(AssertionError):
    """A check whose expectation was not met; the message says what was expected and what came."""


def expect(condition, message: str) -> None:
    """Fail the check with message unless condition holds."""
    if not condition:
        raise CheckFailed(message)


def function(ns: dict, name: str):
    """The student's object called name, or a failure saying it is missing."""
    expect(name in ns, f"no se encuentra `{name}`: ¿ejecutaste la celda que la define?")
    return ns[name]


class GenerateSpy:
    """Wraps model.generate to record each call's input ids, parameters and output."""

    def __init__(self, model):
        self.model, self.calls = model, []
        self.original = model.generate
        model.generate = self

    def __call__(self, *args, **kwargs):
        output = self.original(*args, **kwargs)
        self.calls.append({"input_ids": kwargs.get("input_ids", args[0] if args else None),
                           "kwargs": kwargs, "output": output})
        return output

    def parameter(self, name: str, call: int = -1):
        """The value generate received for name (keyword or generation_config), or None."""
        kwargs = self.calls[call]["kwargs"]
        return kwargs[name] if name in kwargs else getattr(kwargs.get("generation_config"), name, None)

    def new_ids(self, call: int = -1):
        """The ids generate added after the prompt in a call."""
        record = self.calls[call]
        output = record["output"]
        output = output.sequences if hasattr(output, "sequences") else output
        return output[0, record["input_ids"].shape[-1]:]


class Context:
    """What the checks share: the tiny model's folder, its tokenizer, options."""

    def __init__(self, tiny_folder: Path, browser: bool, screenshot: Path | None):
        from transformers import AutoTokenizer

        self.folder, self.browser, self.screenshot = str(tiny_folder), browser, screenshot
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder)

    def model(self):
        """A fresh copy of the tiny model, float32, eval mode, on CPU."""
        import torch
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(self.folder, dtype=torch.float32).eval()
