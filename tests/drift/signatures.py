"""Every keyword argument the helpers pass to transformers, trl, peft and generate, checked against the
installed libraries' signatures: `python -m tests.drift.signatures` exits 1 naming each one that drifted.

Static: each call in helpers/ to a known library callable, with the keyword names written there and
those of dicts built in the same function (`fields = dict(...)`, `kwargs |= {...}`). Many of these
callables take **kwargs and pass unknown names on silently (from_pretrained to the config, a model's
forward), so the accepted names are read from the library: the signature, the names its source pops from
kwargs, and for from_pretrained the config's attributes, for generate GenerationConfig's."""

import ast
import inspect
import re
import sys
from functools import cache
from pathlib import Path

from helpers.paths import REPO_ROOT

MODEL_NAMES = {"model", "current_model", "causal", "modelo"}  # variables holding a causal LM in helpers/
TOKENIZER_NAMES = {"tokenizer", "tokenizador"}
LOADERS = {"AutoModelForCausalLM", "AutoModelForSequenceClassification", "AutoModel", "AutoTokenizer",
           "PeftModel", "SentenceTransformer", "AutoConfig"}
# Helpers whose returned dict is spread into a library call: the keys they can return, read at run time.
DYNAMIC_KEYS = {
    "trainer_kwargs": lambda: {"bf16", "fp16", "use_cpu"} | set(_precision().trainer_kwargs()),
    "model_kwargs": lambda: set(_precision().model_kwargs()),
    "ddp_kwargs": lambda: set(__import__("helpers.training", fromlist=["x"]).ddp_kwargs()),
    "tracking_fields": lambda: _tracking_keys(),
    "checkpointing_field": lambda: {_checkpointing()},
}


def _precision():
    from helpers.precision import choose_precision

    return choose_precision("cpu")


def _tracking_keys() -> set:
    from helpers.tracking import tracking_fields

    return set(tracking_fields("none", "/tmp/llm-studies-drift", "x"))


def _checkpointing() -> str:
    from trl import SFTConfig

    from helpers.training import checkpointing_field

    return checkpointing_field(SFTConfig)


