# The project on a local Apache Spark cluster (docs/spark_cluster.md), included by the
# Makefile. A standalone master, two workers and the Spark Thrift server on 127.0.0.1, started
# with the pyspark wheel's sbin/spark-daemon.sh by trace-atlas spark-cluster; dbt reaches it
# through the `spark_cluster` target of profiles.yml (dbt-spark `method: thrift`).
#   make spark-cluster-up | spark-cluster-status | spark-cluster-down
#   make run ENGINE=spark-cluster [TRACE=...] [OUT=...]   (the runner: checks, lock, executors)
#   make test-spark-cluster      (part of make test: brings its own cluster up and down)

SPARK_CLUSTER_DIR ?= $(or $(TRACE_ATLAS_SPARK_CLUSTER_DIR),target/spark-cluster)
# `down` and `status` need no package: they work without the virtualenv too.
SPARK_CLUSTER_PY = $(if $(wildcard $(PY)),$(PY),$(PYTHON))
SPARK_CLUSTER = $(SPARK_CLUSTER_PY) -m trace_atlas spark-cluster

.PHONY: venv-spark-cluster spark-cluster-up spark-cluster-down spark-cluster-status \
	test-spark-cluster

# The Spark engine plus the Thrift client of dbt-spark (PyHive, thrift, thrift-sasl, pure-sasl).
venv-spark-cluster: $(VENV)/.installed-spark-cluster

$(VENV)/.installed-spark-cluster: requirements-spark-cluster.txt $(VENV)/.installed-spark
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark-cluster.txt
	@touch $@

spark-cluster-up: venv-spark-cluster
	$(SPARK_CLUSTER) up --dir '$(SPARK_CLUSTER_DIR)'

spark-cluster-down:
	$(SPARK_CLUSTER) down --dir '$(SPARK_CLUSTER_DIR)'

spark-cluster-status:
	$(SPARK_CLUSTER) status --dir '$(SPARK_CLUSTER_DIR)'

# The cluster suite: a private cluster on free ports, always brought down; outputs compared byte
# for byte with the DuckDB engine's. Appended to `make test` (after the Spark session suite).
test-spark-cluster: venv-spark-cluster
	@$(call timed,Spark cluster,$(PY) -m pytest --durations=5 tests/spark_cluster)

test: test-spark-cluster
