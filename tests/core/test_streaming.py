"""Streamed generation hands a failure to the caller at once and never waits without a bound."""

import threading
import time

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LogitsProcessor, LogitsProcessorList

from helpers.registry import resolve
from helpers.streaming import GenerationThread, text_streamer
from helpers.workshop.tiny import tiny_model_folder


@pytest.fixture(scope="module")
def tiny():
    folder = tiny_model_folder(str(resolve("qwen2.5-coder-0.5b-instruct").path))
    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval(), AutoTokenizer.from_pretrained(folder)


class FailAt(LogitsProcessor):
    """Raise (or sleep) at a given decoding step: a real generate that breaks mid-stream."""

    def __init__(self, step: int, sleep: float = 0.0):
        self.step, self.sleep, self.calls = step, sleep, 0

    def __call__(self, input_ids, scores):
        self.calls += 1
        if self.calls == self.step:
            if self.sleep:
                time.sleep(self.sleep)
            else:
                raise RuntimeError(f"planted failure at step {self.step}")
        return scores


def _start(model, tokenizer, processor, timeout=30):
    inputs = tokenizer("Hola, ¿qué tal?", return_tensors="pt")
    thread = GenerationThread(model, text_streamer(tokenizer, timeout=timeout), **inputs, max_new_tokens=8,
                              min_new_tokens=8, do_sample=False, logits_processor=LogitsProcessorList([processor]))
    thread.start()
    return thread


def test_the_streamed_text_is_what_generate_returns(tiny):
    model, tokenizer = tiny
    thread = _start(model, tokenizer, FailAt(step=99))
    text = "".join(thread.pieces())
    output = thread.result()
    prompt_length = tokenizer("Hola, ¿qué tal?", return_tensors="pt")["input_ids"].shape[1]
    assert output.shape[1] == prompt_length + 8
    assert text == tokenizer.decode(output[0, prompt_length:])


def test_a_generation_thread_that_raises_fails_the_caller_at_once_with_its_own_error(tiny):
    model, tokenizer = tiny
    start = time.perf_counter()
    thread = _start(model, tokenizer, FailAt(step=3), timeout=60)
    received = []
    with pytest.raises(RuntimeError, match="planted failure at step 3"):
        for piece in thread.pieces():
            received.append(piece)
    assert time.perf_counter() - start < 10  # not the streamer's 60 s timeout: the error ended the stream


def test_a_generation_that_stalls_ends_in_a_timeout_not_a_hang(tiny):
    model, tokenizer = tiny
    start = time.perf_counter()
    thread = _start(model, tokenizer, FailAt(step=2, sleep=5), timeout=0.5)
    with pytest.raises(TimeoutError, match="no text for 0.5 s"):
        list(thread.pieces())
    assert time.perf_counter() - start < 4
    thread.join()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_plain_thread_loses_the_error_and_the_loop_would_wait_forever(tiny):
    """The failure GenerationThread prevents: without it the streamer never ends (shown with a timeout)."""
    model, tokenizer = tiny
    streamer = text_streamer(tokenizer, timeout=1)
    inputs = tokenizer("Hola", return_tensors="pt")
    worker = threading.Thread(target=lambda: model.generate(**inputs, max_new_tokens=4, streamer=streamer,
                                                            logits_processor=LogitsProcessorList([FailAt(2)])))
    worker.start()
    with pytest.raises(Exception) as caught:  # noqa: B017  (queue.Empty: nothing says why)
        list(streamer)
    worker.join()
    assert "planted" not in str(caught.value)
