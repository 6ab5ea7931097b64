"""Where the suite keeps its cache, data and outputs."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Where the repository is published: the one setting the Colab badges are built from (make sync) and
# that each notebook's first cell clones (a literal there, since helpers is not cloned yet; a hygiene
# test checks it equals this one).
REPO_URL = "https://github.com/llm-studies/llm-studies.git"
REPO_BRANCH = "main"


def cache_dir() -> Path:
    """Root of fetched wheels, prepared models and extracted data (git-ignored)."""
    return Path(os.environ.get("LLM_STUDIES_CACHE", REPO_ROOT / ".cache")).expanduser()


def models_dir() -> Path:
    """Folder of the prepared local models."""
    return cache_dir() / "models"


def data_dir() -> Path:
    """Folder of the extracted third-party data sets."""
    return cache_dir() / "data"


def outputs_dir(notebook: str, output_dir: str | os.PathLike | None = None) -> Path:
    """The run folder of a notebook: OUTPUT_DIR when given, else outputs/<notebook>/."""
    path = Path(output_dir) if output_dir else REPO_ROOT / "outputs" / notebook
    path.mkdir(parents=True, exist_ok=True)
    return path
