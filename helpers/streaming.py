"""Streamed generation that never hangs: the worker's exception reaches the caller, and every wait is bounded.

generate() runs in a worker thread and feeds a TextIteratorStreamer; the caller iterates the streamer.
If generate raises in the worker, a plain threading.Thread loses the exception and the streamer never
gets its end signal, so the caller's loop waits forever. GenerationThread ends the streamer and keeps
the exception; `pieces()` re-raises it, and turns the streamer's timeout into a TimeoutError.
"""

import queue
import threading

# Seconds the caller waits for the next piece of text before giving up (a 0.5B model on 2 CPU cores
# produces a token in well under a second; the first one, after the prompt, in a few seconds).
STREAM_TIMEOUT_S = 120


class GenerationThread(threading.Thread):
    """model.generate(**kwargs, streamer=streamer) in a daemon thread that hands its outcome back."""

    def __init__(self, model, streamer, **generate_kwargs):
        super().__init__(daemon=True, name="generate")
        self.model, self.streamer, self.kwargs = model, streamer, generate_kwargs
        self.output, self.error = None, None

    def run(self) -> None:
        try:
            self.output = self.model.generate(**self.kwargs, streamer=self.streamer)
        except BaseException as error:  # noqa: BLE001  (re-raised in the caller's thread by result())
            self.error = error
            self.streamer.end()  # unblocks the caller's loop at once instead of at its timeout

    def pieces(self):
        """The streamer's text, piece by piece; at the end, generate's exception if it raised."""
        timeout = getattr(self.streamer, "timeout", None)
        try:
            yield from self.streamer
        except queue.Empty:
            raise TimeoutError(f"generate produced no text for {timeout} s (the streamer's timeout); "
                               "the generation thread is still running") from None
        self.result()

    def result(self, timeout: float | None = STREAM_TIMEOUT_S):
        """generate's output once the thread ends; its exception, or a TimeoutError if it does not end."""
        self.join(timeout)
        if self.error is not None:
            raise self.error
        if self.is_alive():
            raise TimeoutError(f"generate did not finish within {timeout} s")
        return self.output


def text_streamer(tokenizer, timeout: float = STREAM_TIMEOUT_S, **kwargs):
    """A TextIteratorStreamer that skips the prompt and waits at most timeout seconds per piece."""
    from transformers import TextIteratorStreamer

    return TextIteratorStreamer(tokenizer, skip_prompt=True, timeout=timeout, **kwargs)
