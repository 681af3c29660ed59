# The two commands of the Quick start: `make run` and `make test`. Both bootstrap .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint browser-assets bench lock messages clean

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

test: $(STAMP) browser-assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks (ruff's rules and settings are in pyproject.toml); .ci/run runs them before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .

# What the browser tests inject into pages, from the npm registry into the git-ignored build/ folder:
# axe-core checks accessibility (tests/browser/test_every_page.py). Without it the check is skipped, loudly,
# unless HOITHI_REQUIRE_BROWSER=1 (CI), which fails the tests instead.
AXE_VERSION := 4.14.1
AXE := build/browser-assets/node_modules/axe-core/axe.min.js
browser-assets:
	@if [ -f $(AXE) ] && grep -q '"version": "$(AXE_VERSION)"' build/browser-assets/node_modules/axe-core/package.json; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm install --silent --prefix build/browser-assets --no-save --no-package-lock --ignore-scripts axe-core@$(AXE_VERSION) \
	  || echo "!! could not install axe-core from the npm registry: the accessibility check will be skipped"; \
	else echo "!! npm not found: the accessibility check (axe-core) will be skipped"; fi

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
