"""Command-line mistakes print one or two lines and exit non-zero, never a traceback."""

import subprocess
import sys

import pytest

from helpers.notebook_runner import UnknownNotebook, find_notebook, main
from helpers.paths import REPO_ROOT


@pytest.mark.parametrize("selector,message", [
    ("05", "'05' matches 2 notebooks: 05_chatbot_workshop, 05_chatbot_workshop_solutions"),
    ("99", "no notebook matches '99'; choose one of: 00_template"),
    ("", "no notebook matches ''"),
])
def test_unknown_or_ambiguous_notebook_is_named(selector, message, capsys):
    with pytest.raises(UnknownNotebook, match=message.replace("(", r"\(")):
        find_notebook(selector)
    assert main([selector]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_exact_names_and_paths_still_select_one():
    assert find_notebook("05_chatbot_workshop") == "05_chatbot_workshop"
    assert find_notebook("notebooks/03_lora_sentiment.ipynb") == "03_lora_sentiment"
    assert find_notebook("04") == "04_rag_bash_manual"


@pytest.mark.parametrize("command,expected", [
    (["helpers.notebook_runner", "05"], "matches 2 notebooks"),
    (["helpers.setup", "no-such-asset"], "unknown asset"),
])
def test_entry_points_exit_nonzero_without_a_traceback(command, expected):
    result = subprocess.run([sys.executable, "-m", *command], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
