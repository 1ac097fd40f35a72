# Two commands do all the set-up on a fresh machine:
#   make run   - the app with demo data on the embedded default (SQLite, a worker with beat
#                on a broker in files under var/)
#   make test  - the whole suite, against the local PostgreSQL
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The test databases are thrown away after each run: their commits need not wait for the
# disk (synchronous_commit=off, for these connections only; PostgreSQL stays consistent).
# On this kind of machine that takes a quarter off migrating each worker's database.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alianzas?options=-c%20synchronous_commit%3Doff

.PHONY: install run test lint messages clean reliability bench bench-scale

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Reminders need a worker and Celery beat: `make run` starts one worker with beat embedded,
# on a broker kept in files under var/ (no server to install), beside runserver, after one
# sweep by hand so the demo's reminders appear in the console at once. Ctrl-C stops both.
# Every step runs with the broker set, so every one of them uses the page cache in files
# under var/cache/ that the web server reads (config/settings.py): seed_demo's writes renew
# what a previous `make run` left cached there.
RUN_BROKER := CELERY_BROKER_URL=filesystem://

run: install
	$(RUN_BROKER) $(BIN)/python manage.py migrate --noinput
	$(RUN_BROKER) $(BIN)/python manage.py seed_demo
	$(RUN_BROKER) $(BIN)/python manage.py send_reminders
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN_BROKER) $(BIN)/celery -A config worker --beat --pool solo --loglevel info & worker=$$!; \
	$(RUN_BROKER) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The suite runs on every core (pytest-xdist; TEST_WORKERS=0 runs it in one process), each
# worker with its own test database; the tests that share Redis run on one worker in turn.
TEST_WORKERS ?= auto

test: install
	# Connections are not kept between requests in tests, so no thread (a Celery worker's,
	# the live server's) holds the test database open when it is dropped.
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CONN_MAX_AGE=0 $(BIN)/python -m pytest \
	  -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

# Regenerate the Spanish catalogue after changing user-facing strings; commit both files.
messages: install
	$(BIN)/python manage.py makemessages --locale es --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --locale es --ignore '.venv/*'

# The national-scale benchmark (docs/benchmarks.md; tools/bench/): seed_demo at 10,000
# alliances, 2,000 actors, 200,000 commitments and 100,000 measurements in PostgreSQL (kept
# between runs), gunicorn with production settings (tools/bench_settings.py: the API beside a
# plain DRF ModelViewSet) and two workers, wrk on every page (three rounds of 5 s, page cache
# on, then once with it off), the five writes (POST and redirect, 200 each), a mixed run of
# people reading and writing (page cache hit rate), the same run without the page cache, and
# the reminder sweep at 10k, 100k and 1M commitments. Everything measured writes to a copy of
# the database, dropped afterwards: no run's writes reach the next. About twenty-five minutes on a first run. BENCH_ARGS=--quick checks the
# instrument in minutes (tiny data, report to a temporary file); BENCH_ARGS="--sweeps ''"
# leaves the sweep out. The bench's Redis database (BENCH_CACHE_URL, db 3) is emptied.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alianzas_bench
BENCH_ARGS ?=

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py benchmark $(BENCH_ARGS)

# How each page's cost grows with the data (docs/scaling.md; tools/management/commands/
# bench_scale.py): every page in process, page cache off, on make bench's database and on one
# at ten times it (alianzas_bench_x10: 100,000 alliances, 2,000,000 commitments, 1,000,000
# measurements; built on first use in a few minutes, reused afterwards), 1×, 10×, 10×, 1×.
bench-scale: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench_scale $(BENCH_SCALE_ARGS)

# Reliability (docs/reliability.md): the concurrency and fault tests, then a bounded load test
# (50 people for 60 s) against gunicorn in production mode on a fresh database, checked
# against the database afterwards; the figures are written into docs/reliability.md. The load
# test and the report are tools (tools/), installed only outside production: load_test runs
# in development mode as a client of the production server, on the same database.
RELIABILITY_SERVER ?= postgres://postgres@127.0.0.1:5432
RELIABILITY_DB ?= alianzas_reliability
RELIABILITY_PORT ?= 8765
RELIABILITY_USERS ?= 50
RELIABILITY_SECONDS ?= 60
RELIABILITY_DIR := var/reliability

reliability: install
	mkdir -p $(RELIABILITY_DIR)
	rm -f $(RELIABILITY_DIR)/load.json
	DATABASE_URL=$(RELIABILITY_SERVER)/$(RELIABILITY_DB) CONN_MAX_AGE=0 CI=true $(BIN)/python -m pytest \
	  -p no:cacheprovider -q tests/test_concurrency.py tests/test_faults.py \
	  --junitxml $(RELIABILITY_DIR)/tests.xml || true
	psql "$(RELIABILITY_SERVER)/postgres" -q -c 'DROP DATABASE IF EXISTS $(RELIABILITY_DB) WITH (FORCE)' \
	  -c 'CREATE DATABASE $(RELIABILITY_DB)'
	export DJANGO_ENV=production ALLOWED_HOSTS=127.0.0.1,localhost \
	  SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(60))') \
	  DATABASE_URL=$(RELIABILITY_SERVER)/$(RELIABILITY_DB) CONN_MAX_AGE=60 \
	  SECURE_SSL_REDIRECT=false SECURE_COOKIES=false LOG_LEVEL=WARNING \
	  STATIC_ROOT=$(RELIABILITY_DIR)/static ALIANZAS_VAR_DIR=$(RELIABILITY_DIR) \
	  CELERY_BROKER_URL= REDIS_URL= CACHE_URL=; \
	set -e; \
	$(BIN)/python manage.py migrate --noinput -v 0; \
	$(BIN)/python manage.py collectstatic --noinput -v 0; \
	$(BIN)/python manage.py seed_demo > /dev/null; \
	$(BIN)/gunicorn config.wsgi:application --bind 127.0.0.1:$(RELIABILITY_PORT) \
	  --workers 4 --threads 4 --log-level warning & server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server' EXIT; \
	$(BIN)/python -c 'import socket, time, sys; [time.sleep(0.2) for _ in range(100) \
	  if socket.socket().connect_ex(("127.0.0.1", $(RELIABILITY_PORT)))]'; \
	status=0; DJANGO_ENV=development DEBUG=false $(BIN)/python manage.py load_test \
	  --url http://127.0.0.1:$(RELIABILITY_PORT) \
	  --users $(RELIABILITY_USERS) --seconds $(RELIABILITY_SECONDS) \
	  --json $(RELIABILITY_DIR)/load.json || status=$$?; \
	$(BIN)/python tools/reliability_report.py --junit $(RELIABILITY_DIR)/tests.xml \
	  --load $(RELIABILITY_DIR)/load.json --database $(RELIABILITY_SERVER)/$(RELIABILITY_DB); \
	if grep -q '<failure\|<error' $(RELIABILITY_DIR)/tests.xml; then status=1; fi; \
	exit $$status

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# An outside look (docs/reliability.md): bandit over the code, pip-audit over the installed
# dependencies (it says when its vulnerability source cannot be reached), and wapiti against
# gunicorn in production mode on 127.0.0.1, signed in as a coordinator and a representative,
# AUDIT_SECONDS (300) of scanning each. Reports in var/audit/.
AUDIT_SECONDS ?= 300
.PHONY: audit
audit: install
	BIN=$(BIN) AUDIT_SECONDS=$(AUDIT_SECONDS) tools/audit.sh
