"""Hub failures in one line that says what to do (gated: accept the licence, set HF_TOKEN; private or
mistyped; offline), and the repository and revision every load used, in metrics.json."""

import pytest
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

from helpers.hub import ModelNotAvailableError, hub_error, loaded_models, record_load
from helpers.models import _from_pretrained
from helpers.registry import ModelRef


def _raising(cause):
    def loader(location, **kwargs):
        try:
            raise cause
        except Exception as error:  # as transformers wraps Hub errors: an OSError from the original
            raise OSError(f"{location}: something went wrong") from error
    return loader


class _Response:
    status_code, headers, url, request = 401, {}, "https://huggingface.co/x", None


@pytest.mark.parametrize("cause, said", [
    (GatedRepoError("403 Client Error", response=_Response()), "is gated: accept its licence at "
                                                                "https://huggingface.co/google/gemma-2b-it"),
    (RepositoryNotFoundError("404 Client Error", response=_Response()), "not found on the Hugging Face Hub, or it is private"),
    (ConnectionError("Network is unreachable"), "without network use PROFILE='local'"),
])
def test_each_hub_failure_says_what_to_do_in_one_line(cause, said):
    ref = ModelRef("google/gemma-2b-it", "hub", "google/gemma-2b-it", "unknown")
    with pytest.raises(ModelNotAvailableError) as info:
        _from_pretrained(ref, _raising(cause))
    message = str(info.value)
    assert said in message and "\n" not in message
    gated = "HF_TOKEN" in message and "secret" in message
    assert gated == (not isinstance(cause, ConnectionError))  # the offline hint never blames a token


def test_a_gated_message_is_recognised_without_the_exception_type():
    error = OSError("You are trying to access a gated repo.\nMake sure to have access to it at https://huggingface.co/x")
    assert "is gated" in str(hub_error("google/gemma-2b-it", error))


def test_every_load_is_recorded_with_its_revision_once(tmp_path):
    class Loaded:
        class config:
            _commit_hash = "0123abcd"

    ref = ModelRef("google/gemma-2b-it", "hub", "google/gemma-2b-it", "unknown")
    before = len(loaded_models())
    record_load(ref, Loaded(), dtype="float32", bits=None)
    record_load(ref, Loaded(), dtype="float32", bits=None)
    added = loaded_models()[before:]
    assert added == [{"model": "google/gemma-2b-it", "source": "hub", "repository": "google/gemma-2b-it",
                      "revision": "0123abcd", "dtype": "float32"}]


def test_metrics_json_lists_the_models_loaded(tmp_path):
    from helpers.io import read_json
    from helpers.metrics import save_metrics

    ref = ModelRef("qwen2.5-coder-0.5b-instruct", "local", "qwen2.5-coder-0.5b-instruct", "causal")
    record_load(ref, object(), dtype="bfloat16")
    saved = read_json(save_metrics({"accuracy": 0.5}, tmp_path))
    assert {"model": "qwen2.5-coder-0.5b-instruct", "source": "local", "repository": "qwen2.5-coder-0.5b-instruct",
            "revision": None, "dtype": "bfloat16", "path": str(ref.path)} in saved["models_loaded"]
