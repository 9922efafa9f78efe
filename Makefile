# Trace Atlas -- `make help` lists every entry point with its variables and defaults.
# Every target sets up what it needs first (a virtualenv in .venv from the pinned requirements).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt

DEFAULT_TRACE := data/default/trace.jsonl
DEFAULT_STEPS := 50000
LINT_TRACE := target/test-data/lint_trace.jsonl
# The runner is one command, `trace-atlas` (python -m trace_atlas); each of its options also
# reads the environment variable of the same name (TRACE, DB, CLAUDE_LOGS, CODEX_LOGS, OUT,
# ON_BAD_LINES, ENGINE, NO_PLOTS, FULL_REFRESH, KEEP_HISTORY, NORMALIZED, INCLUDE_CONTENT, PORT,
# PRICES): make passes its variables through the environment, never through the shell's quoting,
# so a trace called "it's mine.jsonl" works. Unset variables take the command's defaults.
TRACE_ATLAS := $(PY) -m trace_atlas
INPUT_VARIABLES := TRACE DB CLAUDE_LOGS CODEX_LOGS OUT ON_BAD_LINES ENGINE NO_PLOTS FULL_REFRESH \
	KEEP_HISTORY NORMALIZED INCLUDE_CONTENT PORT PRICES
export $(INPUT_VARIABLES)
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
# The local Spark JVM binds to the loopback interface (no hostname lookup, no network).
export SPARK_LOCAL_IP ?= 127.0.0.1
# No input given: the generated demo trace.
NO_INPUT := $(if $(TRACE)$(DB)$(CLAUDE_LOGS)$(CODEX_LOGS),,yes)
SPARK_ENGINE := $(if $(filter spark,$(ENGINE)),venv-spark)$(if $(filter spark-cluster,$(ENGINE)),venv-spark-cluster)

.DEFAULT_GOAL := help
.PHONY: help run test venv venv-spark lint pytest test-spark docs bench clean mine normalize mutate

help:  ## this list
	@echo "Trace Atlas: the prompt-cache experiments of coding-agent traces, in dbt."
	@echo ""
	@echo "  make run     build the experiments and write their outputs (tables, figures, page)"
	@echo "                 TRACE=                   a normalized trace: a path, a glob, or a,b,c"
	@echo "                                          (.jsonl, .jsonl.gz); none: a generated demo"
	@echo "                                          trace of $(DEFAULT_STEPS) steps ($(DEFAULT_TRACE))"
	@echo "                 DB=                      a prebuilt trace database instead (DuckDB only)"
	@echo "                 CLAUDE_LOGS= CODEX_LOGS= raw agent logs instead: a Claude Code projects"
	@echo "                                          folder, a Codex sessions folder (or both)"
	@echo "                 OUT=output/cache_hit_ratio   the output folder (replaced as a whole)"
	@echo "                 ON_BAD_LINES=strict      strict: stop at the first bad line; quarantine"
	@echo "                 NO_PLOTS=0               1: tables only, no figures"
	@echo "                 ENGINE=duckdb            duckdb (embedded), spark (local, Java 17) or"
	@echo "                                          spark-cluster (after make spark-cluster-up)"
	@echo "                 FULL_REFRESH=0           1: read every file again (DuckDB reads only new"
	@echo "                                          and changed files by default)"
	@echo "                 KEEP_HISTORY=0           1: keep the steps of files deleted since read"
	@echo "                 PRICES=                  your own price table (a CSV with the columns of"
	@echo "                                          seeds/model_prices.csv); none: that seed"
	@echo "  make mine    the experiments on your own Claude Code / Codex logs (default places)"
	@echo "                 OUT=output/mine          KEEP_HISTORY=1: the steps of logs the agents"
	@echo "                                          delete are kept, in ~/.local/share/trace-atlas/"
	@echo "  make normalize CLAUDE_LOGS=... CODEX_LOGS=... NORMALIZED=steps.jsonl.gz"
	@echo "               raw logs -> normalized JSONL (make run TRACE=steps.jsonl.gz reads it)"
	@echo "                 INCLUDE_CONTENT=0        1: also write each tool call's raw input"
	@echo "  make test    every test: pytest (both engines), dbt data and unit tests, sqlfluff, ruff"
	@echo "  make mutate  mutation testing, not in make test (docs/mutation.md): SQL, macros, seeds"
	@echo "               (MUTATE_ARGS=$(MUTATE_ARGS)), then trace_atlas/ (MUTATE_PY_ARGS=$(MUTATE_PY_ARGS))"
	@echo "  make docs    dbt docs generate (lineage from the trace to the figures) into target/"
	@echo "  make bench   the benchmark against a bare DuckDB scan (writes ~7 GB under bench/)"
	@echo "                 BENCH_ARGS=--quick       a 20,000-step smoke run instead"
	@echo "  make page    re-render OUT's atlas page (index.html) from OUT's own files, no rebuild"
	@echo "  make serve   serve OUT's page and the dbt docs on http://127.0.0.1:PORT/ (PORT=8765)"
	@echo "  make clean   remove target/, logs/ and output/ (not data/, bench/ or .venv/)"
	@echo "  make spark-cluster-up / -status / -down   a local Spark cluster (master, 2 workers,"
	@echo "               Thrift server on 127.0.0.1) for ENGINE=spark-cluster"
	@echo ""
	@echo "The same as a command: .venv/bin/trace-atlas --help (run, mine, normalize, write, page,"
	@echo "serve, sidecar, spark-cluster). Set-up only: make venv (DuckDB), make venv-spark (Spark)."
	@echo "dbt's full log of the last run: logs/dbt.log. More: README.md, docs/."

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@echo "setting up $(VENV) from requirements.txt (the first time takes about a minute)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@
	@echo "$(VENV) ready"

