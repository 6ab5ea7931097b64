# llm-studies: `make setup` once, then `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Without CUDA, pin the CPU torch wheel; an open torch range would pull a multi-GB CUDA build.
HAS_CUDA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes)
CONSTRAINTS := $(if $(HAS_CUDA),,-c constraints-cpu.txt)
NB ?=
DIR ?=
WEB_PORT ?= 8000
LAB_PORT ?= 8888
LAB_ARGS ?=

.PHONY: setup lab test test-fast test-mutants test-drift gpu-check run-all run book bench bench-precision lint sync grade workshop web results regress help

# `make help` prints each target's `## ` comment: what it does and how long it takes on a 2-core laptop CPU.
help: ## esta lista de órdenes (al instante)
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

setup: ## crea .venv, instala las dependencias fijadas, el kernel y prepara modelos y datos (unos 5 min la primera vez; luego segundos)
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
	@# The web app's PostgreSQL test starts Debian's server in a temporary folder (pgvector is not packaged).
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
		apt-get install -y -q --no-install-recommends postgresql >/dev/null || \
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends postgresql >/dev/null; }; \
		else echo "Falta PostgreSQL: ejecuta 'sudo apt-get install postgresql' (lo usa el test de la app web con PostgreSQL)"; fi; }
	@echo "Listo: make lab abre los cuadernos en JupyterLab con el kernel 'Python (llm-studies)'; make test los prueba."

lab: ## JupyterLab en 127.0.0.1:8888 (LAB_PORT=) sobre notebooks/ con el kernel «Python (llm-studies)»; sin pantalla escribe la dirección con su token; LAB_ARGS= para más opciones (arranca en unos 5 s)
	$(PY) -m helpers.lab --port $(LAB_PORT) $(LAB_ARGS)

grade: ## NB=cuaderno.ipynb: corrige un taller, comprobación a comprobación, con puntos (unos 5 min); DIR=entregas/: cada cuaderno de la carpeta en su propio proceso y notas.csv para la clase (unos 5 min por cuaderno)
	@test -n "$(NB)$(DIR)" || (echo "usage: make grade NB=notebooks/05_chatbot_workshop.ipynb  |  make grade DIR=entregas/" >&2; exit 2)
	$(PY) -m helpers.workshop.grader $(if $(DIR),$(DIR),$(NB))

workshop: ## regenera la hoja de estudiantes del taller desde las soluciones (segundos)
	$(PY) -m helpers.workshop
	$(MAKE) sync

test: ## todas las pruebas: cada cuaderno con parámetros pequeños (local y gpu simulado), Colab simulado, el chat y el libro en Chromium (29 min 27 s medidos con la CPU para él solo; cada prueba con su límite de tiempo)
	$(PY) -m pytest -q tests

test-mutants: ## el corrector del taller frente a sus 35 soluciones erróneas, cada una con los cinco ejercicios (unos 21 min)
	LLM_STUDIES_FULL_MUTANTS=1 $(PY) -m pytest -q tests/workshop/test_mutants.py

test-drift: ## entornos nuevos con las versiones de Colab (preinstaladas, y con el paso de unsloth): firmas que usan los helpers y ensayos gpu simulados; necesita PyPI (unos 20 min la primera vez en 2 núcleos; con los entornos ya creados, unos 15)
	$(PY) -m tests.drift

gpu-check: ## en una GPU: cada cuaderno con PROFILE=gpu y parámetros pequeños, uno tras otro; informe en outputs/gpu-check/ (hasta unos 10 min: no empieza cuadernos pasados 9; aún sin medir en una GPU)
	$(PY) -m tests.gpu_check

test-fast: ## las pruebas sin ejecutar los cuadernos (una parte de make test)
	$(PY) -m pytest -q tests --ignore=tests/test_notebooks.py

run-all: ## ejecuta cada cuaderno con papermill en el perfil local; reanuda lo guardado (unos 72 min: la suma de lo medido por separado)
	$(PY) -m helpers.notebook_runner

run: ## NB=04: ejecuta un solo cuaderno; resultados en outputs/<cuaderno>/ (medidos solos en 2 núcleos con bf16: 01 34 min; 02 6 min; 03 21 min; 04 8 min; 06 1 min; las cifras, en docs/results/)
	@test -n "$(NB)" || (echo "usage: make run NB=04" >&2; exit 2)
	@$(PY) -m helpers.notebook_runner $(NB)

bench: ## pruebas de velocidad: razones frente a una línea base medida en la misma ejecución; la primera vez compila llama.cpp para compararse con él (unos 25 min; la compilación, 4-8 min más)
	$(PY) -m benchmarks.run

bench-precision: ## ¿cambia bf16 las conclusiones? 01 (ranking) y 04 (respuestas) en float32 y en bf16 sobre la misma muestra (unos 11 min)
	$(PY) -m benchmarks.precision_agreement

results: ## guarda en results/local/ cada ejecución por defecto nueva de outputs/ y genera desde results/ las tablas del README y de docs/results/ (unos 2 s)
	$(PY) -m helpers.results

regress: ## NB=04 (o todos los de outputs/): compara cada metrics.json con su referencia de results/; falla si una cifra sale de su intervalo (unos 2 s)
	$(PY) -m helpers.results.regress $(NB)

web: ## WEB_PORT=8000: la app Django del estudio 06 en http://127.0.0.1:8000 (migra y guarda los embeddings que falten: unos 10 s la primera vez, luego 2 s)
	$(PY) webapp/manage.py migrate --verbosity 0
	$(PY) webapp/manage.py add_embeddings_db
	$(PY) webapp/manage.py runserver 127.0.0.1:$(WEB_PORT) --noreload

book: ## el libro en español (outputs/book/html/index.html) con los cuadernos ya ejecutados en outputs/, sin volver a ejecutarlos, y lo revisa en Chromium (unos 40 s)
	$(PY) -m helpers.book

lint: ## ruff sobre helpers, pruebas, benchmarks, la app web y los .py de los cuadernos (menos de 1 s)
	$(PY) -m ruff check helpers tests benchmarks webapp notebooks/*.py

sync: ## pone en cada .py su insignia de Colab, sincroniza cada .ipynb con su .py (jupytext) y quita las salidas (unos 5 s)
	$(PY) -m helpers.book.badges
	$(PY) -m jupytext --sync notebooks/*.py
	$(PY) -m nbstripout notebooks/*.ipynb
