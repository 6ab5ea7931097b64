"""Open-in-Colab badges built from the one repository setting (helpers.paths.REPO_URL), written into
each notebook's first markdown cell and the README's studies table, and checked against the files.

Usage: python -m helpers.book.badges (make sync runs it before pairing the notebooks)."""

import re
from pathlib import Path

from helpers.paths import REPO_BRANCH, REPO_ROOT, REPO_URL

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_TEXT = "Abrir en Colab"
# Any Colab badge, whatever repository, branch or path it names (so a stale one is found and fixed).
BADGE = re.compile(r"\[!\[[^\]]*\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
                   r"\(https://colab\.research\.google\.com/github/(?P<repo>[^/]+/[^/]+)/blob/"
                   r"(?P<branch>[^/]+)/(?P<path>[^)\s]+)\)")
# The Colab-only first code cell's default: os.environ.get("LLM_STUDIES_REPO_URL", "<url>").
REPO_URL_LITERAL = re.compile(r"""LLM_STUDIES_REPO_URL["']\s*,\s*["']([^"']+)["']""")


def github_repo(url: str = REPO_URL) -> str:
    """'owner/name' of a GitHub clone URL (https or .git form)."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(f"REPO_URL {url!r} is not a https://github.com/<owner>/<name> address")
    return f"{match.group(1)}/{match.group(2)}"


def colab_url(path: str) -> str:
    """Colab's address for a repository file, e.g. notebooks/03_lora_sentiment.ipynb."""
    return f"https://colab.research.google.com/github/{github_repo()}/blob/{REPO_BRANCH}/{path}"


def badge(name: str) -> str:
    """The markdown badge that opens notebooks/<name>.ipynb in Colab."""
    return f"[![{BADGE_TEXT}]({BADGE_IMAGE})]({colab_url(f'notebooks/{name}.ipynb')})"


def badge_problems(text: str, where: str, root: Path = REPO_ROOT) -> list[str]:
    """One line for each badge in text that is not built from the setting or whose path is not an
    existing .ipynb of the repository (a .py, a missing file)."""
    problems = []
    for match in BADGE.finditer(text):
        path = match.group("path")
        if (match.group("repo"), match.group("branch")) != (github_repo(), REPO_BRANCH):
            problems.append(f"{where}: badge for {path} names {match.group('repo')}@{match.group('branch')}, "
                            f"not {github_repo()}@{REPO_BRANCH} (helpers.paths.REPO_URL): run make sync")
        if not path.endswith(".ipynb"):
            problems.append(f"{where}: badge points at {path}, not a .ipynb (Colab opens the notebook)")
        elif not (root / path).is_file():
            problems.append(f"{where}: badge points at {path}, which does not exist")
    return problems


def _first_markdown_cell(lines: list[str]) -> tuple[int, int]:
    """Start and end line indexes of a percent-format script's first markdown cell."""
    start = next(i for i, line in enumerate(lines) if line.startswith("# %% [markdown]"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# %%")), len(lines))
    return start, end


def with_notebook_badge(source: str, name: str) -> str:
    """A notebook's .py with its own badge in the first markdown cell, under the title."""
    lines = source.splitlines()
    start, end = _first_markdown_cell(lines)
    cell = [line for line in lines[start + 1:end] if not BADGE.search(line)]
    title = next(i for i, line in enumerate(cell) if line.startswith("# # "))
    rest = cell[title + 1:]
    while rest and rest[0].strip() == "#":  # one blank line on each side of the badge
        rest = rest[1:]
    cell = [*cell[:title + 1], "#", f"# {badge(name)}", *(["#"] if rest else []), *rest]
    return "\n".join([*lines[:start + 1], *cell, *lines[end:]]) + "\n"


def with_current_badges(text: str) -> str:
    """text with every badge rebuilt from the setting, keeping the notebook it opens."""
    return BADGE.sub(lambda m: badge(Path(m.group("path")).stem), text)


def main() -> int:
    """Write the badges into every notebook's .py and refresh the README's; print what changed."""
    from helpers.io import atomic_write_text
    from helpers.notebook_runner import NOTEBOOKS_DIR, notebook_names

    targets = {NOTEBOOKS_DIR / f"{n}.py": (lambda s, n=n: with_notebook_badge(s, n)) for n in notebook_names()}
    targets[REPO_ROOT / "README.md"] = with_current_badges
    for path, update in targets.items():
        old = path.read_text(encoding="utf-8")
        new = update(old)
        if new != old:
            atomic_write_text(path, new)
            print(f"insignia de Colab actualizada: {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
