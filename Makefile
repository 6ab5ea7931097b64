# llm-studies: `make setup` once, then `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Without CUDA, pin the CPU torch wheel; an open torch range would pull a multi-GB CUDA build.
HAS_CUDA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes)
CONSTRAINTS := $(if $(HAS_CUDA),,-c constraints-cpu.txt)
NB ?=

.PHONY: setup test test-fast run-all run bench lint sync grade workshop help

help:
	@echo "make setup | test | test-fast | run-all | run NB=04 | bench | lint | sync | grade NB=path.ipynb | workshop"

setup:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --progress-bar on -r requirements.txt -r requirements-dev.txt $(CONSTRAINTS)
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name llm-studies --display-name "Python (llm-studies)" >/dev/null
	$(PY) -m ipykernel install --user --name llm-studies --display-name "Python (llm-studies)" >/dev/null
	$(PY) -m helpers.setup
	@# The web-chat test drives Debian's Chromium (Playwright's browser download is unreachable).
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
		apt-get install -y -q --no-install-recommends chromium >/dev/null || \
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; }; \
		else echo "Falta chromium: ejecuta 'sudo apt-get install chromium' (lo usa el test del chat web)"; fi; }
	@echo "Listo: make test, o abre notebooks/ con el kernel 'Python (llm-studies)'."

grade:
	@test -n "$(NB)" || (echo "usage: make grade NB=notebooks/05_chatbot_workshop.ipynb" >&2; exit 2)
	$(PY) -m helpers.workshop.grader $(NB)

workshop:
	$(PY) -m helpers.workshop
	$(MAKE) sync

test:
	$(PY) -m pytest -q tests

test-fast:
	$(PY) -m pytest -q tests --ignore=tests/test_notebooks.py

run-all:
	$(PY) -m helpers.notebook_runner

run:
	@test -n "$(NB)" || (echo "usage: make run NB=04" >&2; exit 2)
	$(PY) -m helpers.notebook_runner $(NB)

bench:
	$(PY) -m benchmarks.run

lint:
	$(PY) -m ruff check helpers tests benchmarks notebooks/*.py

sync:
	$(PY) -m jupytext --sync notebooks/*.py
	$(PY) -m nbstripout notebooks/*.ipynb
