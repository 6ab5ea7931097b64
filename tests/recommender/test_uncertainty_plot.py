"""The uncertainty split figure: one stacked bar per dialogue whose height is the total."""

import numpy as np

from helpers.recommender.uncertainty import decompose, split_figure


def test_split_figure_stacks_aleatoric_on_epistemic_up_to_the_total():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [decompose(np.array([[0.5, 0.5], [0.5, 0.5]])), decompose(np.array([[0.9, 0.1], [0.1, 0.9]]))]
    fig = split_figure(["d1", "d2"], [r["epistemic"] for r in rows], [r["aleatoric"] for r in rows])
    bars = fig.axes[0].patches
    assert len(bars) == 4  # two dialogues x (epistemic, aleatoric)
    epistemic, aleatoric = bars[:2], bars[2:]
    for low, high, row in zip(epistemic, aleatoric, rows, strict=True):
        assert high.get_y() == low.get_height()  # stacked, not side by side
        assert np.isclose(low.get_height() + high.get_height(), row["total"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["d1", "d2"]
    plt.close(fig)
