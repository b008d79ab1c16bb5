# Everything a fresh machine needs: `make demo` and `make test` create the virtual
# environment on first use, install the package into it and run.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test tools lint bench clean

# The install's chatter goes to $(VENV)/install.log and is shown only if it fails. The editable install is
# in "compat" mode (a .pth path entry): the default mode's import hook adds ~9 ms to every run (see bench/).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing tutor and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@( $(BIN)/python -m pip install --upgrade pip && \
	   $(BIN)/python -m pip install -e '.[test]' --config-settings editable_mode=compat ) \
	   > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; echo "install failed"; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tutor solve lstm-step
	$(BIN)/tutor derive softmax-jacobian

test: $(STAMP)
	$(BIN)/python -m pytest

# Chromium, pdflatex and pdftotext for the sheet tests (Debian packages; skipped tests say when one is missing).
tools:
	scripts/install-test-tools

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff mypy
	$(BIN)/ruff check tutor tests bench
	$(BIN)/mypy tutor

bench: $(STAMP)
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
