# Each target installs the locked environment first (idempotent), so a fresh clone needs nothing else.
SHELL := /bin/bash
export KEDRO_DISABLE_TELEMETRY := true
PYTHON ?= python3
UV := $(PYTHON) -m uv
DEMO_ROOT := data/01_raw

.PHONY: env demo test benchmark-ingestion viz clean-intermediate

# uv itself comes from the package registry; the environment is exactly uv.lock (torch 2.14, torchvision 0.29).
.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen
	@touch $@

env: .venv/.synced

## Main job on the embedded default data: write the sample release, then run every pipeline (demo settings).
demo: env
	$(UV) run --frozen python -m gans_fingerprints.sample_release $(DEMO_ROOT) --image-size 64 --per-folder 8
	$(UV) run --frozen kedro run --env demo

## The test suite.
test: env
	$(UV) run --frozen pytest

benchmark-ingestion: env
	$(UV) run --frozen python benchmarks/ingestion_memory.py

viz: env
	$(UV) run --frozen kedro viz run --no-browser
