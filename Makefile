# Career Copilot: `make run` starts the whole product, `make test` runs the suite.
# With no environment set both use the embedded default (SQLite, local-memory cache,
# filesystem broker); DATABASE_URL / REDIS_URL switch them to PostgreSQL and Redis.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WEB_WORKERS ?= 2

.PHONY: run test install install-test check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py setup_periodic_tasks
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py recompute_metrics --platform
	$(BIN)/python manage.py collectstatic --noinput -v0
	@trap 'kill 0' INT TERM; \
	$(BIN)/celery -A careercopilot worker --loglevel=INFO --concurrency=2 & \
	$(BIN)/celery -A careercopilot beat --loglevel=INFO & \
	GUNICORN_BIND=$(HOST):$(PORT) GUNICORN_WORKERS=$(WEB_WORKERS) $(BIN)/gunicorn careercopilot.wsgi -c gunicorn.conf.py & \
	sleep 2; \
	echo ""; \
	echo "  Career Copilot is running at http://$(HOST):$(PORT)/"; \
	echo "  Demo login: demo / demo-password-123   (Ctrl-C stops web, worker and beat)"; \
	echo ""; \
	wait

test: install-test
	$(BIN)/lint-imports --no-cache
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

check-deploy: install
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-ci-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')} \
	ALLOWED_HOSTS=careercopilot.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles
