"""The README's and the book's result text, generated from results/<profile>/ through Jinja templates in
docs/results/templates/: <notebook>.md becomes docs/results/<notebook>.md, README.<key>.md fills the README
block between <!-- results:begin <key> --> and <!-- results:end <key> -->."""

import re
from pathlib import Path

from helpers.paths import REPO_ROOT
from helpers.results import formats
from helpers.results.store import RESULTS_DIR, recorded

TEMPLATES = REPO_ROOT / "docs" / "results" / "templates"
PAGES = REPO_ROOT / "docs" / "results"
README = REPO_ROOT / "README.md"
GENERATED_NOTE = "<!-- generado por `make results` desde results/local/: no lo edites a mano -->\n"


def _environment(templates: Path):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(formats.FILTERS)
    env.globals.update(formats.GLOBALS)
    return env


def block_pattern(key: str) -> re.Pattern:
    """The README block that a README.<key>.md template fills (markers kept)."""
    return re.compile(rf"(<!-- results:begin {re.escape(key)} -->\n).*?(<!-- results:end {re.escape(key)} -->)", re.S)


def generated(results_dir: Path = RESULTS_DIR, templates: Path = TEMPLATES, readme_text: str | None = None,
              pages: Path = PAGES) -> dict[Path, str]:
    """{file: its generated text} for every page and for the README, from the recorded local results."""
    env, results = _environment(templates), recorded("local", results_dir)
    out: dict[Path, str] = {}
    for template in sorted(t for t in templates.glob("*.md") if not t.name.startswith(("_", "README."))):
        if template.stem not in results:
            continue  # not measured yet: no page rather than a page of blanks
        text = env.get_template(template.name).render(r=results[template.stem], m=results[template.stem]["metrics"],
                                                      results=results)
        out[pages / template.name] = GENERATED_NOTE + text
    readme = README.read_text(encoding="utf-8") if readme_text is None else readme_text
    for template in sorted(templates.glob("README.*.md")):
        key = template.stem.removeprefix("README.")
        pattern = block_pattern(key)
        if not pattern.search(readme):
            raise ValueError(f"README.md: no block <!-- results:begin {key} --> ... <!-- results:end {key} --> "
                             f"for the template {template.name}")
        text = env.get_template(template.name).render(results=results)
        readme = pattern.sub(lambda match, text=text: match.group(1) + text + match.group(2), readme)
    out[README] = readme
    return out


def stale(results_dir: Path = RESULTS_DIR) -> list[Path]:
    """The committed files that differ from what make results would write."""
    return [path for path, text in generated(results_dir).items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]
