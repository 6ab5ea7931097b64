"""Sphinx settings of the book (make book): the executed notebooks are rendered, never re-executed."""

from helpers.paths import REPO_URL

project = "llm-studies"
author = "llm-studies"
language = "es"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # the pages show the outputs of the runs in outputs/, as they are
nb_output_stderr = "remove"  # progress bars and library warnings are not results
nb_ipywidgets_js = {}  # no widget scripts from a CDN: the pages must work offline
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "myst.xref_missing", "misc.highlighting_failure"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "results/templates"]  # Jinja sources of make results
html_theme = "sphinx_book_theme"
html_title = "llm-studies"
html_theme_options = {
    "repository_url": REPO_URL.removesuffix(".git"),
    "use_repository_button": True,
    "show_toc_level": 2,
}
html_last_updated_fmt = None
