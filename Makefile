# Casework: `make run` to try it, `make test` to prove it. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

# The compiled catalogs (*.mo) are built from the .po files in git, never committed.
CATALOGS := casework/translations/ne/LC_MESSAGES/messages.mo

.PHONY: venv translations run serve test e2e fuzz security bench bench-ci loadtest loadtest-ci lint format lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled only when a lock file changes.
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

venv: $(VENV)/.runtime $(CATALOGS)

casework/translations/%/LC_MESSAGES/messages.mo: casework/translations/%/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics --domain messages --directory casework/translations --locale $*

## Extract every user-facing string (babel.cfg) into messages.pot and merge it into each
## catalog: new strings arrive untranslated, and tests/i18n fails until they are translated.
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords _l --keywords lazy_gettext \
		--keywords lazy_ngettext:1,2 --no-location --sort-output --project Casework --msgid-bugs-address "" \
		--copyright-holder "Casework contributors" --output-file casework/translations/messages.pot .
	$(BIN)/pybabel update --input-file casework/translations/messages.pot \
		--output-dir casework/translations --no-fuzzy-matching --ignore-obsolete

## Migrate, load reference data, create demo users and data (on an empty database), serve.
run: venv
	$(BIN)/flask casework init
	$(BIN)/flask casework demo --beneficiaries 2000 --if-empty --seed 42
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Production-style server on 127.0.0.1:5000 with gunicorn.conf.py (2 workers; a 10-minute
## timeout lets an export of a million rows finish: XLSX takes about 6 minutes). The
## benchmark and the load test start gunicorn with the same file.
serve: venv
	$(BIN)/flask casework init
	$(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:5000 wsgi:app

## The whole suite; TEST_DATABASE_URL=postgresql://… runs it on PostgreSQL. One worker per
## core (TEST_WORKERS=0 for one process), each on its own database (tests/conftest.py).
TEST_WORKERS ?= auto
test: $(VENV)/.dev $(CATALOGS)
	$(BIN)/pytest -n $(TEST_WORKERS)

## Browser tests of the main journeys (tests/e2e): gunicorn on a fresh SQLite database under
## /tmp, Debian's Chromium at /usr/bin/chromium driven by Playwright (never a downloaded
## browser). Skipped, saying why, when Chromium is missing. Screenshots of failures go to
## test-artifacts/e2e/.
e2e: $(VENV)/.dev $(CATALOGS)
	$(BIN)/pytest tests/e2e

## Property-based fuzzing of the JSON API from its OpenAPI document (Schemathesis), on its
## own SQLite file unless TEST_DATABASE_URL says otherwise. FUZZ_MAX_EXAMPLES (20) examples
## per operation and generation mode bound the time.
fuzz: $(VENV)/.dev $(CATALOGS)
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-sqlite:///$(CURDIR)/instance/fuzz.db} $(BIN)/pytest tests/fuzz

## Static security check (Bandit, configured in pyproject.toml): the application must be
## clean; the load generator is checked without the random/subprocess tests.
security: $(VENV)/.dev
	$(BIN)/bandit -q -c pyproject.toml -r casework
	$(BIN)/bandit -q -c pyproject.toml -r loadtest -s B311,B404,B603

## Speed at 1,000,000 beneficiaries over HTTP against gunicorn: p50/p95 of the pages and
## API calls users wait for, API throughput, a full CSV export (bench/results.json).
## BENCH_DATABASE_URL=postgresql://… measures PostgreSQL too. The first run builds the data.
bench: $(VENV)/.runtime $(CATALOGS)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## The same at 20,000 people, in short runs: CI keeps the benchmark working (not a verdict).
bench-ci: $(VENV)/.runtime $(CATALOGS)
	$(BIN)/python bench/run.py --people 20000 --runs 5 --quick --output bench/results-ci.json

## LOADTEST_USERS (50) simulated caseworkers and supervisors for LOADTEST_SECONDS (60)
## against gunicorn on a fresh database (SQLite under /tmp; LOADTEST_DATABASE_URL=
## postgresql://…/loadtest… for PostgreSQL), then every write they were told succeeded is
## found in the database and the audit chain verifies. Fails on a lost write or any 5xx.
loadtest: $(VENV)/.dev $(CATALOGS)
	$(BIN)/python -m loadtest.run

## The same, small, on SQLite: CI keeps it working.
loadtest-ci: $(VENV)/.dev $(CATALOGS)
	LOADTEST_DATABASE_URL= LOADTEST_USERS=10 LOADTEST_SECONDS=10 $(BIN)/python -m loadtest.run

lint: $(VENV)/.dev security
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-pin every dependency after changing pyproject.toml.
lock: $(BIN)/python
	@echo "Install the new versions into a fresh venv, then update requirements*.lock from pip freeze."

clean:
	rm -rf $(VENV) instance/test.db*
