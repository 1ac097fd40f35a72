# Two commands do all the set-up on a fresh machine:
#   make run   - the app with demo data on the embedded default (SQLite, tasks in-process)
#   make test  - the whole suite, against the local PostgreSQL
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alianzas

.PHONY: install run test lint messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	# Connections are not kept between requests in tests, so no thread (a Celery worker's,
	# the live server's) holds the test database open when it is dropped.
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CONN_MAX_AGE=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Regenerate the Spanish catalogue after changing user-facing strings; commit both files.
messages: install
	$(BIN)/python manage.py makemessages --locale es --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --locale es --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
