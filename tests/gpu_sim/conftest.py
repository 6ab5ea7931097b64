"""Twins are built once per cache (keyed by transformers' version, the stored configs and dtypes)."""

import pytest


@pytest.fixture(scope="session")
def twins_dir():
    """Folder of tiny twins of every gpu-profile model, under .cache/gpu-twins/<settings key>."""
    from tests.gpu_sim.twins import build_twins, twins_root

    return build_twins(twins_root())
