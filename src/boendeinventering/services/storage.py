"""Moving Polars frames in and out of the database on Django's own connection.

Staying on Django's connection keeps each import inside one transaction (transaction.atomic),
so a killed import leaves nothing behind, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import polars as pl
from django.db import connection

from boendeinventering.inventory.models import ImportBatch, ImportData


def frame_to_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=False)
    return buffer.getvalue()


def bytes_to_frame(content: bytes | memoryview) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(bytes(content)))


def store_batch_rows(batch: ImportBatch, frame: pl.DataFrame) -> ImportData:
    return ImportData.objects.create(batch=batch, content=frame_to_bytes(frame), rows=frame.height,
                                     columns=frame.columns)


def batch_rows(batch_ids: Iterable[int], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of the given imports, concatenated, with exactly `schema`'s columns."""
    frames = [
        bytes_to_frame(content).select(list(schema))
        for content in ImportData.objects.filter(batch_id__in=list(batch_ids)).order_by("batch_id")
        .values_list("content", flat=True)
    ]
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical_relaxed").cast(schema)


def active_rows(kind: str, schema: dict[str, pl.DataType], year: int | None = None) -> pl.DataFrame:
    """Rows of the active imports of `kind`; with `year`, only those made for that year or for all."""
    return batch_rows(active_batches(kind, year).values_list("id", flat=True), schema)


def active_batches(kind: str | None = None, year: int | None = None):
    from django.db.models import Q

    batches = ImportBatch.objects.filter(active=True)
    if kind is not None:
        batches = batches.filter(kind=kind)
    if year is not None:
        batches = batches.filter(Q(year=year) | Q(year__isnull=True))
    return batches


def insert_column(table: str, column: str, values: pl.Series) -> None:
    """Append one column of values to `table` (used for the digest staging table)."""
    if values.len() == 0:
        return
    quoted_table, quoted_column = connection.ops.quote_name(table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted_table} ({quoted_column}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row((value,))
        else:
            cursor.executemany(f"INSERT INTO {quoted_table} ({quoted_column}) VALUES (%s)",
                               ((value,) for value in values))


def insert_missing_digests(table: str, staging: str) -> None:
    """Add to the pseudonym `table` every digest of the `staging` table it lacks.

    Two imports at once may both add a person: with a plain INSERT the second one died on the
    unique digest (PostgreSQL), so the conflict is a no-op instead; PostgreSQL makes the second
    wait for the first's commit, and the ids are read back afterwards. The sorted order makes
    concurrent imports take the digests' locks in the same order, so they cannot deadlock."""
    quoted_table, quoted_staging = connection.ops.quote_name(table), connection.ops.quote_name(staging)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quoted_table} (digest) SELECT t.digest FROM {quoted_staging} t "
            f"WHERE NOT EXISTS (SELECT 1 FROM {quoted_table} p WHERE p.digest = t.digest) "
            f"ORDER BY t.digest ON CONFLICT (digest) DO NOTHING"
        )


def read_frame(sql: str, params: Iterable, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a SELECT whose columns are `schema`'s keys, in order, and return a typed frame."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")
