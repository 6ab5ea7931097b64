"""A broken or mistyped model folder ends in one error that names the folder and what to do."""

import numpy as np
import pytest

from helpers.models import ModelNotAvailableError, _check_local, load_causal_lm
from helpers.registry import resolve
from helpers.weights import safetensors_problem, weights_problem


def _tiny_weights(path):
    from safetensors.numpy import save_file

    save_file({"w": np.zeros((64, 64), dtype=np.float32)}, str(path))


@pytest.fixture
def gemma_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("LLM_STUDIES_CACHE", str(tmp_path))
    folder = tmp_path / "models" / "gemma3-270m"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "gemma3_text"}')
    return folder


def test_folder_without_weights_names_it_and_says_to_prepare_again(gemma_folder):
    with pytest.raises(ModelNotAvailableError) as info:
        load_causal_lm("gemma3-270m")
    message = str(info.value)
    assert str(gemma_folder) in message and "no weight file" in message
    assert "python -m helpers.setup --force gemma3-270m" in message and "\n" not in message


def test_truncated_weights_are_detected_before_loading(gemma_folder):
    weights = gemma_folder / "model.safetensors"
    _tiny_weights(weights)
    assert weights_problem(gemma_folder) is None and safetensors_problem(weights) is None  # a whole file passes
    weights.write_bytes(weights.read_bytes()[:-100])
    assert "truncated" in safetensors_problem(weights)
    with pytest.raises(ModelNotAvailableError, match=r"incomplete: model\.safetensors: truncated.*--force"):
        load_causal_lm("gemma3-270m")
    weights.write_bytes(b"\xff" * 8 + b"{}")  # a header size larger than the file
    assert "does not fit" in safetensors_problem(weights)
    weights.write_bytes(b"")
    assert "unreadable" in safetensors_problem(weights)


def test_missing_weights_do_not_block_the_tokenizer_check(gemma_folder):
    assert _check_local(resolve("gemma3-270m"), weights=False) is None  # what load_tokenizer checks
    with pytest.raises(ModelNotAvailableError, match="no weight file"):
        _check_local(resolve("gemma3-270m"))


@pytest.mark.parametrize("name", ["./modelos/mi-gemma", "~/no-such-folder-i22/model", "a/b/c"])
def test_mistyped_local_folder_is_not_a_hub_failure(name):
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        load_causal_lm(name)
    assert "Hub" not in str(info.value)


def test_a_first_part_that_is_a_local_folder_means_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "checkpoints").mkdir()
    with pytest.raises(FileNotFoundError, match="checkpoints"):
        resolve("checkpoints/gemma-lora")
    assert resolve("google/gemma-2b-it").source == "hub"
