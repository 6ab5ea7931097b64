"""The book's build on real files: which runs are published, missing, unfinished or private, and that a
failed build leaves the previous site. Building from the real small runs is in tests/test_notebooks.py."""

import json
import shutil

import nbformat
import pytest

from helpers.book.__main__ import summary
from helpers.book.build import DOCS, BookFailed, book_notebooks, build, stage

SECRET = "Ramona Quintanilla"


def executed_run(runs, name, metrics=None, parameters=None, text="hola"):
    """A run folder as run_notebook leaves it: the executed notebook and, when finished, metrics.json."""
    folder = runs / name
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {name}"),
        nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", name="stdout", text=text)]),
    ])
    notebook.metadata["papermill"] = {"parameters": parameters or {"PROFILE": "local"}}
    nbformat.write(notebook, folder / f"{name}.ipynb")
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return folder


def staged_text(source):
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((source / "estudios").iterdir()))


def test_a_finished_run_is_copied_and_a_missing_one_says_which_make_run_produces_it(tmp_path):
    executed_run(tmp_path / "runs", "00_template", metrics={"profile": "local"})
    report = stage(tmp_path / "runs", tmp_path / "source")
    assert report["publicados"] == ["00_template"]
    assert report["falta"] == [n for n in book_notebooks() if n != "00_template"]
    assert (tmp_path / "source" / "estudios" / "00_template.ipynb").is_file()
    page = (tmp_path / "source" / "estudios" / "03_lora_sentiment.md").read_text(encoding="utf-8")
    assert page.startswith("# 03 · ") and "`make run NB=03_lora_sentiment`" in page
    assert (tmp_path / "source" / "guia" / "uso.md").is_file() and not (tmp_path / "source" / "conf.py").exists()
    assert "sin ejecutar" in "\n".join(summary({**report, "avisos": []}))


def test_an_unfinished_run_is_not_published(tmp_path):
    executed_run(tmp_path / "runs", "04_rag_bash_manual", metrics=None)
    report = stage(tmp_path / "runs", tmp_path / "source")
    assert report["incompleta"] == ["04_rag_bash_manual"]
    assert "falta `metrics.json`" in (tmp_path / "source" / "estudios" / "04_rag_bash_manual.md").read_text()


@pytest.mark.parametrize("metrics, parameters", [
    ({"private_chat": True}, None),  # a chat of one's own, as notebook 02 records it
    ({}, None),  # 02 without the record: it cannot be told apart from a private run
    ({"private_chat": False}, {"CHAT_FILE": "data/private/chat.txt"}),  # a raw papermill -p
], ids=["private_chat", "unrecorded", "chat_file_parameter"])
def test_a_private_chat_run_of_02_is_never_published(tmp_path, metrics, parameters):
    executed_run(tmp_path / "runs", "02_whatsapp_persona_chatbot", metrics, parameters, text=f"{SECRET}: hola")
    report = stage(tmp_path / "runs", tmp_path / "source")
    assert report["privada"] == ["02_whatsapp_persona_chatbot"] and report["publicados"] == []
    assert SECRET not in staged_text(tmp_path / "source")
    assert "no se publica" in (tmp_path / "source" / "estudios" / "02_whatsapp_persona_chatbot.md").read_text()


def test_the_demo_chat_run_of_02_is_published(tmp_path):
    executed_run(tmp_path / "runs", "02_whatsapp_persona_chatbot", {"private_chat": False})
    assert stage(tmp_path / "runs", tmp_path / "source")["publicados"] == ["02_whatsapp_persona_chatbot"]


def test_a_failed_build_leaves_the_previous_site_and_no_temporary_folder(tmp_path):
    dest = tmp_path / "book" / "html"
    dest.mkdir(parents=True)
    (dest / "index.html").write_text("previous", encoding="utf-8")
    broken_docs = tmp_path / "docs"
    shutil.copytree(DOCS, broken_docs)
    (broken_docs / "conf.py").write_text("raise RuntimeError('configuración rota')\n", encoding="utf-8")
    with pytest.raises(BookFailed, match="configuración rota"):
        build(tmp_path / "runs", dest, docs=broken_docs)
    assert (dest / "index.html").read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["html"]
