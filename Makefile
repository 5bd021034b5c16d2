# lienthong — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  := $(PY) deploy/local/stack.py
ZIPKIN_SPANS := http://127.0.0.1:$(or $(LIENTHONG_ZIPKIN_PORT),19411)/api/v2/spans
LOCAL  := $(abspath $(or $(LIENTHONG_LOCAL_DIR),.local))
# The Debian packages `system` installs: chromium too when the tests that drive it are asked for.
SYSTEM_FOR := $(if $(filter test test-e2e,$(MAKECMDGOALS)),test,demo)

.PHONY: install system up down demo test test-unit test-integration test-e2e lint format migrate asyncapi openapi bench bench-deliveries bench-relay bench-numbering bench-consumer-restart bench-consumer bench-objects

install: $(VENV)/.installed  ## the missing Debian packages (see system), then the Python dependencies into .venv

system:  ## apt-get install only what is missing: Java, Maven, PostgreSQL, python3-venv (and chromium for test, test-e2e)
	@deploy/local/system.sh install --for $(SYSTEM_FOR)

# Order-only: the packages are checked at every install (python3 -m venv needs python3-venv),
# without making the venv out of date.
$(VENV)/.installed: requirements.lock pyproject.toml | system
	@echo "install: Python dependencies into $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

up: install  ## Kafka, PostgreSQL and the object store on 127.0.0.1 (installed on first use; KAFKA_BROKERS=3: a cluster)
	$(if $(KAFKA_BROKERS),LIENTHONG_KAFKA_BROKERS=$(KAFKA_BROKERS) )deploy/local/up.sh

down:  ## stop the services, the stand-ins, Zipkin, Kafka, PostgreSQL and the object store
	@if [ -x $(PY) ]; then $(STACK) stop; fi
	deploy/local/standins.sh stop
	deploy/local/zipkin.sh stop
	deploy/local/down.sh

migrate: up  ## apply every service's migrations
	$(PY) -m services.migrate

demo: up  ## start everything (Zipkin and the stand-ins too), file sample dossiers, print their journeys and trace links
	deploy/local/zipkin.sh start
	deploy/local/standins.sh start
	LIENTHONG_ILLUSTRATIVE_DELEGATIONS=true LIENTHONG_LOG_EACH_MESSAGE=true OTEL_EXPORTER_ZIPKIN_ENDPOINT=$(ZIPKIN_SPANS) OTEL_BSP_SCHEDULE_DELAY=500 $(STACK) start --standins
	$(PY) deploy/local/demo.py

test: up  ## all three tiers on the real Kafka and PostgreSQL (the tests also start them if needed)
	$(PY) -m pytest tests/unit tests/integration tests/e2e

test-unit: install
	$(PY) -m pytest tests/unit

test-integration: install
	$(PY) -m pytest tests/integration

test-e2e: install
	$(PY) -m pytest tests/e2e

lint: install  ## ruff, mypy, the AsyncAPI, OpenAPI and Kubernetes documents against the code, helm lint and template
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m services.asyncapi --check
	$(PY) -m services.openapi --check
	$(PY) deploy/local/k8s_platform.py check
	deploy/local/helm.sh lint

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: up  ## lienthong end to end beside the bare pipeline (DOSSIERS=300 BARE_DOSSIERS=2000 RATES="10 25 50" DURATION=15 RUNS=3; INSTANCES="1 2 3": also at saturation with 1, 2, 3 instances of the bottleneck service, or "notification=2 all=2")
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/end_to_end.py --dossiers $(or $(DOSSIERS),300) \
	  --bare-dossiers $(or $(BARE_DOSSIERS),2000) --rates $(or $(RATES),10 25 50) --duration $(or $(DURATION),15) \
	  --runs $(or $(RUNS),3) $(if $(INSTANCES),--instances $(INSTANCES))

bench-deliveries: up  ## measure the delivery worker against the stand-ins (DOSSIERS=500 WORKERS=1 BATCH=20)
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/deliveries.py --dossiers $(or $(DOSSIERS),500) \
	  --workers $(or $(WORKERS),1) --batch $(or $(BATCH),20)

bench-relay: up  ## measure the outbox relay, one row at a time against batches, side by side (ROWS=5000 RUNS=3 BATCHES="1 200")
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/relay.py --rows $(or $(ROWS),5000) --runs $(or $(RUNS),3) \
	  --batches $(or $(BATCHES),1 200)

bench-numbering: up  ## receipts of one centre per second, numbered inside the receipt or before it, side by side (RECEIPTS=600 RUNS=3)
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/numbering.py --receipts $(or $(RECEIPTS),600) --runs $(or $(RUNS),3)

bench-consumer-restart: up  ## a consumer process killed with -9 and started again: to consuming, dynamic against static membership (RUNS=3)
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/consumer_restart.py --runs $(or $(RUNS),3)

bench-consumer: up  ## events handled per second by the kernel's consumers, offsets committed after each or in batches (MESSAGES=3000 RUNS=3 COMMIT_EVERY="1 100"; JSON=file)
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/consumer.py --messages $(or $(MESSAGES),3000) --runs $(or $(RUNS),3) \
	  --commit-every $(or $(COMMIT_EVERY),1 100) $(if $(JSON),--json $(JSON))

bench-objects: up  ## the object store's start-to-ready time and a 5 MB scan's upload/download MB/s (STARTS=5 RUNS=5)
	PYTHONPATH=deploy/local $(PY) deploy/local/bench/object_store.py --starts $(or $(STARTS),5) --runs $(or $(RUNS),5)

asyncapi: install  ## regenerate docs/asyncapi/*.yaml from the code
	$(PY) -m services.asyncapi

openapi: install  ## regenerate docs/openapi/*.json (intake, department, notification) from the code
	$(PY) -m services.openapi
