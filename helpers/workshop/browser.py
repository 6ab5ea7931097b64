"""A real headless Chromium (Debian's, driven by Playwright) that chats with a Gradio app."""

from pathlib import Path

from helpers.browser import CHROMIUM_FLAGS, BrowserNotAvailable, chromium_path, drive_page, free_port

__all__ = ["CHROMIUM_FLAGS", "BrowserNotAvailable", "chat_in_browser", "chromium_path", "free_port"]


def _chat(page, message: str, timeout_s: float) -> dict:
    box = page.locator("textarea").first
    box.fill(message)
    box.press("Enter")
    bot = page.locator('[data-testid="bot"]').last
    bot.wait_for(state="visible", timeout=timeout_s * 1000)
    # Streaming: wait until the reply stops growing (the stop button goes away).
    page.wait_for_function(
        "() => !document.querySelector('button.stop-button, [aria-label=\"Stop\"]')",
        timeout=timeout_s * 1000)
    return {"reply": bot.inner_text().strip(), "user": page.locator('[data-testid="user"]').last.inner_text().strip()}


def chat_in_browser(url: str, message: str, screenshot: str | Path, timeout_s: float = 180) -> dict:
    """Type message into the Gradio chat at url, wait for the streamed reply; {'user', 'reply'}."""
    return drive_page(url, lambda page: _chat(page, message, timeout_s), screenshot, timeout_s)
