"""The one way to a denialops database: :class:`Database`.

A :class:`Database` owns everything about where the data lives and how it is reached:

- the URL (``--db``, else ``$DENIALOPS_DATABASE_URL``, else ``sqlite:///denialops.db``; a
  bare path means a SQLite file),
- the SQLAlchemy engine and its connections (SQLite in WAL mode with foreign keys on),
- the schema (:meth:`Database.migrate` brings it to the newest Alembic revision),
- the one write-transaction primitive, :meth:`Database.write`::

      with db.write() as conn:          # BEGIN IMMEDIATE on SQLite, BEGIN on PostgreSQL
          conn.execute(...)
          with conn.begin_nested():     # a savepoint: undo one part, keep the rest
              ...

  (:func:`write_transaction` is the same primitive for code handed a bare Connection),
- and the dialect adapter, :class:`SQLDialect`: placeholders, money, dates and id
  reservation for code that talks to the driver directly.

Money is exact in the database: integer cents on SQLite, ``NUMERIC(18, 2)`` on
PostgreSQL (see :class:`denialops.store.schema.MoneyType`). SQL over money columns goes
through :meth:`SQLDialect.money_sql` / :meth:`SQLDialect.money_value` (docs/architecture.md).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from denialops.errors import (
    DatabaseNotFoundError,
    DatabaseUnavailable,
    DatabaseURLError,
    ForeignDatabaseError,
)

DEFAULT_URL = "sqlite:///denialops.db"
ENV_VAR = "DENIALOPS_DATABASE_URL"
SUPPORTED = ("sqlite", "postgresql")
BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another one to finish before giving up."""
MAX_ID = 2**31 - 1
"""The largest primary key (INTEGER on PostgreSQL); a larger id names no row."""

_WRITE_REQUESTED = "denialops_write_requested"
_WRITING = "denialops_writing"


# --------------------------------------------------------------------------- URL


def resolve_url(url: str | os.PathLike[str] | None = None) -> str:
    """The database URL in force: explicit, else the environment, else the default.

    A value without ``://`` is a path to a SQLite file. ``postgresql://`` and
    ``postgres://`` URLs get the psycopg 3 driver we ship.
    """
    chosen = os.fspath(url) if url else (os.environ.get(ENV_VAR) or DEFAULT_URL)
    if "://" not in chosen:
        if not chosen.strip():
            raise DatabaseURLError("--db is empty: give a SQLite path or a database URL")
        chosen = "sqlite:///" + chosen
    scheme, rest = chosen.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        chosen = "postgresql+psycopg://" + rest
    try:
        parsed = make_url(chosen)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseURLError(f"--db {_shown(chosen)} is not a database URL ({exc})") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise DatabaseURLError(
            f"--db {_shown(chosen)}: unsupported database {parsed.get_backend_name()!r} "
            "(use a SQLite path or sqlite:///FILE, or postgresql://...)"
        )
    return chosen


def _shown(url: str) -> str:
    """The URL for messages, password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return repr(url.split("@")[-1]) if "@" in url else repr(url)


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)


def _asks_read_only(url: URL) -> bool:
    """A SQLite URL opened read-only on purpose (``file:...?mode=ro`` with ``uri=true``)."""
    return url.get_backend_name() == "sqlite" and url.query.get("mode") == "ro"


def _first_line(exc: BaseException) -> str:
    """The driver's own message, first line only (no SQL, no parameters)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


# --------------------------------------------------------------------------- dialect


def _cents(value: Decimal) -> int:
    return int(value.scaleb(2).to_integral_value(ROUND_HALF_UP))


def _cents_or_none(value: Decimal | None) -> int | None:
    return None if value is None else _cents(value)


