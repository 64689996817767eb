"""A one-value read on every webhook's path, without the cost of a SQLAlchemy ``Connection``.

Checking out a ``Connection``, beginning, executing through the result machinery and resetting
it costs 50 microseconds in one process and about 200 in a busy gunicorn worker: more than the
rest of a menu step. ``QuickRead`` runs the same Core statement, compiled once by SQLAlchemy for
the engine's dialect, with its parameters and result converted by the columns' own types, on a
DBAPI connection of the engine's own pool: pre-ping, the fork safety of
``ivr.storage.database`` and the reset on return stay SQLAlchemy's. It costs about 10.

Only for a single read that needs no transaction of its own: on SQLite a lone SELECT is atomic,
and on PostgreSQL the driver's implicit transaction ends at the pool's reset. Driver errors are
raised as SQLAlchemy's (``STORE_ERRORS``), like every store's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from ivr.storage.database import connection_lost


class QuickRead:
    """The first row of ``statement`` (``row``), or its first column (``value``)."""

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.engine = engine
        self.sql = compiled.string
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        # None for a named paramstyle (psycopg's pyformat): parameters go as a mapping
        self._order: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positiontup is not None else None
        )
        self._to_db: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._to_db[name] = processor
        self._from_db_each = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        self._from_db = self._from_db_each[0]

    def value(self, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None when the statement selects nothing."""
        row = self._first(params)
        if row is None:
            return None
        return self._from_db(row[0]) if self._from_db is not None else row[0]

    def row(self, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Every column of the first row, converted by its type; None when there is none."""
        row = self._first(params)
        return None if row is None else self._converted(row)

    def rows(self, params: Mapping[str, Any], connection: PoolProxiedConnection) -> list[Any]:
        """Every row, converted by the columns' types, read on a connection of ``reading``."""
        return [self._converted(row) for row in self._run(params, connection, many=True)]

    def _converted(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            convert(cell) if convert is not None else cell
            for convert, cell in zip(self._from_db_each, row, strict=True)
        )

    def _args(self, params: Mapping[str, Any]) -> Any:
        converted = {
            name: (self._to_db[name](value) if name in self._to_db else value)
            for name, value in params.items()
        }
        if self._order is not None:
            return tuple(converted[name] for name in self._order)
        return converted

    def _first(self, params: Mapping[str, Any]) -> Any:
        with reading(self.engine, transaction=False) as connection:
            return self._run(params, connection, many=False)

    def _run(
        self, params: Mapping[str, Any], connection: PoolProxiedConnection, *, many: bool
    ) -> Any:
        args = self._args(params)
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, args)
                return cursor.fetchall() if many else cursor.fetchone()
            finally:
                cursor.close()
        except self._dbapi_error as error:
            wrapped = DBAPIError.instance(self.sql, args, error, self._dbapi_error)
            if self.engine.dialect.is_disconnect(error, connection.dbapi_connection, None):  # type: ignore[arg-type]  # the driver Error class
                connection.invalidate(error)  # as a Connection does: the pool replaces it
                connection_lost(self.engine, wrapped)
            raise wrapped from error


@contextmanager
def reading(engine: Engine, *, transaction: bool = True) -> Iterator[PoolProxiedConnection]:
    """A driver connection of the engine's pool, for reads that must agree with each other.

    With ``transaction`` on SQLite, the reads share one deferred transaction, so one snapshot
    (as they would in one ``Connection``); PostgreSQL's driver opens its transaction at the
    first read. The pool's reset on return ends it.
    """
    dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except dbapi_error as error:
        wrapped = DBAPIError.instance("(connect)", None, error, dbapi_error)
        connection_lost(engine, wrapped)
        raise wrapped from error
    try:
        if transaction and engine.dialect.name == "sqlite":
            try:
                connection.cursor().execute("BEGIN")
            except dbapi_error as error:
                raise DBAPIError.instance("BEGIN", None, error, dbapi_error) from error
        yield connection
    finally:
        connection.close()  # back to the pool, which resets it (a rollback)
