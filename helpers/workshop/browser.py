"""A real headless Chromium (Debian's, driven by Playwright) that chats with a Gradio app."""

import shutil
import threading
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


def _chat(url: str, message: str, screenshot: Path, timeout_s: float, result: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            box = page.locator("textarea").first
            box.fill(message)
            box.press("Enter")
            bot = page.locator('[data-testid="bot"]').last
            bot.wait_for(state="visible", timeout=timeout_s * 1000)
            # Streaming: wait until the reply stops growing (the stop button goes away).
            page.wait_for_function(
                "() => !document.querySelector('button.stop-button, [aria-label=\"Stop\"]')",
                timeout=timeout_s * 1000)
            result["reply"] = bot.inner_text().strip()
            result["user"] = page.locator('[data-testid="user"]').last.inner_text().strip()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()


def chat_in_browser(url: str, message: str, screenshot: str | Path, timeout_s: float = 180) -> dict:
    """Type message into the Gradio chat at url, wait for the streamed reply; {'user', 'reply'}."""
    result: dict = {}
    errors: list[BaseException] = []

    def target():
        try:
            _chat(url, message, Path(screenshot), timeout_s, result)
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
