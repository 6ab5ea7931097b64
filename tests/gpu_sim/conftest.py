"""Twins are built once per cache (keyed by transformers' version and the stored configs)."""

import pytest


@pytest.fixture(scope="session")
def twins_dir():
    """Folder of tiny twins of every gpu-profile model, under .cache/gpu-twins/<settings key>."""
    import transformers

    from helpers.gpu_models import HUB_CONFIGS, TWIN_SHAPE
    from helpers.io import settings_key
    from helpers.paths import cache_dir
    from tests.gpu_sim.twins import GEMMA_LIKE_TEMPLATE, SMOLLM3_LIKE_TEMPLATE, build_twins

    key = settings_key({"transformers": transformers.__version__, "configs": HUB_CONFIGS, "shape": TWIN_SHAPE,
                        "templates": [GEMMA_LIKE_TEMPLATE, SMOLLM3_LIKE_TEMPLATE]})
    return build_twins(cache_dir() / "gpu-twins" / key)
