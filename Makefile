# Mowakaba — the two commands a newcomer needs: `make demo` and `make test`.
# Needs only Python ≥ 3.11 with venv and pip: uv is installed into .venv, then uv
# installs everything else from uv.lock.

PYTHON ?= python3
VENV   := .venv
UV     := $(VENV)/bin/uv
RUN    := $(UV) run --frozen --no-sync

.PHONY: install demo test test-sqlite test-postgres test-scale lint format typecheck clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet "uv==0.13.8"

# --compile-bytecode: without it (and with PYTHONDONTWRITEBYTECODE=1, or a read-only
# .venv) every command compiles SQLAlchemy, pydantic... again: `mowakaba work list`
# took ~2.5 s instead of ~1 s (docs/benchmarks.md).
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

install: $(VENV)/.synced ## install everything into .venv

demo: install ## the main job: everything up on SQLite, with demo data (Ctrl-C stops it)
	$(RUN) mowakaba demo $(DEMO_ARGS)

# The two databases' runs go side by side (one per core): the PostgreSQL run's output is
# kept in build/test-postgres.log and printed when the SQLite run ends.
test: install ## the whole suite on SQLite and, side by side, on PostgreSQL when it answers
	@mkdir -p build; rm -f build/test-postgres.status; pg=""; \
	if $(RUN) python -m tests.dbsetup; then \
		echo "== tests on PostgreSQL: running beside SQLite (output in build/test-postgres.log)"; \
		( $(MAKE) --no-print-directory test-postgres > build/test-postgres.log 2>&1; \
		  echo $$? > build/test-postgres.status ) & pg=$$!; \
	elif [ -n "$$MOWAKABA_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (MOWAKABA_REQUIRE_POSTGRES) but does not answer"; exit 1; \
	else \
		echo "PostgreSQL does not answer on 127.0.0.1:5432 (or TEST_POSTGRES_URL): its run is skipped"; \
	fi; \
	$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; \
	if [ -n "$$pg" ]; then wait $$pg; cat build/test-postgres.log; \
		[ "$$(cat build/test-postgres.status 2>/dev/null)" = 0 ] || { echo "== PostgreSQL run failed"; exit 1; }; \
	fi; \
	exit $$sqlite

test-sqlite: install
	@echo "== tests on SQLite"
	MOWAKABA_TEST_DATABASE=sqlite $(RUN) pytest -q $(PYTEST_ARGS)

# The browser tests (tests/browser, ~75 s) run in the SQLite pass only: the pages' own
# database work is tested on both by tests/pages.
test-postgres: install
	@echo "== tests on PostgreSQL"
	MOWAKABA_TEST_DATABASE=postgresql $(RUN) pytest -q --ignore=tests/browser $(PYTEST_ARGS)

# The scale-out for real (≤ 5 min): a Prefect server on PostgreSQL, the app on PostgreSQL,
# `mowakaba deploy` and two `mowakaba worker` processes; 20 youths' pathways through the
# work pool (tests/scale). Everything it starts is stopped, also on failure and Ctrl-C.
test-scale: install ## the work pool on PostgreSQL with two process workers (needs PostgreSQL)
	MOWAKABA_TEST_SCALE=1 $(RUN) pytest -q -s -p no:cacheprovider tests/scale $(PYTEST_ARGS)

# The README's pictures: the browser tests photograph every page (build/screenshots/);
# three of them are kept in docs/screenshots/.
SCREENSHOTS := work-ar-phone dashboard-coordinator-fr-desktop youth-file-en-desktop form-intake-ar-phone
.PHONY: screenshots
screenshots: install ## photograph every page (browser tests), refresh docs/screenshots/
	MOWAKABA_TEST_DATABASE=sqlite $(RUN) pytest -q tests/browser
	mkdir -p docs/screenshots
	for shot in $(SCREENSHOTS); do cp build/screenshots/$$shot.png docs/screenshots/; done

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: install
	$(RUN) mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
