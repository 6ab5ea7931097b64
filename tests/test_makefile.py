"""`make help` lists every target with what it does and how long it takes."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def phony_targets(makefile: Path) -> list[str]:
    """The targets named on the .PHONY line."""
    line = next(line for line in makefile.read_text().splitlines() if line.startswith(".PHONY:"))
    return line.split(":", 1)[1].split()


def help_lines(makefile: Path) -> dict[str, str]:
    """Target -> description, as `make help` prints them."""
    out = subprocess.run(["make", "-s", "-f", str(makefile), "help"], capture_output=True, text=True,
                         check=True, cwd=makefile.parent).stdout
    return dict(re.match(r"\s*make (\S+)\s+(.*)", line).groups() for line in out.splitlines() if line.strip())


def missing_or_untimed(makefile: Path) -> list[str]:
    """Phony targets that `make help` leaves out or lists without a duration in parentheses."""
    listed = help_lines(makefile)
    return [t for t in phony_targets(makefile) if not re.search(r"\([^)]*\)$", listed.get(t, ""))]


def test_make_help_lists_every_target_with_a_duration():
    assert missing_or_untimed(ROOT / "Makefile") == []
    assert len(help_lines(ROOT / "Makefile")) == len(phony_targets(ROOT / "Makefile"))


def test_make_help_check_catches_an_undocumented_target(tmp_path):
    text = (ROOT / "Makefile").read_text()
    undocumented = re.sub(r"^(lint:) ## .*$", r"\1", text, flags=re.M)
    assert undocumented != text
    (tmp_path / "Makefile").write_text(undocumented)
    assert missing_or_untimed(tmp_path / "Makefile") == ["lint"]
