# Trace Atlas - the two entry points (see README.md):
#   make run   [TRACE=<path|glob|a,b>] [OUT=<dir>] [NO_PLOTS=1] [ON_BAD_LINES=quarantine] [DB=<file.duckdb>]
#              [ENGINE=duckdb|spark]
#   make test  (both engines: the DuckDB suite and lint, then the Spark suite)
# Both create/update the local virtualenv from requirements.txt first (and requirements-spark.txt
# for the Spark engine: Apache Spark in-process through dbt-spark; needs Java 17+).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt

DEFAULT_TRACE := data/default/trace.jsonl
DEFAULT_STEPS := 50000
TRACE ?= $(DEFAULT_TRACE)
OUT ?= output/cache_hit_ratio
ON_BAD_LINES ?= strict
DB ?=
ENGINE ?= duckdb
TEST_TRACE := target/test-data/lint_trace.jsonl

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
# The local Spark JVM binds to the loopback interface (no hostname lookup, no network).
export SPARK_LOCAL_IP ?= 127.0.0.1

.PHONY: run test venv venv-spark lint pytest test-spark docs bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# The Spark engine on top of the same environment (dbt-spark, pyspark).
venv-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: requirements-spark.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	@touch $@

$(DEFAULT_TRACE): | venv
	$(PY) scripts/generate_trace.py --steps $(DEFAULT_STEPS) -o $@

# The default trace is generated once (never committed); any other TRACE is used as given.
run: venv $(if $(filter spark,$(ENGINE)),venv-spark) $(if $(DB),,$(if $(filter $(DEFAULT_TRACE),$(TRACE)),$(DEFAULT_TRACE)))
	$(PY) scripts/run_pipeline.py --engine '$(ENGINE)' --trace '$(TRACE)' --out '$(OUT)' \
		--on-bad-lines '$(ON_BAD_LINES)' $(if $(DB),--db-input '$(DB)') $(if $(NO_PLOTS),--no-plots)

$(TEST_TRACE): | venv
	$(PY) scripts/generate_trace.py --steps 2000 --edge-cases -o $@

lint: venv $(TEST_TRACE)
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	TRACE_ATLAS_TRACE='$(TEST_TRACE)' TRACE_ATLAS_DB=target/lint.duckdb $(VENV)/bin/sqlfluff lint models macros tests/prefix_cache analyses

pytest: venv
	$(PY) -m pytest --ignore=tests/spark

# The Spark suite: the spark__ macros against Python, then dbt build on Spark (every data test
# and unit test) with outputs byte-identical to the DuckDB engine's.
test-spark: venv-spark
	$(PY) -m pytest tests/spark

test: venv pytest lint test-spark

docs: venv $(if $(filter $(DEFAULT_TRACE),$(TRACE)),$(DEFAULT_TRACE))
	TRACE_ATLAS_TRACE='$(TRACE)' $(DBT) docs generate

# Benchmark against a bare DuckDB scan; traces cached in bench/data (gitignored).
# BENCH_ARGS=--quick for a smoke run; see scripts/bench.py --help.
BENCH_ARGS ?=
bench: venv
	$(PY) scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf target logs output

# The atlas page: make page, make serve, make browser, make test-page.
include mk/page.mk
