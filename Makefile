# One command serves the dashboard, one runs every check. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8866
BASE_URL ?= /

.PHONY: setup serve-setup dashboard lab test lint unit notebooks browser-tests chromium fonts postgresql bench lock clean

# What serving needs (make dashboard), and what the tests need on top (make setup, make test).
serve-setup: $(SERVE_STAMP)
setup: $(TEST_STAMP)

$(SERVE_STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	$(MAKE) catalogues
	touch $(SERVE_STAMP)

$(TEST_STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(TEST_STAMP)

# The workbook's own words in each language: the .po files (in git) compiled to .mo (not in git).
.PHONY: catalogues messages
catalogues:
	$(BIN)/pybabel compile --use-fuzzy -D workbook -d secondopinion/language/locale --statistics

# After changing words in the code: extract them again and merge them into every .po file.
messages:
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-wrap --sort-by-file \
	  -o secondopinion/language/locale/workbook.pot .
	$(BIN)/pybabel update -D workbook -i secondopinion/language/locale/workbook.pot \
	  -d secondopinion/language/locale --width 100

dashboard: serve-setup
	$(BIN)/python -m secondopinion serve --host $(HOST) --port $(PORT) --base-url $(BASE_URL)

# JupyterLab for navigators, on this machine only, with notebooks/ as its root folder (LAB_ROOT;
# the tests give a copy): exports land in notebooks/exports/. The address it prints (and opens) is
# navigator.ipynb itself. New people's links point at the dashboard above, or at
# $$SECOND_OPINION_PUBLIC_URL when set. No news feed, no update check, no first-run questions: Lab
# calls nowhere; its kernels talk over IPC sockets in an owner-only folder, never TCP
# (hub/jupyter_config, hub/jupyter_data). As root (a container), Jupyter needs --allow-root.
LAB_PORT ?= 8888
LAB_ROOT ?= notebooks
lab: setup
	SECOND_OPINION_DASHBOARD_URL=$${SECOND_OPINION_DASHBOARD_URL:-http://$(HOST):$(PORT)$(BASE_URL)} \
	JUPYTER_CONFIG_PATH=$(CURDIR)/hub/jupyter_config JUPYTER_PATH=$(CURDIR)/hub/jupyter_data \
	PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH} \
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --ServerApp.root_dir=$(LAB_ROOT) --LabApp.default_url=/lab/tree/navigator.ipynb \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# JupyterHub for a navigation program, on this machine (hub/, docs/deploying.md). Runs as root:
# each navigator's JupyterLab runs as their own account (made when an admin approves them, with
# their own home and navigator.ipynb), the patients' dashboard at /services/workbook/ as the
# account so-workbook. The first admin ($$HUB_ADMINS, 'admin') is made before the hub listens and
# its password printed once here; navigators sign up at http://127.0.0.1:$(HUB_PORT)/hub/signup.
# The store: a PostgreSQL started here on a Unix socket only (Debian's postgresql package,
# installed when missing), kept in .hub/state/postgres ($$HUB_THROWAWAY_DB=1: a throw-away one),
# or $$SECOND_OPINION_DB_URL. Ctrl+C stops everything.
HUB_PORT ?= 8000
CHP_VERSION := 5.3.0
CHP := .hub/node_modules/.bin/configurable-http-proxy
.PHONY: hub
hub: setup $(CHP)
	@[ "$$(id -u)" = 0 ] || { echo "The hub runs as root (each navigator gets an account of their own): run 'sudo make hub'." >&2; exit 1; }
	@[ -n "$$SECOND_OPINION_DB_URL" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
	$(BIN)/python hub/run_hub.py --ip $(HOST) --port $(HUB_PORT)

# configurable-http-proxy (the hub's proxy), pinned, in .hub/ (not the machine's global npm).
$(CHP):
	npm install --prefix .hub --no-audit --no-fund --loglevel=error configurable-http-proxy@$(CHP_VERSION)

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

# Debian's Noto fonts, so the printed question sheet has letters for Chinese, Japanese, Korean,
# Hindi and other scripts DejaVu Sans lacks (_sheet_layout.py finds them; without them the sheet
# and the page say which characters could not be printed).
fonts:
	@ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-noto-core; \
	  else echo "Noto fonts are missing: run 'sudo apt-get install fonts-noto-cjk fonts-noto-core' (Debian) for sheets in every script." >&2; fi; }

# Debian's PostgreSQL server programs, for the store tests on a real server (tests/store_support.py
# starts a throw-away one; as root it runs as the 'postgres' user the package creates).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  else echo "PostgreSQL is missing: run 'sudo apt-get install postgresql' (Debian) and try again." >&2; exit 1; fi; }

test: setup chromium fonts postgresql $(CHP) lint
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval-lax notebooks/ -p no:cacheprovider

# Everything but the browser and notebook tests (the README says how long it takes). One test:
# .venv/bin/python -m pytest tests/test_engine.py -k "relapse"
# On every core (pytest-xdist); each worker has its own temporary folders and PostgreSQL.
unit: setup postgresql
	$(BIN)/python -m pytest tests --ignore=tests/browser -q -n auto --dist loadfile

# The dashboard in headless Chromium, the navigators' JupyterLab and the hub.
browser-tests: setup chromium fonts postgresql $(CHP)
	$(BIN)/python -m pytest tests/browser

# The notebooks, executed by nbval.
notebooks: setup postgresql
	$(BIN)/python -m pytest --nbval-lax notebooks/ -p no:cacheprovider

# Every benchmark; not part of `make test`. Figures go to benchmarks/results/ (git ignores it).
bench: setup chromium postgresql
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_phone.py
	$(BIN)/python benchmarks/bench_exhaust.py

# Refresh the pinned versions after changing pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --upgrade pip
	.lockvenv/bin/python -m pip install --quiet '.[test]'
	.lockvenv/bin/python -m pip freeze --exclude secondopinion > requirements.lock
	rm -rf .lockvenv build *.egg-info

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