def _sqlite_money_value(value: Any) -> Decimal | None:
    """A SQLite money result as Decimal: integers are cents, text is a decimal."""
    if value is None:
        return None
    if isinstance(value, int):
        return Decimal(value).scaleb(-2)
    if isinstance(value, float):  # e.g. AVG over cents
        return (Decimal(repr(value)).scaleb(-2)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _pg_money_value(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _float_or_none(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _iso_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class SQLDialect:
    """How Python values reach this dialect's driver, and how SQL is spelled for it.

    For code that talks to the DBAPI driver directly (bulk loads, set-based updates);
    SQLAlchemy Core statements on the schema's tables need none of this, the column
    types do it. The value converters are plain attributes so a loader can bind them to
    locals in its inner loop.

    ``money`` / ``amount``
        Decimal -> driver value for a money column (integer cents on SQLite, Decimal on
        PostgreSQL); ``amount`` skips the None test for values that are never None.
    ``money_value``
        driver result -> Decimal, for a money column or any SUM/MIN/MAX/COALESCE over one
        (SQLite integers are cents; text from :meth:`money_sql` is a decimal).
    ``quantity``
        Decimal -> driver value for a quantity (units) column.
    ``day`` / ``stamp``
        date / aware datetime -> driver value (ISO text and naive UTC text on SQLite).
    """

    name: str
    placeholder: str
    money: Callable[[Decimal | None], Any]
    amount: Callable[[Decimal], Any]
    money_value: Callable[[Any], Decimal | None]
    quantity: Callable[[Decimal | None], Any]
    day: Callable[[date | None], Any]
    stamp: Callable[[datetime], Any]

    @classmethod
    def for_dialect(cls, name: str, paramstyle: str = "") -> SQLDialect:
        if name == "sqlite":
            return cls(
                name=name,
                placeholder="?" if paramstyle in ("", "qmark") else "%s",
                money=_cents_or_none,
                amount=_cents,
                money_value=_sqlite_money_value,
                quantity=_float_or_none,
                day=_iso_or_none,
                stamp=_sqlite_stamp,
            )
        return cls(
            name=name,
            placeholder="?" if paramstyle == "qmark" else "%s",
            money=_same,
            amount=_same,
            money_value=_pg_money_value,
            quantity=_same,
            day=_same,
            stamp=_same,
        )

    @classmethod
    def of(cls, conn: Connection | Engine) -> SQLDialect:
        """The adapter for a connection's (or engine's) dialect."""
        return _dialect_cache(conn.dialect.name, conn.dialect.paramstyle)

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    def sql(self, statement: str) -> str:
        """A statement written with ``?`` placeholders, in this driver's paramstyle."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def marks(self, count: int) -> str:
        """``?, ?, ?`` (in this driver's paramstyle) for an ``IN (...)`` list."""
        return ", ".join([self.placeholder] * count)

    def money_sql(self, expression: str) -> str:
        """SQL giving a money column (or a SUM over one) as an exact decimal.

        PostgreSQL: the NUMERIC expression itself. SQLite: decimal text built from the
        integer cents (``'-12.05'``), exact, never a float. Read the result with
        :attr:`money_value`. Sum first, convert last: ``money_sql("SUM(amount)")``.
        """
        if self.name != "sqlite":
            return expression
        e = f"({expression})"
        return (
            f"(CASE WHEN {e} IS NULL THEN NULL ELSE printf('%s%d.%02d', "
            f"CASE WHEN {e} < 0 THEN '-' ELSE '' END, abs({e}) / 100, abs({e}) % 100) END)"
        )

    def reserve_ids(
        self, cursor: Any, counts: Sequence[tuple[Table | str, int]]
    ) -> list[Sequence[int]]:
        """Fresh primary keys for several tables, without a round-trip per row.

        On SQLite the caller holds the write lock (``BEGIN IMMEDIATE``, see
        :func:`write_transaction`), so ``max(id)+1`` onwards is ours, and one query reads
        every table's maximum. On PostgreSQL we draw from each column's sequence, so
        concurrent writers and ordinary ``INSERT``\\s without an id never collide with us.
        """
        names = [t if isinstance(t, str) else t.name for t, _ in counts]
        if self.name == "postgresql":
            found: list[Sequence[int]] = []
            for name, (_, count) in zip(names, counts, strict=True):
                if count == 0:
                    found.append(())
                    continue
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    (name, count),
                )
                found.append([row[0] for row in cursor.fetchall()])
            return found
        parts = ", ".join(f"(SELECT coalesce(max(id), 0) FROM {name})" for name in names)
        cursor.execute(f"SELECT {parts}")
        maxima = cursor.fetchone()
        return [
            range(int(top) + 1, int(top) + 1 + count)
            for top, (_, count) in zip(maxima, counts, strict=True)
        ]


_DIALECTS: dict[tuple[str, str], SQLDialect] = {}


def _dialect_cache(name: str, paramstyle: str) -> SQLDialect:
    key = (name, paramstyle)
    found = _DIALECTS.get(key)
    if found is None:
        found = _DIALECTS[key] = SQLDialect.for_dialect(name, paramstyle)
    return found


def driver_cursor(conn: Connection) -> Any:
    """A DBAPI cursor on the connection's own driver connection (same transaction)."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


# --------------------------------------------------------------------------- transactions


def begin_write(conn: Connection) -> bool:
    """Begin the one write transaction on ``conn``; the caller commits or rolls back.

    For code that manages commits itself (the ingest pipeline commits every few MB);
    everything else uses :func:`write_transaction`. Returns False when the connection
    was already in a write transaction (nothing begun: the caller joins it). A read
    transaction still open on the connection is ended first (it holds no changes).
    """
    if conn.in_transaction():
        if conn.info.get(_WRITING):
            return False
        conn.commit()
    conn.info[_WRITE_REQUESTED] = True
    try:
        conn.begin()
    finally:
        conn.info.pop(_WRITE_REQUESTED, None)
    if conn.dialect.name == "sqlite" and not conn.info.get(_WRITING):
        # An engine not made by Database (no begin hook): take the lock ourselves.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    conn.info[_WRITING] = True
    return True


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """The one write transaction: committed on success, rolled back on any exception.

    On SQLite it opens with ``BEGIN IMMEDIATE``, taking the write lock up front, so a
    writer waits its turn (busy timeout) instead of failing when it upgrades from a read,
    and ``max(id)+1`` id reservation is safe. On PostgreSQL it is an ordinary
    transaction. Inside it, ``conn.begin_nested()`` gives savepoints.

    Called while the connection is already in a write transaction, it joins it (the
    outer block commits). A read transaction still open on the connection is ended
    first (it holds no changes: reads only).
    """
    if not begin_write(conn):
        yield conn
        return
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()
    finally:
        conn.info.pop(_WRITING, None)


def _transaction_ended(conn: Connection) -> None:
    conn.info.pop(_WRITING, None)


def _sqlite_on_connect(read_only: bool) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event (below) start transactions, not the driver: so
        # DDL is transactional, savepoints work and writes can BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: the rest may wait
        if not read_only:
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                pass  # another connection is writing in rollback mode; a later one switches
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _sqlite_on_begin(conn: Connection) -> None:
    if conn.info.get(_WRITE_REQUESTED):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.info[_WRITING] = True
    else:
        conn.exec_driver_sql("BEGIN")


def create_db_engine(
    url: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> Engine:
    """An engine for the URL in force, with SQLite tuned for one writer and many readers.

    Prefer :class:`Database`; this is what it uses.
    """
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        if read_only and not _asks_read_only(parsed):
            path = sqlite_path(parsed)
            if path is not None:
                parsed = parsed.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect(read_only))
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        engine = create_engine(resolved, pool_pre_ping=True)
    event.listen(engine, "commit", _transaction_ended)
    event.listen(engine, "rollback", _transaction_ended)
    return engine


# --------------------------------------------------------------------------- Database


class Database:
    """A denialops database: URL, engine, schema, transactions and dialect in one object.

    Cheap to create: nothing connects until a connection is asked for. Use it as a
    context manager (or call :meth:`close`) to release the connections::

        with Database("claims.db") as db:
            db.migrate()
            with db.write() as conn:
                ...
            with db.read() as conn:
                ...
    """

    def __init__(self, url: str | os.PathLike[str] | None = None) -> None:
        self.url = resolve_url(url)
        self._parsed = make_url(self.url)
        self._engine: Engine | None = None
        self._read_only = _asks_read_only(self._parsed)
        self.dialect = SQLDialect.for_dialect(
            self._parsed.get_backend_name(),
            "qmark" if self._parsed.get_backend_name() == "sqlite" else "format",
        )

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        """A Database around an engine someone else made (tests, callers in transition)."""
        db = cls(engine.url.render_as_string(hide_password=False))
        db._engine = engine
        db.dialect = SQLDialect.of(engine)
        return db

    # ---------------------------------------------------------------- opening, checked

    @classmethod
    def open(cls, url: str | os.PathLike[str] | None = None, *, create: bool = True) -> Database:
        """The database a command works on: checked, migrated, ready.

        ``create=False`` (commands that read or change existing data) refuses a database
        that does not exist instead of creating an empty one. Every problem is one
        :class:`~denialops.errors.StoreError` naming what and where: a missing directory,
        a file that is not SQLite, a server that cannot be reached, a database that is
        not a denialops one. A SQLite file we may not write is opened read-only (reads
        work; it must already be at the newest revision).
        """
        db = cls(url)
        try:
            db.check(create=create)
            db.migrate()
        except BaseException:
            db.close()
            raise
        return db

    @property
    def read_only(self) -> bool:
        return self._read_only

    def check(self, *, create: bool = True) -> None:
        """Refuse, in one line, what cannot be opened (see :meth:`open`); connects once."""
        path = self.path
        if path is not None:
            self._check_sqlite_file(path, create=create)
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1").scalar()
        except OperationalError as exc:
            reason = _first_line(exc)
            if path is None and "does not exist" in reason and not create:
                raise DatabaseNotFoundError(f"no database {self.display_url}: {reason}") from None
            raise DatabaseUnavailable(f"cannot open {self.display_url}: {reason}") from None
        except DBAPIError as exc:
            raise ForeignDatabaseError(
                f"{self.display_url} cannot be read as a database: {_first_line(exc)}"
            ) from None

    def _check_sqlite_file(self, path: Path, *, create: bool) -> None:
        if path.is_dir():
            raise DatabaseURLError(f"--db {path} is a directory, not a database file")
        if not path.exists():
            if not create:
                raise DatabaseNotFoundError(
                    f"no database at {path} (run `denialops ingest FILES --db {path}` "
                    "to create one)"
                )
            if not path.parent.is_dir():
                raise DatabaseNotFoundError(
                    f"cannot create {path}: directory {path.parent} does not exist"
                )
            return
        with path.open("rb") as handle:
            header = handle.read(16)
        if header and header != b"SQLite format 3\x00":
            raise ForeignDatabaseError(f"{path} is not a SQLite database")
        if self._read_only or not os.access(path, os.W_OK):
            self._use_read_only()

    def _use_read_only(self) -> None:
        self._read_only = True
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # ---------------------------------------------------------------- where

    @property
    def display_url(self) -> str:
        """The URL for messages: password hidden."""
        return self._parsed.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect.is_sqlite

    @property
    def path(self) -> Path | None:
        """The SQLite file; None on PostgreSQL."""
        return sqlite_path(self._parsed)

    # ---------------------------------------------------------------- connections

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_db_engine(self.url, read_only=self._read_only)
        return self._engine

    def connect(self) -> Connection:
        """A new connection (use as a context manager); no transaction begun yet."""
        return self.engine.connect()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (a consistent snapshot), rolled back after."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in the one write transaction (see :func:`write_transaction`)."""
        with self.engine.connect() as conn, write_transaction(conn):
            yield conn

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- schema

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (default: newest); a no-op when already there."""
        from denialops.store.migrate import upgrade

        upgrade(self.engine, revision)

    def revision(self) -> str | None:
        """The Alembic revision the database is at; None for one never migrated."""
        from denialops.store.migrate import current_revision

        return current_revision(self.engine)

    # ---------------------------------------------------------------- money

    def money_sql(self, expression: str) -> str:
        """See :meth:`SQLDialect.money_sql`."""
        return self.dialect.money_sql(expression)

    def money_value(self, value: Any) -> Decimal | None:
        """See :attr:`SQLDialect.money_value`."""
        return self.dialect.money_value(value)
