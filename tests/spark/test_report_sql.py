"""The Spark spellings of the portable report SQL (no Spark needed)."""

from __future__ import annotations

from denialops.spark.report import spark_sql


def test_varchar_casts_and_quoted_names_are_spelled_for_spark() -> None:
    sql = (
        'SELECT CAST(payer_id AS VARCHAR) AS payer, SUM(x) AS "aging_0-30", '
        "'a \"quoted\" AS VARCHAR) literal' AS kept FROM t WHERE CAST(m AS  varchar ) = :w_f0"
    )
    assert spark_sql(sql) == (
        "SELECT CAST(payer_id AS STRING) AS payer, SUM(x) AS `aging_0-30`, "
        "'a \"quoted\" AS VARCHAR) literal' AS kept FROM t WHERE CAST(m AS STRING) = :w_f0"
    )


def test_materialized_ctes_lose_the_hint_spark_does_not_parse() -> None:
    sql = "WITH cases AS (SELECT 1), aged AS MATERIALIZED (SELECT * FROM cases) SELECT 1"
    assert spark_sql(sql) == "WITH cases AS (SELECT 1), aged AS (SELECT * FROM cases) SELECT 1"
