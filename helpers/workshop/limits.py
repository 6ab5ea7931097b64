"""A time limit for code run in the main thread, that also stops a wait on a lock or a queue."""

import signal
import threading
from contextlib import contextmanager

# SIGUSR1 is free in a Jupyter kernel and in pytest (ipykernel interrupts with SIGINT, pytest-timeout
# uses SIGALRM); it is sent to the main thread alone, so a blocked lock acquire returns with EINTR.
SIGNAL = signal.SIGUSR1
REPEAT_S = 2.0  # sent again while the limited code runs on (a bare `except:` may swallow one)


class TimeLimitExceeded(BaseException):
    """Raised in the limited code when its time is up (a BaseException: `except Exception` lets it pass)."""

    def __init__(self, seconds: float):
        super().__init__(f"no terminó en {seconds:g} s")
        self.seconds = seconds


@contextmanager
def time_limit(seconds: float | None):
    """Raise TimeLimitExceeded inside the block after seconds (no limit off the main thread or for None)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    done, expired = threading.Event(), threading.Event()

    def handler(signum, frame):
        if expired.is_set() and not done.is_set():
            raise TimeLimitExceeded(seconds)

    def watchdog():
        if done.wait(seconds):
            return
        expired.set()
        while not done.is_set():
            signal.pthread_kill(threading.main_thread().ident, SIGNAL)
            done.wait(REPEAT_S)

    previous = signal.signal(SIGNAL, handler)
    watcher = threading.Thread(target=watchdog, daemon=True, name="time-limit")
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        signal.signal(SIGNAL, previous)
