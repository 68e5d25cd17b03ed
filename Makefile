# GridPatrol: `make run` serves a seeded demo on a bare machine; `make test` is what CI runs.
VENV ?= .venv
PY ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean distclean

# Recreated whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(STAMP)

# Every demo user, and the admin that `serve` creates when none exists, has the password gridpatrol-demo.
run: $(STAMP)
	GRIDPATROL_ADMIN_PASSWORD=$${GRIDPATROL_ADMIN_PASSWORD:-gridpatrol-demo} $(BIN)/gridpatrol seed-demo --if-empty
	@echo
	@echo "GridPatrol on http://$(HOST):$(PORT)"
	@echo "  API docs   http://$(HOST):$(PORT)/docs"
	@echo "  API        http://$(HOST):$(PORT)/api/v1"
	@echo "  health     http://$(HOST):$(PORT)/healthz"
	@echo "  metrics    http://$(HOST):$(PORT)/metrics"
	@echo "Demo logins (password gridpatrol-demo): admin, op_city, op_320602 (county),"
	@echo "  op_320602100 (town), w320602100201001 (grid worker), informant1"
	@echo
	GRIDPATROL_ADMIN_PASSWORD=$${GRIDPATROL_ADMIN_PASSWORD:-gridpatrol-demo} \
		$(BIN)/gridpatrol serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app

bench: $(STAMP)
	$(BIN)/python bench/intake.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
