# One command serves the dashboard, one runs every check. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8866
BASE_URL ?= /

.PHONY: setup dashboard lab test lint unit notebooks browser-tests chromium fonts postgresql bench lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	$(MAKE) catalogues
	touch $(STAMP)

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

dashboard: setup catalogues
	$(BIN)/python -m secondopinion serve --host $(HOST) --port $(PORT) --base-url $(BASE_URL)

# JupyterLab for navigators, on this machine only, with notebooks/ as its root folder (exports
# land in notebooks/exports/). New people's links point at the dashboard above, or at
# $$SECOND_OPINION_PUBLIC_URL when set. No news feed, no update check: Lab calls nowhere.
# As root (a container), Jupyter needs --allow-root.
LAB_PORT ?= 8888
lab: setup
	SECOND_OPINION_DASHBOARD_URL=$${SECOND_OPINION_DASHBOARD_URL:-http://$(HOST):$(PORT)$(BASE_URL)} \
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --ServerApp.root_dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/navigator.ipynb

# JupyterHub for a navigation program, on this machine (hub/, docs/deploying.md): navigators sign
# up at http://127.0.0.1:$(HUB_PORT)/hub/signup (an admin, HUB_ADMINS, approves them) and get
# JupyterLab on navigator.ipynb; patients open the dashboard at /services/workbook/ with no hub
# account. One store for all: $$SECOND_OPINION_DB_URL, else a throw-away PostgreSQL started here
# (Debian's postgresql package, installed as root when missing). Ctrl+C stops everything.
HUB_PORT ?= 8000
CHP_VERSION := 5.3.0
CHP := .hub/node_modules/.bin/configurable-http-proxy
.PHONY: hub
hub: setup $(CHP)
	@[ -n "$$SECOND_OPINION_DB_URL" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  else echo "PostgreSQL is missing: run 'sudo apt-get install postgresql' (Debian), or set SECOND_OPINION_DB_URL." >&2; exit 1; fi; }
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
