"""A real headless Chromium (Debian's, driven by Playwright) for the tests of the web pages (05, 06)."""

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


class BrowserNotAvailable(RuntimeError):
    """No Chromium to drive, with how to install it."""


def chromium_path() -> str:
    """The system Chromium (Playwright's own browser download is not reachable here)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotAvailable("no Chromium found: `apt-get install chromium` (make setup does it when run as root)")


def _drive(url: str, steps: Callable, screenshot: Path, timeout_s: float, result: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            result.update(steps(page))
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()


def drive_page(url: str, steps: Callable, screenshot: str | Path, timeout_s: float = 180) -> dict:
    """Open url in headless Chromium, run steps(page) -> dict, then save a full-page screenshot;
    returns what steps returned. The whole visit is bounded by timeout_s + 60 seconds."""
    result: dict = {}
    errors: list[BaseException] = []

    def target():
        try:
            _drive(url, steps, Path(screenshot), timeout_s, result)
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    # Playwright's sync API refuses to run where an asyncio loop is running (a Jupyter kernel):
    # a plain thread has none.
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout_s + 60)
    if errors:
        raise errors[0]
    if worker.is_alive():
        raise TimeoutError(f"the browser did not finish within {timeout_s + 60:.0f} s")
    return result


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
