"""make test has a per-test time limit: a hang is a failure with its stack trace, not a CI time-out."""

import subprocess
import sys
import time

import tomllib

from helpers.paths import REPO_ROOT

HANGING_TEST = '''
import queue

def test_waits_for_a_thread_that_died():
    queue.Queue().get()  # what a streamer without a timeout does after generate raised
'''


def test_the_suite_configures_a_default_limit_and_a_session_limit():
    options = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert 0 < int(options["timeout"]) <= 300 and options["timeout_method"] == "signal"
    assert int(options["session_timeout"]) < 90 * 60  # CI's limit


def test_a_hanging_test_fails_in_seconds_with_the_line_it_hung_on(tmp_path):
    (tmp_path / "test_hang.py").write_text(HANGING_TEST, encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "timeout=2",
                           "--rootdir", str(tmp_path), str(tmp_path / "test_hang.py")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert time.perf_counter() - start < 60
    assert done.returncode == 1 and "1 failed" in done.stdout
    assert "Timeout (>2" in done.stdout and "queue.Queue().get()" in done.stdout
