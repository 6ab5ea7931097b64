"""Study 2 reuses a saved adapter whose settings and data match, and trains only the persons asked for."""

import json

import pytest

from helpers.notebook_runner import read_metrics, run_notebook
from tests.notebook_cases import CASES

SMALL = CASES["02_whatsapp_persona_chatbot"]["parameters"]


@pytest.mark.slow
@pytest.mark.timeout(400)  # two runs of the small case, about 2 min alone on 2 cores
def test_a_second_run_reuses_the_adapter_and_trains_only_the_persons_asked_for(tmp_path):
    first = read_metrics(run_notebook("02_whatsapp_persona_chatbot", tmp_path, SMALL, progress=False))
    marker = json.loads((tmp_path / "adapter_1" / "training_settings.json").read_text())
    again = run_notebook("02_whatsapp_persona_chatbot", tmp_path, {**SMALL, "PERSONS": "AUTHOR"}, progress=False)
    second = read_metrics(again)
    assert second["persons_trained"] == ["persona_1"] and second["persona_effect"] == {}
    assert second["train_seconds"]["persona_1"] == first["train_seconds"]["persona_1"]  # read back, not retrained
    assert "se reutiliza" in (again / "02_whatsapp_persona_chatbot.ipynb").read_text(encoding="utf-8")
    assert set(second["perplexity"]) == {"base", "persona_1"}
    assert second["perplexity"]["persona_1"] == first["perplexity"]["persona_1"]  # the same adapter
    assert json.loads((tmp_path / "adapter_1" / "training_settings.json").read_text()) == marker  # left as it was
