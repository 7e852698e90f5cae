# yc: the two commands are `make demo` and `make test`; both set up a fresh machine themselves.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV_RUN := uv run --frozen --all-packages

.PHONY: setup demo test test-fast lint bench

setup:
	@./scripts/bootstrap.sh

demo: setup
	$(UV_RUN) python -m demo.run

test:
	@./scripts/bootstrap.sh test
	$(UV_RUN) pytest -q

test-fast:
	@./scripts/bootstrap.sh test
	$(UV_RUN) pytest -q -m "not slow"

lint: setup
	$(UV_RUN) ruff check .
	$(UV_RUN) ruff format --check .

bench: setup
	$(UV_RUN) python -m bench.run_all
