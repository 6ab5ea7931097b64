"""The vector code every study 06 store shares: the bytes round trip and its dtype pitfall, cosine,
the upsert rules, and search that breaks ties alike."""

import numpy as np
import pytest

from helpers.films.vectors import (
    CosineIndex,
    StoreMismatchError,
    VectorBytesError,
    check_compatible,
    cosine,
    from_bytes,
    pending_rows,
    rank_hits,
    to_bytes,
    upsert_action,
)


def test_round_trip_keeps_every_value_from_bytes_or_a_memoryview():
    vector = np.random.default_rng(0).normal(size=384).astype(np.float32)
    blob = to_bytes(vector)
    assert len(blob) == 384 * 4
    np.testing.assert_array_equal(from_bytes(blob, "float32", 384), vector)
    np.testing.assert_array_equal(from_bytes(memoryview(blob), "float32", 384), vector)  # PostgreSQL's bytea


def test_the_seeds_pitfall_float64_written_float32_read_is_named():
    written = np.array([0.5, -0.25, 0.125]).tobytes()  # np.array(list of floats) is float64
    assert len(np.frombuffer(written, dtype=np.float32)) == 6  # read blindly: twice the values, all wrong
    with pytest.raises(VectorBytesError, match="24 bytes, expected 3 values of float32 = 12 bytes .*float64"):
        from_bytes(written, "float32", 3, "film 'Vertigo'")
    with pytest.raises(VectorBytesError, match="10 bytes"):
        from_bytes(b"x" * 10, "float32", 3)
    np.testing.assert_array_equal(from_bytes(written, "float64", 3), [0.5, -0.25, 0.125])


def test_cosine_compares_directions_within_minus_one_and_one():
    a = np.array([1.0, 2.0, 3.0])
    assert cosine(a, 7 * a) == pytest.approx(1.0) and cosine(a, -a) == pytest.approx(-1.0)
    assert cosine([1, 0], [0, 5]) == 0.0 and cosine(a, np.zeros(3)) == 0.0
    rng = np.random.default_rng(1)
    assert all(-1 <= cosine(rng.normal(size=8), rng.normal(size=8)) <= 1 for _ in range(100))


def test_upsert_rules_and_pending_rows():
    assert upsert_action(None, "", b"x") == "empty"
    assert upsert_action(None, "text", b"x") == "insert"
    assert upsert_action(("text", memoryview(b"x")), "text", b"x") == "unchanged"
    assert upsert_action(("old", b"x"), "text", b"x") == "update"
    assert upsert_action(("text", None), "text", b"x") == "update"  # a film stored without a vector
    rows = [{"title": "a", "description": " same "}, {"title": "b", "description": "new"}, {"title": "c", "description": "x"}]
    assert pending_rows(rows, {"a": "same", "b": "old"}) == rows[1:]


def test_a_store_refuses_another_model_or_dimension():
    check_compatible(None, None, "m", 8, "db")  # an empty store takes anything
    check_compatible("m", 8, "m", None, "db")  # the model alone, before loading it
    with pytest.raises(StoreMismatchError, match="db holds 8-d vectors from 'm'; got 4-d vectors from 'm'"):
        check_compatible("m", 8, "m", 4, "db")
    with pytest.raises(StoreMismatchError, match="got vectors from 'other'"):
        check_compatible("m", 8, "other", None, "db")


def test_the_index_ranks_like_cosine_and_breaks_ties_by_title():
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(50, 6)).astype(np.float32)
    titles = [f"film {i:02d}" for i in range(50)]
    index = CosineIndex.from_rows([(t, to_bytes(v), "float32", 6) for t, v in zip(titles, vectors, strict=True)])
    query = rng.normal(size=6)
    by_hand = sorted(titles, key=lambda t: -cosine(query, vectors[titles.index(t)]))[:5]
    assert [t for t, _ in index.search(query, 5)] == by_hand
    assert "film 07" not in [t for t, _ in index.neighbours("film 07", 5)] and len(index.neighbours("film 07", 5)) == 5
    assert rank_hits([("b", 0.5), ("a", 0.5 + 1e-7), ("c", 0.9)], 3) == [("c", 0.9), ("a", 0.5 + 1e-7), ("b", 0.5)]
    with pytest.raises(StoreMismatchError, match="query has 4 dimensions"):
        index.search(np.ones(4))
