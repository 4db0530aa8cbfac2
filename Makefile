# The two front-door commands (README): `make run` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast data lint bench bench-ingest bench-revision bench-import bench-serve report-screenshot screenshots clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/policy tasks --agency 市商务委

# The tests run on every core (pytest-xdist; worksteal evens out the few long ones). Bytecode is
# compiled first: the tests start many `python -m policycli` processes, and with
# PYTHONDONTWRITEBYTECODE set each would compile the package again.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist worksteal

test: lint
	$(BIN)/python -m compileall -q policycli
	$(PYTEST)

# The inner loop: everything but the tests marked slow (real processes, signals, concurrency, fuzzing).
test-fast: $(VENV)/.installed
	$(BIN)/python -m compileall -q policycli
	$(PYTEST) -m "not slow"

# Regenerate the bundled structured documents from the bundled texts (review the diff, then commit).
data: $(VENV)/.installed
	$(BIN)/policy ingest data/sources/* --out data/measures

# ruff's checks with the project's line length (110, CJK characters count two) and its formatter.
lint: $(VENV)/.installed
	$(BIN)/ruff check policycli tests bench
	$(BIN)/ruff format --check policycli tests bench

bench-ingest: $(VENV)/.installed
	$(BIN)/python bench/ingest_speed.py
	$(BIN)/python bench/ingest_pdf.py
	$(BIN)/python bench/ingest_worst.py

# Loading a revision of a 1,000-measure document: measures matched by content, progress moved (< 2 s).
bench-revision: $(VENV)/.installed
	$(BIN)/python bench/load_revision.py

# Importing a returned Excel ledger of 10,000 rows (issue 15): target ≤ 3 s.
bench-import: $(VENV)/.installed
	$(BIN)/python bench/import_ledger.py

# Every command at 10k, 100k and 1M measures (databases built once into bench/.work) against a floor
# script in bench/ doing the same work: paired runs (policy, floor, policy, floor …) after a warm-up
# whose outputs must match, medians with min–max, more pairs while a verdict is in doubt; the load
# average and a warm bytecode cache recorded; Taskwarrior if installed (apt-get install taskwarrior).
# Writes docs/benchmarks.md, which says which targets of issue 17 are met. About 30–40 minutes on
# 2 cores. To iterate: $(BIN)/python bench/run.py --sizes 10000,100000 --only 'stats|remind' (--list
# shows the rows; a partial run writes bench/.work/benchmarks-partial.md).
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

# policy serve under 50 signed-in users marking for 60 s (issue 16): lost updates, errors, p95, memory.
bench-serve: $(VENV)/.installed
	$(BIN)/python bench/serve_load.py

# The report as a person sees it, rendered by headless Chromium (Debian: chromium, fonts-noto-cjk):
# docs/report.png, from the bundled documents with a few parts marked.
report-screenshot: $(VENV)/.installed
	@d=$$(mktemp -d) && export POLICY_DB=$$d/p.db POLICY_TODAY=2022-03-01 && \
	$(BIN)/policy done hfg-2020-24/2.1.1.2 --agency 市商务委 --note 已报送 && \
	$(BIN)/policy start hfg-2020-24/2.1.3.7 --agency 市商务委 && \
	$(BIN)/policy block hfg-2020-24/2.2.5.20 --agency 市人力资源社会保障局 --note 待国家部委批复 && \
	$(BIN)/policy report --doc hfg-2020-24 --since 2022-01-01 -o $$d/report.html && \
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
	  --disable-component-update --disable-sync --user-data-dir=$$d/profile --hide-scrollbars \
	  --window-size=820,1800 --screenshot=docs/report.png file://$$d/report.html 2>/dev/null && \
	echo "wrote docs/report.png"

# The browser tests' screenshots of 我的任务 and the coordinator's overview, kept in docs/ for the README.
screenshots: $(VENV)/.installed
	POLICY_SCREENSHOTS=$(CURDIR)/docs $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_browser.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
