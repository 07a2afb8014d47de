# The single entry to what a developer runs. See README.md.
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test setup lint format db-start db-stop messages clean

run:        ## serve Tejido with demo data on http://$(HOST):$(PORT)/
	@bash scripts/run.sh

test:       ## the whole test suite against real PostGIS
	@bash scripts/test.sh $(PYTEST_ARGS)

setup:      ## install what is missing (apt packages, .venv, Python deps)
	@bash scripts/setup.sh

lint:       ## ruff lint and format check, migrations in step with models
	@bash scripts/setup.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

db-start:   ## start the private PostGIS cluster in var/pg
	@bash scripts/db.sh start >/dev/null

db-stop:
	@bash scripts/db.sh stop

# makemessages is pages/management/commands/makemessages.py: Django's, reading the Jinja2
# templates in jinja2/ too (Jinja2's extractor).
messages:   ## update the translation catalogs from the source (Python, Django and Jinja2 templates)
	@.venv/bin/python manage.py makemessages -l es -l pt -l fr -l en --ignore=.venv --ignore=var --ignore=bench --no-obsolete

clean:      ## remove the virtualenv and the private database
	@bash scripts/db.sh stop; rm -rf .venv var staticfiles

# --- Benchmark (bench/README.md) ---------------------------------------------------------------
BENCH_LISTINGS ?= 1000000
.PHONY: bench

bench:      ## generate $(BENCH_LISTINGS) listings if needed, then measure (bench/README.md)
	@bash scripts/setup.sh
	@started=""; \
	if [ -z "$$DATABASE_URL" ]; then \
	  if [ "$$(bash scripts/db.sh start)" = started ]; then started=1; fi; \
	fi; \
	trap 'if [ -n "$$started" ]; then bash scripts/db.sh stop; fi' EXIT; \
	DJANGO_ENV=bench .venv/bin/python bench/generate.py --listings $(BENCH_LISTINGS) \
	  && DJANGO_ENV=bench .venv/bin/python bench/run.py $(BENCH_ARGS) \
	  && DJANGO_ENV=bench .venv/bin/python bench/tiles.py \
	  && DJANGO_ENV=bench .venv/bin/python bench/gaps.py
