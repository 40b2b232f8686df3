# One command serves the dashboard, one runs every check. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8866
BASE_URL ?= /

.PHONY: setup dashboard lab test lint unit notebooks browser-tests chromium bench lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

dashboard: setup
	$(BIN)/python -m secondopinion serve --host $(HOST) --port $(PORT) --base-url $(BASE_URL)

lab: setup
	$(BIN)/jupyter lab notebooks/navigator.ipynb

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m secondopinion check-content

# Debian's Chromium, for the real-browser tests. Installs it when missing (needs root, as in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian) and try again." >&2; exit 1; fi; }

test: setup chromium lint
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval-lax notebooks/ -p no:cacheprovider

# Every benchmark; not part of `make test`. Figures go to benchmarks/results/ (git ignores it).
bench: setup chromium
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_load.py

# Refresh the pinned versions after changing pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --upgrade pip
	.lockvenv/bin/python -m pip install --quiet '.[test]'
	.lockvenv/bin/python -m pip freeze --exclude secondopinion > requirements.lock
	rm -rf .lockvenv build *.egg-info

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
