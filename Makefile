# Two commands for a fresh clone (see README.md):
#   make run    set up (.venv, Node deps, build) and open JupyterLab on notebooks/quickstart.ipynb
#   make test   set up and run the whole test suite (unit, server, kernel, nbval, browser)
VENV    ?= .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.vibing2-lab-installed
LABEXT  := vibing2_lab/labextension/package.json
PYTHON  ?= python3
PYTEST_ARGS ?=
# Tools of the venv (jlpm, jupyter-builder, jupyter) come first.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-python test-notebooks build clean

setup: $(STAMP) $(LABEXT)

# A virtualenv with the package (editable), its test extras, Node deps and the labextension.
$(STAMP): pyproject.toml package.json yarn.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	$(BIN)/jupyter labextension develop . --overwrite
	$(BIN)/jupyter server extension enable --sys-prefix vibing2_lab
	touch $(STAMP)

# Rebuild the labextension when its TypeScript or CSS changed.
$(LABEXT): $(STAMP) $(wildcard labextension/*.ts) $(wildcard style/*)
	$(BIN)/jlpm install
	$(BIN)/jlpm build
	touch $(LABEXT)

# Recorded answers replay offline (no key needed); cells without a record go live.
MODE ?= replay-fallback
# Jupyter refuses to run as root unless told (containers, CI boxes); a normal user needs nothing.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
run: setup
	VIBING2_LAB_MODE=$(MODE) $(BIN)/jupyter lab $(ROOT_FLAG) notebooks/quickstart.ipynb

test: setup test-python test-notebooks

test-python:
	$(PY) -m pytest tests $(PYTEST_ARGS)

# Strict nbval: every saved output is compared; the notebooks replay their recorded answers
# offline, into a throwaway data directory.
test-notebooks:
	home=$$(mktemp -d) && trap 'rm -rf "$$home"' EXIT && \
	VIBING2_LAB_HOME="$$home" VIBING2_LAB_MODE=replay VIBING2_LAB_REPLAY_PACE=0 $(PY) -m pytest -p no:cacheprovider --nbval notebooks $(PYTEST_ARGS)

build:
	$(BIN)/jlpm clean:all
	$(PY) -m build

clean:
	rm -rf $(VENV) node_modules lib vibing2_lab/labextension dist *.tsbuildinfo
