"""One SparkSession (``local[2]``) for the whole test session; Spark tests skip, with the
reason, only when PySpark cannot be imported (the CI set-up installs it: scripts/setup.sh
installs the ``spark`` extra and scripts/ensure_java.sh a Java runtime)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

TEST_CONF = (
    "spark.sql.shuffle.partitions=2 spark.default.parallelism=2 spark.driver.memory=512m "
    "spark.sql.adaptive.coalescePartitions.enabled=true"
)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:  # pragma: no cover - CI installs it
        pytest.skip(f"pyspark is not importable ({exc}): pip install 'denialops[spark]'")
    if shutil.which("java") is None:  # pragma: no cover - CI installs it
        pytest.skip("no java on PATH: bash scripts/ensure_java.sh")
    from denialops.spark.session import CONF_ENV, spark_session

    previous = os.environ.get(CONF_ENV)
    os.environ[CONF_ENV] = TEST_CONF
    try:
        session = spark_session("local[2]", "denialops-tests")
    finally:
        if previous is None:
            os.environ.pop(CONF_ENV, None)
        else:
            os.environ[CONF_ENV] = previous
    yield session
    session.stop()
