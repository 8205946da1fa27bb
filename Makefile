# spendscope: the two commands a new user needs.
#   make run    install, build the demo organisation into ./spendscope.duckdb, summarise, serve the dashboard
#   make test   install everything the tests use, then run every test (DuckDB, Spark, validator, browser)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The FOCUS validator needs Python >= 3.12, in its own virtualenv. The first interpreter
# that really runs (a pyenv shim for a version not selected does not) is used.
PY312 ?= $(shell for c in $$(ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.1[2-9]*/bin/python3 2>/dev/null) \
  $$(command -v python3.13 python3.12 2>/dev/null); do \
  "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$c"; break; }; done)
VALIDATOR_VENV := .venv-validator
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install validator chromium bench bench-cur bench-native bench-llm docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[spark,dev]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/spendscope demo

$(VALIDATOR_VENV)/.installed:
	@test -n "$(PY312)" || { echo "Python 3.12 is needed for focus-validator (pyenv install 3.12)"; exit 1; }
	$(PY312) -m venv $(VALIDATOR_VENV)
	$(VALIDATOR_VENV)/bin/pip install --quiet "focus-validator==2.2.1" "pyarrow<22"
	touch $@

validator: $(VALIDATOR_VENV)/.installed

chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the dashboard tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install validator chromium
	SPENDSCOPE_VALIDATOR=$(CURDIR)/$(VALIDATOR_VENV)/bin/python SPENDSCOPE_CHROMIUM=$(CHROMIUM) \
	  $(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest found no tests"; exit 1; fi; exit $$rc

docs: install
	$(BIN)/python -m spendscope.docs

bench: install
	$(BIN)/python bench/ingest.py

# The FinOps Foundation's converter, the CUR benchmark's reference, in its own virtualenv.
.venv-converter/.installed:
	$(PYTHON) -m venv .venv-converter
	.venv-converter/bin/pip install --quiet "focus-converter==1.0.0" "multimethod<1.11" "click<8.2"
	touch $@

bench-cur: install .venv-converter/.installed
	$(BIN)/python bench/cur.py

bench-native: install
	$(BIN)/python bench/native.py

bench-llm: install
	$(BIN)/python bench/llm_events.py

clean:
	rm -rf $(VENV) $(VALIDATOR_VENV) .venv-converter spendscope.duckdb spendscope-demo
