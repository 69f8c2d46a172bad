"""The one place a SparkSession is made (the CLI, tests and benchmarks all come here).

``master`` is any Spark master URL: ``local[2]`` (two threads on this machine, what the
tests use), ``local[*]``, ``spark://host:7077``, ``yarn`` ... On a cluster started with
``spark-submit`` the session already exists and ``getOrCreate`` returns it (the master
given here is then ignored, as Spark ignores it).

The settings keep a small job small: no web UI, few shuffle partitions (raise
``spark.sql.shuffle.partitions`` for a real cluster with ``--conf`` or
``$DENIALOPS_SPARK_CONF``), and the executors run the same Python as the driver.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from denialops.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CONF_ENV = "DENIALOPS_SPARK_CONF"
"""Extra settings, ``key=value`` separated by spaces (e.g. ``spark.driver.memory=4g``)."""

DEFAULTS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    # Local mode runs the executors inside the driver's JVM, and a file travels through it
    # whole (Spark's binaryFile reader) before it is cut at ST..SE: 1g ran out of heap on
    # a 142 MB file of a 1,000,000-claim archive. A maximum, not a reservation.
    "spark.driver.memory": "4g",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "static",
    "spark.python.worker.reuse": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "false",
}


def _extra_conf() -> dict[str, str]:
    conf: dict[str, str] = {}
    for item in os.environ.get(CONF_ENV, "").split():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"${CONF_ENV}: {item!r} is not key=value")
        conf[key] = value
    return conf


def spark_session(master: str = "local[2]", app_name: str = "denialops") -> SparkSession:
    """A SparkSession for ``master`` (reused when one is already running)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InputError(
            "PySpark is not installed: pip install 'denialops[spark]' (and Java 17+)"
        ) from exc
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**DEFAULTS, **_extra_conf()}.items():
        builder = builder.config(key, value)
    session: SparkSession = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
