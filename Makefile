# Two commands do all the set-up on a fresh machine:
#   make run   - the app with demo data on the embedded default (SQLite, a worker with beat
#                on a broker in files under var/)
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

# Reminders need a worker and Celery beat: `make run` starts one worker with beat embedded,
# on a broker kept in files under var/ (no server to install), beside runserver, after one
# sweep by hand so the demo's reminders appear in the console at once. Ctrl-C stops both.
RUN_BROKER := CELERY_BROKER_URL=filesystem://

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(RUN_BROKER) $(BIN)/python manage.py send_reminders
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN_BROKER) $(BIN)/celery -A config worker --beat --pool solo --loglevel info & worker=$$!; \
	$(RUN_BROKER) $(BIN)/python manage.py runserver 127.0.0.1:8000

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
