"""Study 2 run as a user would, on a private Android export: nothing private reaches the outputs."""

import re

import pytest

from helpers.notebook_runner import read_metrics, run_notebook
from helpers.persona.personas_demo import build_personas_chat
from helpers.persona.privacy import find_leaks
from helpers.persona.whatsapp import parse_export

NAME, PHONE = "Xiomara Quintanilla", "+34 611 22 33 44"  # names that appear nowhere in the notebook
PLANTED = [  # what people write in chats, appended as Xiomara's and the other person's messages
    f"{NAME}: apunta mi correo xiomara.quintanilla@correo.es",
    f"{PHONE}: Mi cuenta es ES91 2100 0418 4502 0005 1332, gracias XIOMARA.",
    f"{NAME}: llámame al 611 22 33 44 o al +52 1 55 1234 5678",
    f"{PHONE}: Saludos a la familia Quintanilla de parte de quintanilla.",
]
SMALL = {"MAX_STEPS": 1, "BATCH_SIZE": 1, "GRAD_ACCUM": 1, "N_EVAL": 2, "N_SAMPLES": 1, "MAX_NEW_TOKENS": 8,
         "MAX_LENGTH": 96, "PREDEFINED_PROMPTS": ["Hola, ¿qué tal estás?"], "SHOW_PRIVATE_TEXT": False}


def _private_export(folder):
    text = build_personas_chat(seed=3, authors=(NAME, PHONE), conversations=30)
    text += "".join(f"31/12/23, 23:{50 + i} - {line}\n" for i, line in enumerate(PLANTED))
    path = folder / f"WhatsApp Chat with {NAME}.txt"  # Android names the export after the contact
    path.write_text(text, encoding="utf-8")
    return path


def secrets_of(path) -> list[str]:
    """Everything private about the export: names and their parts, numbers, the file, every text."""
    texts = {m.text for m in parse_export(path) if m.kind == "text" and len(m.text) >= 12}
    return [NAME, "Xiomara", "Quintanilla", PHONE, "611223344", "611 22 33 44", "xiomara.quintanilla@correo.es",
            "ES91 2100 0418 4502 0005 1332", "1234 5678", path.name, path.stem, str(path), str(path.parent),
            *sorted(texts)]


@pytest.mark.timeout(300)  # the small case with a private chat, its merged copy scanned too
def test_private_run_writes_nothing_private(tmp_path):
    (tmp_path / "in").mkdir()
    export = _private_export(tmp_path / "in")
    # Passed as ordinary parameters, as a user would: run_notebook itself keeps them out of the notebook.
    out = run_notebook("02_whatsapp_persona_chatbot", tmp_path / "out",
                       {**SMALL, "CHAT_FILE": str(export), "AUTHOR": NAME}, progress=False)
    metrics = read_metrics(out)
    assert metrics["private_chat"] is True and metrics["people"] == 2 and min(metrics["train_examples"].values()) > 10
    secrets = secrets_of(export)
    assert len(secrets) > 100  # the scan looks for every message, not a handful of strings
    assert find_leaks(out, secrets) == []
    notebook = (out / "02_whatsapp_persona_chatbot.ipynb").read_text(encoding="utf-8")
    assert "Persona 1" in notebook and re.search(r"oculta: chat privado", notebook)
    # The scan can fail: a planted leak in any output file is caught.
    (out / "trainer").mkdir(exist_ok=True)
    (out / "trainer" / "log.txt").write_text("ejemplo: apunta mi correo [correo]; de xiomara", encoding="utf-8")
    assert find_leaks(out, secrets) == ["trainer/log.txt: 'Xiomara'"]


def test_a_raw_papermill_injection_of_a_private_name_is_detected():
    from helpers.notebook_runner import papermill_injected

    history = ["", "PROFILE = 'local'\nCHAT_FILE = ''", '# Parameters\nCHAT_FILE = "data/private/chat.txt"\nMAX_STEPS = 2\n']
    assert papermill_injected(("CHAT_FILE", "AUTHOR"), history) == ["CHAT_FILE"]
    assert papermill_injected(("CHAT_FILE", "AUTHOR"), history[:2]) == []  # the parameters cell itself is not an injection
    assert papermill_injected(("CHAT_FILE",), None) == []


def test_run_notebook_moves_the_leak_prone_parameters_to_the_private_channel(monkeypatch, tmp_path):
    import papermill

    import helpers.notebook_runner as runner

    seen = {}

    def fake_execute(source, target, parameters, **kwargs):  # what papermill would write into the notebook
        import os
        seen.update(parameters=parameters, private=os.environ.get(runner.PRIVATE_ENV))

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    runner.run_notebook("02_whatsapp_persona_chatbot", tmp_path, {"CHAT_FILE": "x.txt", "AUTHOR": "Xio", "MAX_STEPS": 1})
    assert "CHAT_FILE" not in seen["parameters"] and "AUTHOR" not in seen["parameters"]
    assert seen["parameters"]["MAX_STEPS"] == 1 and '"CHAT_FILE": "x.txt"' in seen["private"]
    runner.run_notebook("00_template", tmp_path, {"AUTHOR": "x"})  # other notebooks keep their parameters
    assert seen["parameters"]["AUTHOR"] == "x" and seen["private"] is None
