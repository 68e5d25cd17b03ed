# GridPatrol: `make run` serves a seeded demo on a bare machine; `make test` is what CI runs.
VENV ?= .venv
PY ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Pinned, hashed dependencies: runtime (the Dockerfile) and runtime + dev (this venv); `make lock`
# compiles both from pyproject.toml. The project itself goes on top without resolving anything.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# The web front ends (npm workspaces under web/): installed from web/package-lock.json, the dashboard
# built into web/dashboard/dist, which the app serves at /dashboard/. Rebuilt when a source changes.
WEB_DEPS := web/node_modules/.installed
WEB_BUILT := web/dashboard/dist/.built
WEB_SOURCES := web/package.json web/dashboard/package.json web/dashboard/index.html web/dashboard/vite.config.ts \
	web/dashboard/tsconfig.json $(shell find web/dashboard/src web/dashboard/public -type f 2>/dev/null)
# The browser tests drive Debian's Chromium (never a downloaded browser), with a Chinese font for the screenshots.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --upgrade --quiet

.PHONY: install run test lint bench clean distclean lock lock-python lock-web check-lock web chromium

# Reinstalled whenever pyproject.toml or the lock changes.
$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --no-deps -e .
	touch $@

install: $(STAMP)

$(WEB_DEPS): web/package-lock.json web/package.json web/dashboard/package.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build
	touch $@

web: $(WEB_BUILT)

chromium:
	test -x $(CHROMIUM) && fc-list :lang=zh | grep -q . || \
		{ $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-wqy-microhei; }

# Every lockfile of the project.
lock: lock-python lock-web

# The newest versions pyproject.toml allows; dev is constrained by the runtime pins, so both agree.
lock-python: $(STAMP)
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra dev -c $(LOCK) -o $(DEV_LOCK)

# The newest versions web/*/package.json allow, into web/package-lock.json (nothing is installed).
lock-web:
	cd web && npm install --package-lock-only --no-audit --no-fund

# A fresh machine: the committed tree in a temporary directory, a new venv from the lock alone.
check-lock:
	set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	git archive HEAD | tar -x -C "$$dir"; \
	$(PY) -m venv "$$dir/.venv"; \
	"$$dir/.venv/bin/pip" install --quiet --require-hashes -r "$$dir/$(DEV_LOCK)"; \
	"$$dir/.venv/bin/pip" install --quiet --no-deps -e "$$dir"; \
	"$$dir/.venv/bin/pip" check; \
	cd "$$dir" && .venv/bin/python -c "from app.main import create_app; create_app()" && \
	.venv/bin/pytest -q -p no:cacheprovider tests/core/test_config.py tests/test_lock.py

# Every demo user, and the admin that `serve` creates when none exists, has the password gridpatrol-demo.
run: $(STAMP) $(WEB_BUILT)
	GRIDPATROL_ADMIN_PASSWORD=$${GRIDPATROL_ADMIN_PASSWORD:-gridpatrol-demo} $(BIN)/gridpatrol seed-demo --if-empty
	@echo
	@echo "GridPatrol on http://$(HOST):$(PORT)"
	@echo "  dashboard  http://$(HOST):$(PORT)/dashboard/"
	@echo "  API docs   http://$(HOST):$(PORT)/docs"
	@echo "  API        http://$(HOST):$(PORT)/api/v1"
	@echo "  health     http://$(HOST):$(PORT)/healthz"
	@echo "  metrics    http://$(HOST):$(PORT)/metrics"
	@echo "Demo logins (password gridpatrol-demo): admin, op_city, op_320602 (county),"
	@echo "  op_320602100 (town), w320602100201001 (grid worker), informant1"
	@echo
	GRIDPATROL_ADMIN_PASSWORD=$${GRIDPATROL_ADMIN_PASSWORD:-gridpatrol-demo} \
		$(BIN)/gridpatrol serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(WEB_BUILT) chromium
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app

bench: $(STAMP)
	$(BIN)/python bench/intake.py

clean:
	rm -rf var test-artifacts web/dashboard/dist .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) web/node_modules
