"""Check a built site in a real Chromium, as a reader would open it: every page renders with a title,
every image of the site loads, every link to a local file finds it, and no local file the pages ask for
is missing. Web addresses (links, the Colab badge's image) are not the site's and are not followed."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from helpers.browser import drive_page

# Images may be lazy: make each one load, and wait for it (at most 5 s each), before reading it.
_READ_PAGE = """async () => {
  for (const img of Array.from(document.images)) {
    img.loading = "eager";
    if (!img.complete) await new Promise(done => { img.onload = img.onerror = done; setTimeout(done, 5000); });
  }
  const headings = Array.from(document.querySelectorAll("h1")).map(h => h.textContent.trim());
  return {
    title: document.title.trim(),
    heading: headings.find(text => text) || "",
    images: Array.from(document.images).map(img => [img.getAttribute("src"), img.src, img.complete && img.naturalWidth > 0]),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => [a.getAttribute("href"), a.href]),
  };
}"""


def site_pages(html: Path) -> list[Path]:
    """The site's pages: every .html outside Sphinx's own folders (_static, _sources...)."""
    return sorted(p for p in html.rglob("*.html") if not any(part.startswith("_") for part in p.relative_to(html).parts))


def link_problem(href: str, resolved: str, html: Path) -> str | None:
    """Why a link found on a page is broken (a local file missing or outside the site), or None."""
    url = urlsplit(resolved)
    if url.scheme != "file":
        return None  # the web and mail: not part of the site
    target = Path(unquote(url.path))
    if not target.resolve().is_relative_to(html.resolve()):
        return f"enlace fuera del sitio: {href}"
    if target.is_dir():
        target = target / "index.html"
    return None if target.is_file() else f"enlace roto: {href}"


def check_site(html: str | Path, screenshot: str | Path, timeout_s: float = 120) -> dict:
    """Open every page of the site in Chromium; return {'pages': [...], 'problems': [...]} and save a
    screenshot of the first page (index.html)."""
    html = Path(html).resolve()
    pages = site_pages(html)
    index = html / "index.html"
    if not index.is_file():
        return {"pages": [], "problems": [f"{html}: no hay index.html"]}

    def visit(page) -> dict:
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url) if request.url.startswith("file:") else None)
        problems = []
        for path in pages:
            name = str(path.relative_to(html))
            failed.clear()
            page.goto(path.as_uri(), wait_until="load")
            seen = page.evaluate(_READ_PAGE)
            if not seen["title"] or not seen["heading"]:
                problems.append(f"{name}: la página no muestra título ({seen['title']!r}, h1 {seen['heading']!r})")
            # A web image (the Colab badge) is not part of the site: offline it cannot load.
            problems += [f"{name}: imagen que no carga: {src}" for src, url, ok in seen["images"]
                         if not ok and url.startswith("file:")]
            problems += [f"{name}: {why}" for href, resolved in seen["links"]
                         if (why := link_problem(href, resolved, html))]
            problems += [f"{name}: fichero que falta: {url}" for url in dict.fromkeys(failed)]
        page.goto(index.as_uri(), wait_until="load")  # the screenshot shows the book's first page
        return {"problems": problems}

    found = drive_page(index.as_uri(), visit, screenshot, timeout_s=timeout_s)
    return {"pages": [str(p.relative_to(html)) for p in pages], "problems": found["problems"]}
