"""The fact tables of :mod:`.fact_schema` as SQLAlchemy tables on ``schema.Base.metadata``.

Kept apart from the layout so that reading the facts (every report) does not import the
ORM models of the whole store; :data:`denialops.store.migrate.MODEL_MODULES` lists this
module so Alembic and the schema test see the tables (created by revision 0005).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Date, Index, Integer, SmallInteger, String, Table
from sqlalchemy.types import TypeEngine

from denialops.analytics.fact_schema import FACT_CUBE, FACT_META, FACT_TABLES, FactColumn, FactTable
from denialops.store.schema import Base


def _sa_type(column: FactColumn) -> TypeEngine[Any]:
    types: dict[str, TypeEngine[Any]] = {
        "id": BigInteger(),
        "int": Integer(),
        "text": String(column.length),
        "date": Date(),
        "flag": SmallInteger(),
        "cents": BigInteger(),
    }
    return types[column.kind]


def sqlalchemy_table(table: FactTable) -> Table:
    """The table on ``schema.Base.metadata`` (created by Alembic revision 0005)."""
    existing = Base.metadata.tables.get(table.name)
    if existing is not None:
        return existing
    columns: list[Column[Any]] = [
        Column(c.name, _sa_type(c), primary_key=c.name in table.key, autoincrement=False)
        for c in table.columns
    ]
    indexes = [Index(f"ix_{table.name}_{'_'.join(cols)}", *cols) for cols in table.indexes]
    return Table(table.name, Base.metadata, *columns, *indexes)


TABLES: dict[str, Table] = {
    t.name: sqlalchemy_table(t) for t in (*FACT_TABLES, FACT_CUBE, FACT_META)
}
