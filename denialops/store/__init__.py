"""Storage: the :class:`Database` (URL, engine, migrations, transactions, dialect), the
schema, and the loader that writes parsed remittances."""

from denialops.store.database import Database, SQLDialect, write_transaction

__all__ = ["Database", "SQLDialect", "write_transaction"]
