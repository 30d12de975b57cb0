"""Bulk movement of Polars frames in and out of the fact tables, on Django's own connection.

The ORM would take minutes for a large city's 650,000 payments; executemany (SQLite) and COPY
(PostgreSQL) take seconds, and staying on Django's connection keeps each import inside one
transaction (transaction.atomic) so a killed import leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import polars as pl
from django.db import connection


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_frame(table: str, frame: pl.DataFrame, *, chunk_rows: int = 50_000,
                 progress: Callable[[int, int], None] | None = None) -> int:
    """Append the frame's rows to `table` (columns by name). Must run inside a transaction."""
    if frame.height == 0:
        return 0
    columns = frame.columns
    total = frame.height
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {_quote(table)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
            raw = cursor.cursor  # psycopg cursor under Django's wrapper
            done = 0
            for chunk in frame.iter_slices(chunk_rows):
                with raw.copy(sql) as copy:
                    for row in chunk.iter_rows():
                        copy.write_row(row)
                done += chunk.height
                if progress:
                    progress(done, total)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in columns)}) VALUES ({placeholders})"
            # Dates as ISO text: what Django's SQLite backend stores for DateField.
            frame = frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d"))
            done = 0
            for chunk in frame.iter_slices(chunk_rows):
                cursor.executemany(sql, chunk.iter_rows())
                done += chunk.height
                if progress:
                    progress(done, total)
    return total


def read_frame(sql: str, params: Iterable, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a SELECT whose columns are `schema`'s keys, in order, and return a typed frame."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    if not rows:
        return pl.DataFrame(schema=schema)
    # Both backends hand back datetime.date for DateField columns (Django registers a converter
    # for SQLite's declared "date" type), so one typed constructor fits both.
    return pl.DataFrame(rows, schema=schema, orient="row")


def date_param(day: dt.date) -> str | dt.date:
    return day.isoformat() if connection.vendor != "postgresql" else day
