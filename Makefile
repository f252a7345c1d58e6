# The two README commands work on a bare machine: each creates .venv and installs what it needs.
# Both set DEBUG=1 (local development only); production sets SECRET_KEY and leaves DEBUG off.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DEV := DEBUG=1

.PHONY: run test fuzz bench load costly outage pull backup restore editor analyst snapshot install lint migrate dataset clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

dataset: migrate
	$(DEV) $(BIN)/python manage.py load_dataset

run: dataset
	@echo ""
	@echo "  Site:  http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/   (create a login with: make editor)"
	@echo ""
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(DEV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# schemathesis against the API's own schema, on loopback; FUZZ_AS=editor fuzzes writes too
FUZZ_EXAMPLES ?= 50
FUZZ_AS ?= anonymous
fuzz: install
	bash bench/fuzz_api.sh $(FUZZ_EXAMPLES) $(FUZZ_AS)

# the load benchmark (bench/README.md): PostgreSQL, gunicorn and wrk on loopback, ~5 minutes
bench: install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py

# 64 connections on a mix of pages and API calls for 60 s: no error, worker memory flat (~2 minutes)
load: install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/load.py

# 8 attackers on each endpoint whose cost grows with the data: a cheap page's median stays within
# 2x (about 2 minutes)
costly: install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	$(BIN)/python bench/costly.py

# make editor USERNAME=alice   (asks for a password; or set TRACKER_PASSWORD)
USERNAME ?= editor
# NAME="Alice Example" sets the name shown in public (the login name never is)
NAME ?=
editor: migrate
	$(DEV) $(BIN)/python manage.py create_account $(USERNAME) --role editor --name "$(NAME)"

analyst: migrate
	$(DEV) $(BIN)/python manage.py create_account $(USERNAME) --role analyst --name "$(NAME)"

# write the database back into fixtures/ (same files, same order; unchanged data, same bytes)
snapshot: migrate
	$(DEV) $(BIN)/python manage.py snapshot_dataset

# the database to backups/<name>-<UTC time>.{pgdump,sqlite3} (DATABASE_URL, else db.sqlite3)
backup: install
	$(BIN)/python scripts/backup.py

# make restore FILE=backups/<file>   (replaces the database's contents; asks nothing)
restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/<file>" >&2; exit 2; }
	$(BIN)/python scripts/restore.py "$(FILE)"

# the primary, then every database, stopped for 10 s under load, with a streaming replica and
# Redis (bench/README.md): throwaway clusters on ports 5439 and 5440 (about 80 s)
outage: install
	bash scripts/ensure-redis.sh
	$(BIN)/python bench/outage.py

# what a full pull (data package; paginated API) and a sync after 10 edits cost a researcher
pull: install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	$(BIN)/python bench/pull.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .hypothesis
