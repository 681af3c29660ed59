# The two commands of the Quick start: `make run` and `make test`. Both bootstrap .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lock messages clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Hoithi needs Python 3.11 or newer"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hoithi db upgrade
	$(BIN)/hoithi demo
	$(BIN)/hoithi serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark of issue #6 (docs/performance.md): PROFILE=postgres (default) or PROFILE=embedded; BENCH_SCALE=0.1 shrinks it.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	BENCH_SCALE="$(BENCH_SCALE)" $(BIN)/python -m bench.run --profile $(or $(PROFILE),postgres)

# Regenerate the pinned lock file after changing pyproject.toml's dependencies.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet "uv==0.13.8"
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --no-header -o requirements.lock

# Re-extract UI strings into the catalogs (then translate the new Vietnamese entries).
messages: $(STAMP)
	$(BIN)/python -m contest.catalogs

clean:
	rm -rf $(VENV)
