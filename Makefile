# The two commands: `make run` (demo on SQLite, no services) and `make test`
# (the whole suite on PostgreSQL + Redis). See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_SETTINGS := portal.settings.test
# `make run PORT=8080`: the demo's port; e-mailed links follow it unless SITE_URL is set.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)
# Synthetic participants `make run` makes sure exist, so the staff dashboards show figures.
DEMO_PARTICIPANTS ?= 3000

help:
	@echo "make run    - set up and serve the demo portal on http://127.0.0.1:8000 (SQLite; PORT=… to change)"
	@echo "make test   - set up and run the whole suite on PostgreSQL and Redis"
	@echo "make bench  - run the benchmarks and write bench/results.json"
	@echo "make cluster-rehearsal - the portal on 2 web + 2 worker hosts (network namespaces)"
	@echo "make lock   - recompile requirements.lock from requirements.in"

$(STAMP): requirements.lock
	@PYBIN="$$(.ci/find-python)" || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV); fi
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import django, celery, allauth, weasyprint, pysam" 
	touch $(STAMP)

venv: $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: venv
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

run: venv messages
	@.ci/system-libs.sh || echo "(report PDFs will use WeasyPrint's slower fontTools subsetting)"
	mkdir -p var/mail
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py migrate --noinput -v 0
	SITE_URL=$(SITE_URL) DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py seed_demo --participants $(DEMO_PARTICIPANTS)
	@echo ""
	@echo "  Portal:  http://127.0.0.1:$(PORT)/   (Spanish: http://127.0.0.1:$(PORT)/es/)"
	@echo "  E-mails are written to var/mail/ (one file per message)."
	@echo ""
	SITE_URL=$(SITE_URL) DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: venv node_modules/.installed messages
	@.ci/browser.sh
	@.ci/system-libs.sh
	@.ci/services.sh
	@.ci/cluster.sh
	$(MAKE) --no-print-directory lint
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run -v 1
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/bandit -q -r portal participants results staff -lll -x '*/tests/*'
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	@.ci/system-libs.sh
	@.ci/services.sh
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) bench/run.py

lock: venv
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --allow-unsafe -o requirements.lock requirements.in

.PHONY: help venv messages run lint test bench lock backup restore load cluster-rehearsal

backup: venv
	$(PY) manage.py backup_database $(if $(OUTPUT),--output $(OUTPUT),)

restore: venv
	@test -n "$(BACKUP)" -a -n "$(INTO)" || { echo "usage: make restore BACKUP=var/backups/portal-….dump INTO=new_database_name"; exit 2; }
	$(PY) manage.py restore_database $(BACKUP) --into $(INTO)

load: venv
	@.ci/services.sh
	$(PY) bench/load/run_load.py

# Root only (network namespaces). Figures -> bench/results.json; see docs/deploy.md.
cluster-rehearsal: venv messages
	@.ci/system-libs.sh
	@.ci/cluster.sh
	$(PY) bench/cluster/rehearsal.py
