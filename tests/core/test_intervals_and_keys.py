"""Bootstrap intervals (scipy BCa), paired differences, and the settings key every cache uses."""

import numpy as np
import pytest

from helpers.io import content_hash, settings_key
from helpers.metrics import bootstrap_interval, paired_difference


def test_bootstrap_interval_covers_the_mean_and_narrows_with_n():
    rng = np.random.default_rng(0)
    small = rng.binomial(1, 0.3, 40)
    large = rng.binomial(1, 0.3, 4000)
    m_small, lo_small, hi_small = bootstrap_interval(small)
    m_large, lo_large, hi_large = bootstrap_interval(large)
    assert lo_small < m_small < hi_small and lo_large < m_large < hi_large
    assert hi_large - lo_large < (hi_small - lo_small) / 4  # ~1/sqrt(100)
    # The normal-approximation width for a proportion: BCa must be close to it on a large sample.
    se = np.sqrt(m_large * (1 - m_large) / len(large))
    assert (hi_large - lo_large) == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_bootstrap_interval_degenerate_and_empty():
    assert bootstrap_interval([1.0] * 5) == (1.0, 1.0, 1.0)
    assert bootstrap_interval([0.7]) == (0.7, 0.7, 0.7)
    assert all(np.isnan(bootstrap_interval([])))


def test_paired_difference_sees_a_consistent_small_gain_that_unpaired_intervals_miss():
    rng = np.random.default_rng(1)
    base = rng.normal(0.5, 0.3, 200)
    better = base + 0.03 + rng.normal(0, 0.01, 200)
    result = paired_difference(better, base)
    assert result["separated"] and result["low"] > 0 and result["n"] == 200
    _, low_b, _ = bootstrap_interval(better)
    _, _, high_a = bootstrap_interval(base)
    assert low_b < high_a  # the two unpaired intervals overlap
    same = paired_difference(base + rng.normal(0, 0.01, 200), base)
    assert not same["separated"]
    with pytest.raises(ValueError, match="one value per unit"):
        paired_difference([1, 2], [1, 2, 3])


def test_settings_key_changes_with_every_setting_and_with_the_input_content(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("a\n")
    settings = {"model": "gemma", "lora_r": 8, "alpha": 32, "max_length": 384, "seed": 0}
    key = settings_key(settings, data)
    assert key == settings_key(dict(reversed(settings.items())), data)  # order does not matter
    for name, value in [("model", "qwen"), ("lora_r", 16), ("alpha", 16), ("max_length", 256), ("seed", 1)]:
        assert settings_key({**settings, name: value}, data) != key, name
    data.write_text("b\n")
    assert settings_key(settings, data) != key
    folder = tmp_path / "folder"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "f.txt").write_text("1")
    before = content_hash(folder)
    (folder / "x" / "f.txt").write_text("2")
    assert content_hash(folder) != before
    with pytest.raises(FileNotFoundError, match="missing input"):
        content_hash(tmp_path / "nope")


def test_proportion_interval_is_exact_and_does_not_collapse_at_the_edges():
    from scipy.stats import beta

    from helpers.metrics import bootstrap_interval, proportion_interval

    share, low, high = proportion_interval([1] * 16)
    assert share == 1.0 and high == 1.0 and low == pytest.approx(beta.ppf(0.025, 16, 1))  # 0.794
    assert bootstrap_interval([1.0] * 16)[1] == 1.0  # what the bootstrap said: no uncertainty at all
    share, low, high = proportion_interval([1, 0, 1, 1])
    assert share == 0.75 and low == pytest.approx(beta.ppf(0.025, 3, 2)) and high == pytest.approx(beta.ppf(0.975, 4, 1))
    with pytest.raises(ValueError, match="0/1 outcomes"):
        proportion_interval([0.5, 1])