def _popped(function) -> set:
    """Names a function reads out of its **kwargs (kwargs.pop("x") / kwargs.get("x") / kwargs["x"])."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return set()
    return set(re.findall(r"kwargs\.(?:pop|get)\(\s*[\"'](\w+)[\"']", source)) | set(
        re.findall(r"kwargs\[[\"'](\w+)[\"']\]", source))


def _params(function) -> tuple[set, bool]:
    """(named parameters, whether it takes **kwargs)."""
    signature = inspect.signature(function)
    names = {p.name for p in signature.parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    return names, any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())


FORWARDS_ANY = {"TextIteratorStreamer"}  # passes its **kwargs to tokenizer.decode: any name is legal


@cache
def accepted(target: str) -> set | None:
    """The keyword names a library callable takes (None: any, it forwards **kwargs on untouched)."""
    import transformers
    from transformers import GenerationConfig

    if target == "generate":
        from transformers.generation.utils import GenerationMixin
        names, _ = _params(GenerationMixin.generate)
        return names | _popped(GenerationMixin.generate) | set(GenerationConfig().to_dict()) | accepted("forward")
    if target in ("forward", "backbone"):
        from transformers import LlamaForCausalLM, LlamaModel
        names, _ = _params((LlamaForCausalLM if target == "forward" else LlamaModel).forward)
        return names | {"fused_lm_head", "shift_labels", "num_items_in_batch"}  # trl's fused head wrapper
    if target == "tokenizer":
        from transformers import PreTrainedTokenizerBase
        return _params(PreTrainedTokenizerBase.__call__)[0]
    if target in FORWARDS_ANY:
        return None
    if target in ("SFTConfig", "SFTTrainer"):
        import trl
        cls = getattr(trl, target)
    elif target in ("LoraConfig", "get_peft_model"):
        import peft
        cls = getattr(peft, target)
    elif target == "add_fused_lm_head":
        from trl.trainer.utils import add_fused_lm_head as cls
    elif target == "SentenceTransformer":
        from sentence_transformers import SentenceTransformer as cls
    else:
        cls = getattr(transformers, target)
    function = cls.__init__ if inspect.isclass(cls) else cls
    return _params(function)[0] | _popped(function)


@cache
def accepted_loader(loader: str) -> set | None:
    """The keyword names `<loader>.from_pretrained` takes: parameters, what it pops, config attributes."""
    import transformers
    from transformers import PretrainedConfig, PreTrainedModel

    if loader == "PeftModel":
        import peft
        return _params(peft.PeftModel.from_pretrained)[0] | _popped(peft.PeftModel.from_pretrained)
    if loader == "SentenceTransformer":
        from sentence_transformers import SentenceTransformer
        return _params(SentenceTransformer.__init__)[0]
    if loader == "AutoTokenizer":
        return None  # every name is a tokenizer attribute: nothing to check
    names, _ = _params(PreTrainedModel.from_pretrained)
    names |= _popped(PreTrainedModel.from_pretrained) | _popped(getattr(transformers, loader).from_pretrained)
    return names | set(PretrainedConfig().to_dict()) | {"num_labels", "id2label", "label2id"}


def _keys(node, local: dict) -> set:
    """Keyword names a ** expression supplies, where they can be known."""
    if isinstance(node, ast.Name):
        return local.get(node.id, set())
    if isinstance(node, ast.BinOp):
        return _keys(node.left, local) | _keys(node.right, local)
    if isinstance(node, ast.IfExp):
        return _keys(node.body, local) | _keys(node.orelse, local)
    if isinstance(node, ast.Dict):
        found = set()
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant):
                found.add(key.value)
            elif key is None:
                found |= _keys(value, local)
            elif isinstance(key, ast.Call):
                found |= _keys(key, local)
        return found
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "dict":
            return {k.arg for k in node.keywords if k.arg} | set().union(
                *[_keys(k.value, local) for k in node.keywords if k.arg is None])
        if name in DYNAMIC_KEYS:
            return DYNAMIC_KEYS[name]()
    return set()


def _target(call: ast.Call) -> tuple[str, str] | None:
    """(kind, name) of a call to check: ('call', 'SFTConfig'), ('loader', 'AutoModelForCausalLM'), ..."""
    func = call.func
    if isinstance(func, ast.Name):
        if func.id == "_from_pretrained" and len(call.args) > 1:
            loader = call.args[1]
            return "loader", getattr(loader.value, "id", "") if isinstance(loader, ast.Attribute) else loader.id
        if func.id in MODEL_NAMES:
            return "call", "forward"
        if func.id == "backbone":
            return "call", "backbone"
        if func.id in TOKENIZER_NAMES:
            return "call", "tokenizer"
        if func.id in {"SFTConfig", "TrainingArguments", "LoraConfig", "BitsAndBytesConfig", "SFTTrainer", "Trainer",
                       "get_peft_model", "add_fused_lm_head", "RepetitionPenaltyLogitsProcessor",
                       "DataCollatorWithPadding", "TextIteratorStreamer", "SentenceTransformer"}:
            return "call", func.id
    if isinstance(func, ast.Attribute):
        if func.attr == "generate":
            return "call", "generate"
        if func.attr == "from_pretrained" and isinstance(func.value, ast.Name) and func.value.id in LOADERS:
            return "loader", func.value.id
    return None


def call_sites(root: Path = REPO_ROOT / "helpers") -> list[tuple[str, int, str, str, str]]:
    """(file, line, kind, target, keyword) for every checked keyword argument under root."""
    sites = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            local: dict[str, set] = {}
            for node in ast.walk(function):  # dicts built in this function, by variable
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    local.setdefault(node.targets[0].id, set()).update(_keys(node.value, local))
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    local.setdefault(node.target.id, set()).update(_keys(node.value, local))
                elif (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript)
                      and isinstance(node.targets[0].value, ast.Name) and isinstance(node.targets[0].slice, ast.Constant)):
                    local.setdefault(node.targets[0].value.id, set()).add(node.targets[0].slice.value)
            for call in [n for n in ast.walk(function) if isinstance(n, ast.Call)]:
                target = _target(call)
                if target is None:
                    continue
                names = {k.arg for k in call.keywords if k.arg} | set().union(
                    *[_keys(k.value, local) for k in call.keywords if k.arg is None])
                names -= {"weights", "facts"} if call.func.__dict__.get("id") == "_from_pretrained" else set()
                relative = str(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)
                sites += [(relative, call.lineno, *target, name) for name in sorted(names)]
    return sorted(set(sites))


def drift(sites) -> list[str]:
    """One line per keyword argument the installed library does not take."""
    problems = []
    for path, line, kind, target, name in sites:
        allowed = accepted_loader(target) if kind == "loader" else accepted(target)
        if allowed is not None and name not in allowed:
            shown = f"{target}.from_pretrained" if kind == "loader" else target
            problems.append(f"{path}:{line}: {shown}() does not take {name!r} here")
    return problems


def main() -> int:
    from importlib.metadata import version

    sites = call_sites()
    versions = ", ".join(f"{n} {version(n)}" for n in ("transformers", "trl", "peft", "accelerate", "torch"))
    problems = drift(sites)
    print(f"{len(sites)} keyword arguments at {len({(s[0], s[1]) for s in sites})} calls checked against {versions}")
    for problem in problems:
        print(f"DRIFT {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
