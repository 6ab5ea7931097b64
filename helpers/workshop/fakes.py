"""A simulated GPU for the checks: CUDA 'available' with a given capability, and a recording model loader."""

from contextlib import ExitStack, contextmanager
from types import SimpleNamespace
from unittest import mock


class FakeModel:
    """Stands in for a model loaded on the simulated GPU: records dtype, device and mode."""

    def __init__(self, kwargs: dict):
        import torch

        self.loaded_with = kwargs
        self.dtype = kwargs.get("dtype") or kwargs.get("torch_dtype") or torch.float32
        if isinstance(self.dtype, str) and self.dtype != "auto":
            self.dtype = getattr(torch, self.dtype)
        device_map = kwargs.get("device_map")
        self.device = torch.device("cuda" if device_map not in (None, "cpu", {"": "cpu"}) else "cpu")
        self.training = True
        self.config = SimpleNamespace(model_type="qwen2", pad_token_id=None, _name_or_path="simulado")
        self.generation_config = SimpleNamespace(pad_token_id=None)

    def to(self, *args, **kwargs):
        import torch

        for value in list(args) + list(kwargs.values()):
            if isinstance(value, torch.dtype):
                self.dtype = value
            elif isinstance(value, (str, torch.device)):
                self.device = torch.device(value)
        return self

    def half(self):
        import torch

        self.dtype = torch.float16
        return self

    def bfloat16(self):
        import torch

        self.dtype = torch.bfloat16
        return self

    def cuda(self, *args):
        import torch

        self.device = torch.device("cuda")
        return self

    def eval(self):
        self.training = False
        return self

    def train(self, mode=True):
        self.training = mode
        return self

    def get_memory_footprint(self):
        return 1


@contextmanager
def simulated_gpu(capability=(7, 5), name="Tesla T4 (simulada)"):
    """CUDA reported available with the given compute capability; causal-LM loading returns FakeModel."""
    import torch
    from transformers import AutoModelForCausalLM

    loads: list[FakeModel] = []

    def fake_load(*args, **kwargs):
        loads.append(FakeModel(kwargs))
        return loads[-1]

    properties = SimpleNamespace(total_memory=16 * 2**30, name=name, major=capability[0], minor=capability[1],
                                 multi_processor_count=40)
    with ExitStack() as stack:
        for attribute, value in {"is_available": lambda: True, "device_count": lambda: 1,
                                 "get_device_name": lambda *a: name,
                                 "get_device_properties": lambda *a: properties,
                                 "get_device_capability": lambda *a: capability,
                                 "is_bf16_supported": lambda *a, **k: True,  # what a T4 really answers
                                 "current_device": lambda: 0}.items():
            stack.enter_context(mock.patch.object(torch.cuda, attribute, value))
        stack.enter_context(mock.patch.object(AutoModelForCausalLM, "from_pretrained", fake_load))
        yield loads


@contextmanager
def hidden_gpu():
    """CUDA reported unavailable: the checks grade the same CPU behaviour on a GPU machine (Colab) as here."""
    import torch

    with mock.patch.object(torch.cuda, "is_available", lambda: False):
        yield
