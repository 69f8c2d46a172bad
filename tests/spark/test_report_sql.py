"""The Spark spellings of the portable report SQL (no Spark needed)."""

from __future__ import annotations

import pyarrow as pa

from denialops.analytics.fact_schema import FACT_TABLES, arrow_schema
from denialops.spark.report import spark_sql, table_ddl


def test_varchar_casts_and_quoted_names_are_spelled_for_spark() -> None:
    sql = (
        'SELECT CAST(payer_id AS VARCHAR) AS payer, SUM(x) AS "aging_0-30", '
        "'a \"quoted\" AS VARCHAR) literal' AS kept FROM t WHERE CAST(m AS  varchar ) = :w_f0"
    )
    assert spark_sql(sql) == (
        "SELECT CAST(payer_id AS STRING) AS payer, SUM(x) AS `aging_0-30`, "
        "'a \"quoted\" AS VARCHAR) literal' AS kept FROM t WHERE CAST(m AS STRING) = :w_f0"
    )


def test_spark_schema_is_the_parquet_schema() -> None:
    """Spark reads every column with the type the Parquet writers use."""
    spark_names = {
        pa.int64(): "BIGINT",
        pa.int32(): "INT",
        pa.string(): "STRING",
        pa.date32(): "DATE",
        pa.int8(): "TINYINT",
    }
    for table in FACT_TABLES:
        expected = ", ".join(f"`{f.name}` {spark_names[f.type]}" for f in arrow_schema(table))
        assert table_ddl(table) == expected
