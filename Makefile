# Lair Chat: `make run` serves on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run demo worker test lint format install migrate serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# One process: the default in-memory channel layer does not cross processes.
# DEBUG defaults on here so that no SECRET_KEY is needed on a fresh machine.
# No permessage-deflate: it costs 1.5-2x the CPU per delivery (lair/workers.py).
# No proxy headers: uvicorn would take the client address from X-Forwarded-For
# of any local client; Django alone decides it (TRUSTED_PROXY_COUNT, lair/client_ip.py).
# --ws-max-size: the server refuses frames over WS_MAX_FRAME_BYTES (close 1009)
# before buffering them; uvicorn's own default is 16 MiB.
SERVE = DEBUG=$${DEBUG:-true} $(BIN)/uvicorn lair.asgi:application --host $(HOST) --port $(PORT) \
	--lifespan off --ws-per-message-deflate false --no-proxy-headers \
	--ws-max-size $${WS_MAX_FRAME_BYTES:-16384}
MIGRATE = DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput

run: $(STAMP)
	$(MIGRATE)
	$(SERVE)

# The same server on demo data (manage.py seed_demo: idempotent, prints the sign-ins).
demo: $(STAMP)
	$(MIGRATE)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	$(SERVE)

# The background worker beside `make run` (expired sessions, event log, presence).
worker: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py run_worker

# Two workers (pytest-xdist): each has its own test database and its own
# cache keys and channel names on a shared Redis (lair/test_settings.py).
# TEST_WORKERS=0 runs in this one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/python manage.py check
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/auth.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .test-db.sqlite3*