# The Spark engine on top of the same environment (dbt-spark, pyspark).
venv-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: requirements-spark.txt $(VENV)/.installed
	@echo "adding the Spark engine to $(VENV) (requirements-spark.txt)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	@touch $@

$(DEFAULT_TRACE): | venv
	@echo "generating the default trace ($(DEFAULT_STEPS) steps) into $@"
	@$(PY) tools/generate_trace.py --steps $(DEFAULT_STEPS) -o $@

# The default trace is generated once (never committed); any other input is used as given.
run: venv $(SPARK_ENGINE) $(if $(NO_INPUT),$(DEFAULT_TRACE))
	@$(TRACE_ATLAS) run

# Your own logs, where Claude Code and Codex keep them; says where it looked when there are none.
mine: venv $(SPARK_ENGINE)
	@$(TRACE_ATLAS) mine

# Raw logs -> normalized JSONL (no experiment outputs).
normalize: venv $(SPARK_ENGINE)
	@$(TRACE_ATLAS) normalize

$(LINT_TRACE): | venv
	@$(PY) tools/generate_trace.py --steps 2000 --edge-cases -o $@

# sqlfluff renders every model with dbt against a small database that holds the seeds, so that
# the column lists that follow a seed are linted as they run.
lint: venv $(LINT_TRACE)
	@echo "ruff (Python) and sqlfluff (SQL of models, macros, tests and analyses)"
	@$(call timed,lint,$(VENV)/bin/ruff check trace_atlas tools tests \
	  && $(VENV)/bin/ruff format --check trace_atlas tools tests \
	  && TRACE_ATLAS_TRACE='$(abspath $(LINT_TRACE))' TRACE_ATLAS_DB=target/lint.duckdb $(DBT) seed --quiet --target-path target/lint-target \
	  && TRACE_ATLAS_TRACE='$(abspath $(LINT_TRACE))' TRACE_ATLAS_DB=target/lint.duckdb $(VENV)/bin/sqlfluff lint models macros tests/prefix_cache tests/trace_quality analyses)

# $(call timed,NAME,COMMAND): run COMMAND, then print how long the suite took (kept in
# target/test-times.txt), and keep COMMAND's exit status.
timed = start=$$(date +%s); $(2); status=$$?; mkdir -p target; \
	echo "suite $(1): $$(( $$(date +%s) - start )) s (exit $$status)" | tee -a target/test-times.txt; \
	exit $$status

pytest: venv
	@$(call timed,pytest (DuckDB),$(PY) -m pytest -n 2 --dist loadfile --durations=15 --ignore=tests/spark --ignore=tests/spark_cluster --ignore=tests/agent_logs/spark)

# The Spark suite: dbt build on Spark (every data test and unit test) with outputs byte-identical
# to the reference's; it fails when the engine cannot run.
test-spark: venv-spark
	@$(call timed,Spark session,$(PY) -m pytest --durations=5 tests/spark tests/agent_logs/spark)

test: venv pytest lint test-spark

# Mutation testing (docs/mutation.md): reports in target/mutate/.
MUTATE_ARGS ?= --sample 40 --jobs 2
MUTATE_PY_ARGS ?= --digits 05
mutate: venv $(VENV)/.installed-mutate
	$(PY) tools/mutate_sql.py $(MUTATE_ARGS)
	$(PY) tools/mutate_python.py $(MUTATE_PY_ARGS)

$(VENV)/.installed-mutate: requirements-mutate.txt $(VENV)/.installed
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-mutate.txt
	@touch $@

docs: venv $(if $(NO_INPUT),$(DEFAULT_TRACE))
	TRACE_ATLAS_TRACE="$${TRACE:-$(DEFAULT_TRACE)}" $(DBT) docs generate

# Benchmark against a bare DuckDB scan; traces cached in bench/data (gitignored).
bench: venv
	$(PY) tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf target logs output

# The local Spark cluster targets (spark-cluster-up/-down/-status, test-spark-cluster).
include mk/spark-cluster.mk
# The atlas page: make page, make serve, make browser, make test-page.
include mk/page.mk
