"""The page served by `manage.py runserver` on 127.0.0.1, asked in a real headless Chromium (Debian's,
as the workshop's test does), with a screenshot saved to outputs/webapp/; and served on a database
that does not exist or holds a vector of the wrong size, it says so in a sentence."""

import urllib.error
import urllib.request

import pytest

from helpers.browser import drive_page
from helpers.films.django_app import sqlite_url
from helpers.paths import REPO_ROOT
from tests.webapp.conftest import float64_copy, serving

pytestmark = pytest.mark.slow
SCREENSHOT = REPO_ROOT / "outputs" / "webapp" / "ask_page.png"


def ask(page, prompt: str) -> dict:
    page.fill('input[name="q"]', prompt)
    page.click('button[type="submit"]')
    page.wait_for_selector("ol.films > li", timeout=60_000)
    items = page.locator("ol.films > li")
    return {"titles": [items.nth(i).locator(".title").inner_text() for i in range(items.count())],
            "scores": [float(items.nth(i).locator(".score").first.inner_text().replace(",", "."))
                       for i in range(items.count())],
            "neighbours": [items.nth(i).locator(".neighbours").inner_text() for i in range(items.count())],
            "url": page.url}


def test_a_user_asks_for_a_film_in_chromium(film_db, chromium):
    SCREENSHOT.unlink(missing_ok=True)
    with serving(sqlite_url(film_db)) as url:
        seen = drive_page(url, lambda page: ask(page, "una película de un pianista"), SCREENSHOT, timeout_s=90)
    assert seen["url"].startswith("http://127.0.0.1:") and "q=una+pel%C3%ADcula" in seen["url"]
    assert seen["titles"][:2] == ["Shoot the Piano Player", "The Piano Teacher"] and len(seen["titles"]) == 5
    assert seen["scores"] == sorted(seen["scores"], reverse=True) and 0 < seen["scores"][-1] <= seen["scores"][0] < 1
    assert all(text.startswith("Parecidas:") and text.count("(") == 3 for text in seen["neighbours"])
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and SCREENSHOT.stat().st_size > 10_000


def test_served_on_a_missing_database_the_page_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "typo.sqlite3"
    with serving(sqlite_url(missing)) as url:
        assert urllib.request.urlopen(url, timeout=30).status == 200  # the form itself needs no database
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "?q=un+pianista", timeout=30)
    assert refused.value.code == 503
    assert "no existe" in refused.value.read().decode() and not missing.exists()


def test_served_on_a_vector_of_the_wrong_size_the_page_names_the_film(film_db, tmp_path):
    copy = float64_copy(film_db, tmp_path)
    with serving(sqlite_url(copy)) as url, pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "?q=un+pianista", timeout=60)
    page = refused.value.read().decode()
    assert refused.value.code == 503 and "&#x27;Vertigo&#x27;" in page and "written as float64" in page
