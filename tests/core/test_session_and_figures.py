"""Sessions (dill) restored in a fresh process, and figures saved atomically beside metrics.json."""

import os
import subprocess
import sys
import textwrap

import pytest

from helpers.io import load_session, save_figure, save_session


def _python(code: str) -> str:
    """Run code in a fresh Python process (a new kernel) and return what it printed."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_fresh_process_restores_the_session_and_continues(tmp_path):
    path = tmp_path / "session.dill"
    # The first "kernel" defines a function in __main__ (plain pickle would store only its name).
    _python(f"""
        import pandas as pd
        from helpers.io import save_session

        def recall_share(table, k):
            return float((table[f"recall@{{k}}"] > 0).mean())

        table = pd.DataFrame({{"estrategia": ["a", "a", "b"], "recall@10": [0.0, 1.0, 0.5]}})
        save_session({str(path)!r}, {{"per_dialogue": table, "recall_share": recall_share, "settings": {{"seed": 3}}}})
    """)
    out = _python(f"""
        from helpers.io import load_session

        load_session({str(path)!r}, into=globals())
        print(recall_share(per_dialogue, 10), settings["seed"], per_dialogue.groupby("estrategia")["recall@10"].mean().to_dict())
    """)
    assert out == "0.6666666666666666 3 {'a': 0.5, 'b': 0.5}"


def test_load_session_fills_the_namespace_only_when_asked(tmp_path):
    path = save_session(tmp_path / "s.dill", {"x": 1, "scale": lambda v: v * 2})
    namespace = {"y": 0}
    restored = load_session(path)
    assert restored["x"] == 1 and restored["scale"](4) == 8 and namespace == {"y": 0}
    load_session(path, into=namespace)
    assert namespace["x"] == 1 and namespace["y"] == 0


def test_load_session_rejects_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved session"):
        load_session(tmp_path / "absent.dill")
    (tmp_path / "notes.txt").write_text("not a pickle")
    with pytest.raises(ValueError, match="notes.txt: not a session written by save_session"):
        load_session(tmp_path / "notes.txt")
    import dill

    (tmp_path / "list.dill").write_bytes(dill.dumps([1, 2]))
    with pytest.raises(ValueError, match="holds a dict of named objects, found list"):
        load_session(tmp_path / "list.dill")


def test_save_figure_writes_a_whole_image_atomically(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = save_figure(fig, tmp_path / "out" / "loss.png")
    svg = save_figure(fig, tmp_path / "out" / "loss.svg")
    plt.close(fig)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()[:500]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["loss.png", "loss.svg"]  # no temp file left
    with pytest.raises(ValueError, match="give the figure a suffix"):
        save_figure(fig, tmp_path / "loss")
