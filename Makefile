# Each target installs the locked environment first (idempotent), so a fresh clone needs nothing else.
SHELL := /bin/bash
export KEDRO_DISABLE_TELEMETRY := true
PYTHON ?= python3
UV := $(PYTHON) -m uv

.PHONY: env demo test ui benchmark-ingestion benchmark-build benchmark-weights viz

# uv itself comes from the package registry; the environment is exactly uv.lock (torch 2.14, torchvision 0.29).
.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen
	@touch $@

env: .venv/.synced

## Main job on the embedded default data: build the demo benchmark (skipped when built), then run every pipeline.
demo: env
	$(UV) run --frozen kedro run --env demo --pipelines benchmark
	$(UV) run --frozen kedro run --env demo

## Lint (ruff, configured in pyproject.toml), then the test suite.
test: env
	$(UV) run --frozen ruff check .
	$(UV) run --frozen pytest

## The MLflow UI on this project's runs (tracking.yml's local store): http://127.0.0.1:$(PORT)
PORT ?= 5000
ui: env
	$(UV) run --frozen mlflow ui --backend-store-uri sqlite:///data/09_tracking/mlflow.db --host 127.0.0.1 --port $(PORT)

benchmark-ingestion: env
	$(UV) run --frozen python benchmarks/ingestion_memory.py

benchmark-build: env
	$(UV) run --frozen python benchmarks/benchmark_build.py

## Train a benchmark profile's generators once (any hardware: the demo's took an hour on 2 CPU cores) and write their
## weights and provenance under data/06_models/benchmark_weights/$(PROFILE), where the build samples from them.
## REUSE="<profile> ...": generators those profiles' weights already hold (equal settings) are pointed at, not retrained.
PROFILE ?= demo
DEVICE ?= auto
ENV ?= local
JOBS ?= 1
benchmark-weights: env
	$(UV) run --frozen python -m gans_fingerprints.benchmark.weights --profile $(PROFILE) --env $(ENV) --device $(DEVICE) --jobs $(JOBS) \
		--out data/06_models/benchmark_weights/$(PROFILE) --measure $(if $(REUSE),--reuse $(addprefix data/06_models/benchmark_weights/,$(REUSE)))

viz: env
	$(UV) run --frozen kedro viz run --no-browser
