"""Twins are built once per cache (keyed by transformers' version and the stored configs)."""

import pytest


@pytest.fixture(scope="session")
def twins_dir():
    """Folder of tiny twins of every gpu-profile model, under .cache/gpu-twins/<settings key>."""
    import transformers

    from helpers.gpu_models import CHECKPOINT_DTYPE, HUB_CONFIGS, TWIN_SHAPE
    from helpers.io import settings_key
    from helpers.paths import cache_dir
    from tests.gpu_sim.twins import (
        GEMMA_LIKE_TEMPLATE,
        PHI3_TEMPLATE,
        SMOLLM3_LIKE_TEMPLATE,
        TWIN_VERSION,
        build_twins,
    )

    key = settings_key({"transformers": transformers.__version__, "configs": HUB_CONFIGS, "shape": TWIN_SHAPE,
                        "templates": [GEMMA_LIKE_TEMPLATE, SMOLLM3_LIKE_TEMPLATE, PHI3_TEMPLATE],
                        "dtypes": CHECKPOINT_DTYPE, "version": TWIN_VERSION})
    return build_twins(cache_dir() / "gpu-twins" / key)
