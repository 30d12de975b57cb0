"""Moving Polars frames in and out of the database on Django's own connection.

Staying on Django's connection keeps each import inside one transaction (transaction.atomic),
so a killed import leaves nothing behind, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

import polars as pl
from django.db import connection

from boendeinventering.inventory.models import ImportBatch, ImportData


def frame_to_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    # level 1: half the time of the default level 3 for the same size (the row digests, random
    # hex, are most of the bytes and compress equally badly at any level)
    frame.write_parquet(buffer, compression="zstd", compression_level=1, statistics=False)
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


# digests per statement: one statement carries them all as one parameter (a JSON array or a
# PostgreSQL array), and a chunk bounds that parameter's size (a national file: millions of persons)
SURROGATE_CHUNK = 250_000


def surrogate_ids(table: str, digests: list[str]) -> list[int]:
    """The id of every digest in the pseudonym `table`, in the order given, adding the missing ones.

    Two imports at once may both add a person: with a plain INSERT the second one died on the
    unique digest (PostgreSQL), so the conflict is a no-op instead; PostgreSQL makes the second
    wait for the first's commit, and the ids are read back afterwards. Sorted digests make
    concurrent imports take the digests' locks in the same order, so they cannot deadlock.
    Each chunk goes to the database as one parameter: binding hundreds of thousands of rows one
    by one into a staging table took longer than everything else the import stores."""
    quoted = connection.ops.quote_name(table)
    if connection.vendor == "postgresql":
        values = "unnest(%s::text[]) WITH ORDINALITY AS v(digest, n)"
    else:
        values = "(SELECT value AS digest, key AS n FROM json_each(%s)) AS v"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(digests), SURROGATE_CHUNK):
            chunk = digests[start:start + SURROGATE_CHUNK]
            param = chunk if connection.vendor == "postgresql" else json.dumps(chunk)
            # WHERE true: SQLite would otherwise read ON CONFLICT as the start of a join constraint
            cursor.execute(f"INSERT INTO {quoted} (digest) SELECT v.digest FROM {values} WHERE true "
                           f"ORDER BY v.digest ON CONFLICT (digest) DO NOTHING", [param])
            cursor.execute(f"SELECT p.id FROM {values} JOIN {quoted} p ON p.digest = v.digest ORDER BY v.n",
                           [param])
            ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != len(digests):  # every digest has a row now; anything else is a broken database
        raise RuntimeError(f"surrogate ids: {len(ids)} ids for {len(digests)} digests")
    return ids
