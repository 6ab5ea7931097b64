"""The site checker in a real Chromium: a sound page passes; a broken link, an image that does not
load, a link out of the site, a missing stylesheet and a page without a title are each reported."""

import pytest

from helpers.book.site import check_site, link_problem

pytestmark = pytest.mark.timeout(240)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><h1>{heading}</h1>{body}</body></html>"""


def write_page(path, title="Página", heading="Página", body="", head=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(title=title, heading=heading, body=body, head=head), encoding="utf-8")


def real_png(path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(1, 1))
    figure.savefig(path)
    plt.close(figure)


@pytest.fixture
def site(tmp_path):
    html = tmp_path / "html"
    real_png(tmp_path / "figura.png")
    (html / "_images").mkdir(parents=True)
    (tmp_path / "figura.png").rename(html / "_images" / "figura.png")
    write_page(html / "index.html", body='<a href="estudios/uno.html#arriba">uno</a> <a href="https://example.org/">web</a>')
    write_page(html / "estudios" / "uno.html", body='<img src="../_images/figura.png"> <a href="../index.html">inicio</a> '
               '<img src="https://colab.research.google.com/assets/colab-badge.svg">')  # offline: not the site's
    return html


def test_a_sound_site_passes_and_leaves_a_screenshot(site, tmp_path):
    checked = check_site(site, tmp_path / "shot.png")
    assert checked["problems"] == []
    assert checked["pages"] == ["estudios/uno.html", "index.html"]
    assert (tmp_path / "shot.png").stat().st_size > 1000


def test_every_kind_of_breakage_is_reported(site, tmp_path):
    write_page(site / "estudios" / "roto.html", title="", heading="",
               head='<link rel="stylesheet" href="../_static/falta.css">',
               body='<img src="../_images/no_existe.png"> <a href="perdida.html">perdida</a> '
                    '<a href="../../fuera.html">fuera</a>')
    problems = check_site(site, tmp_path / "shot.png")["problems"]
    text = "\n".join(problems)
    assert "estudios/roto.html: la página no muestra título" in text
    assert "imagen que no carga: ../_images/no_existe.png" in text
    assert "enlace roto: perdida.html" in text
    assert "enlace fuera del sitio: ../../fuera.html" in text
    assert "fichero que falta" in text and "falta.css" in text
    assert not [p for p in problems if not p.startswith("estudios/roto.html")]


def test_link_problem_ignores_the_web_and_follows_folders(site):
    assert link_problem("https://x.org", "https://x.org/", site) is None
    assert link_problem("estudios/", (site / "estudios").as_uri() + "/", site) == "enlace roto: estudios/"
    assert link_problem("./", site.as_uri() + "/", site) is None
