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

from boendeinventering.inventory.models import ImportBatch, ImportData, ImportDigests


def frame_to_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    # level 1: half the time of the default level 3 for the same size (the row digests, random
    # hex, are most of the bytes and compress equally badly at any level)
    frame.write_parquet(buffer, compression="zstd", compression_level=1, statistics=False)
    return buffer.getvalue()


def bytes_to_frame(content: bytes | memoryview, columns: list[str] | None = None) -> pl.DataFrame:
    """The stored rows; with ``columns``, only those are decoded (Parquet reads column by column,
    so the overlap check's digests or a year's measure columns skip the rest)."""
    return pl.read_parquet(io.BytesIO(bytes(content)), columns=columns)


def store_batch_rows(batch: ImportBatch, frame: pl.DataFrame, part: int = 0) -> ImportData:
    """Store `frame` as part `part` of the import's rows (a file read in slices has several), and
    its row digests' keys for the overlap check of later imports."""
    stored = ImportData.objects.create(batch=batch, part=part, content=frame_to_bytes(frame), rows=frame.height,
                                       columns=frame.columns)
    if "row_digest" in frame.columns:
        store_digest_keys(batch.pk, part, frame["row_digest"])
    return stored


def batch_rows(batch_ids: Iterable[int], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of the given imports, concatenated (each import's parts in order), with exactly
    `schema`'s columns."""
    frames = [
        bytes_to_frame(content, list(schema)).select(list(schema))
        for content in ImportData.objects.filter(batch_id__in=list(batch_ids)).order_by("batch_id", "part")
        .values_list("content", flat=True).iterator()  # one stored blob in memory at a time, not all
    ]
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical_relaxed").cast(schema)


# earlier rows' keys looked up together: one hash set of the new import's keys serves them all
# (built anew for every stored part it took a second at the national benchmark's 9th part)
OVERLAP_CHUNK = 4_000_000  # keys, 64 MB


def digests_found_in(digests: pl.Series, batch_ids: Iterable[int]) -> pl.Series:
    """Which of ``digests`` (hex row digests) occur in the stored rows of the given imports.

    Compared by the digests' first 128 bits (models.ImportDigests): 16 bytes a row to read of
    each earlier import instead of its 64 hex characters out of the rows' document."""
    batch_ids = list(batch_ids)
    _backfill_digest_keys(batch_ids)
    mine = digest_keys(digests).with_row_index("n")
    mine_hi = mine["hi"].implode()
    found: list[pl.Series] = []

    def look_up(chunk: list[pl.DataFrame]) -> None:
        theirs = pl.concat(chunk)
        candidates = theirs.filter(pl.col("hi").is_in(mine_hi))  # the first 64 bits agree: few rows
        if candidates.height:
            found.append(mine.join(candidates, on=["hi", "lo"], how="semi")["n"])
        chunk.clear()

    chunk: list[pl.DataFrame] = []
    for content in (ImportDigests.objects.filter(batch_id__in=batch_ids)
                    .values_list("keys", flat=True).iterator()):
        chunk.append(bytes_to_frame(content))
        if sum(c.height for c in chunk) >= OVERLAP_CHUNK:  # a handful of parts per chunk
            look_up(chunk)
    if chunk:
        look_up(chunk)
    rows = pl.int_range(0, digests.len(), dtype=pl.UInt32, eager=True)
    return rows.is_in(pl.concat(found).implode() if found else pl.Series([], dtype=pl.UInt32).implode())


def digest_keys(digests: pl.Series) -> pl.DataFrame:
    """The first 128 bits of each hex digest, as two unsigned 64-bit integers (row order kept)."""
    return pl.DataFrame({
        "hi": digests.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64),
        "lo": digests.str.slice(16, 16).str.to_integer(base=16, dtype=pl.UInt64),
    })


def store_digest_keys(batch_id: int, part: int, digests: pl.Series) -> None:
    # uncompressed: digests are random, and zstd would only spend time finding that out
    buffer = io.BytesIO()
    digest_keys(digests).write_parquet(buffer, compression="uncompressed", statistics=False)
    ImportDigests.objects.create(batch_id=batch_id, part=part, keys=buffer.getvalue())


def _backfill_digest_keys(batch_ids: list[int]) -> None:
    """Keys for stored parts that have none: those stored before ImportDigests existed (an
    installation's earlier imports are checked the same as new ones), made once, when first needed."""
    have = set(ImportDigests.objects.filter(batch_id__in=batch_ids).values_list("batch_id", "part"))
    # batch and part only: the covering index of (batch, part), not the rows' documents
    missing = [key for key in ImportData.objects.filter(batch_id__in=batch_ids).values_list("batch_id", "part")
               if key not in have]
    for batch_id, part in missing:
        content, columns = ImportData.objects.values_list("content", "columns").get(batch_id=batch_id, part=part)
        if "row_digest" in (columns or []):
            store_digest_keys(batch_id, part, bytes_to_frame(content, ["row_digest"])["row_digest"])


def delete_batch_rows(batch_ids: Iterable[int]) -> None:
    """Delete the imports' stored rows and their digests' keys (retention: shredding a year)."""
    batch_ids = list(batch_ids)
    ImportDigests.objects.filter(batch_id__in=batch_ids).delete()
    ImportData.objects.filter(batch_id__in=batch_ids).delete()


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


def active_local_names(columns: dict[str, str]) -> set[str]:
    """The local names (kind -> the column holding them) in the rows of the active imports.

    Read from each import's own list: reading the column out of every active import's rows
    cost the national benchmark's 9th payments import 0.7 s, and more with every import."""
    names: set[str] = set()
    for kind, column in columns.items():
        for batch in active_batches(kind).only("id", "local_names"):
            if batch.local_names is None:  # imported before ImportBatch.local_names
                rows = batch_rows([batch.id], {column: pl.Utf8})[column]
                batch.local_names = sorted(rows.drop_nulls().unique().to_list())
                batch.save(update_fields=["local_names"])
            names.update(batch.local_names)
    return names


# digests per statement on SQLite: one statement carries them all as one JSON array, and a chunk
# bounds that parameter's size (a national file: millions of persons)
SURROGATE_CHUNK = 250_000
_STAGING = "boinv_tmp_digest"


def surrogate_ids(table: str, digests: list[str]) -> list[int]:
    """The id of every digest in the pseudonym `table`, in the order given, adding the missing ones.

    Two imports at once may both add a person: with a plain INSERT the second one died on the
    unique digest (PostgreSQL), so the conflict is a no-op instead; PostgreSQL makes the second
    wait for the first's commit, and the ids are read back afterwards. Sorted digests make
    concurrent imports take the digests' locks in the same order, so they cannot deadlock.
    Binding hundreds of thousands of digests one by one took longer than everything else the
    import stores: SQLite gets them as one JSON array per chunk, PostgreSQL as one COPY."""
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids = _surrogate_ids_postgresql(cursor, quoted, digests)
        else:
            ids = []
            values = "(SELECT value AS digest, key AS n FROM json_each(%s)) AS v"
            for start in range(0, len(digests), SURROGATE_CHUNK):
                param = json.dumps(digests[start:start + SURROGATE_CHUNK])
                # WHERE true: SQLite would otherwise read ON CONFLICT as the start of a join constraint
                cursor.execute(f"INSERT INTO {quoted} (digest) SELECT v.digest FROM {values} WHERE true "
                               f"ORDER BY v.digest ON CONFLICT (digest) DO NOTHING", [param])
                cursor.execute(f"SELECT p.id FROM {values} JOIN {quoted} p ON p.digest = v.digest ORDER BY v.n",
                               [param])
                ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != len(digests):  # every digest has a row now; anything else is a broken database
        raise RuntimeError(f"surrogate ids: {len(ids)} ids for {len(digests)} digests")
    return ids


def _surrogate_ids_postgresql(cursor, quoted: str, digests: list[str]) -> list[int]:
    # A staging table filled by COPY: an array parameter of 250,000 digests took the server
    # longer to take apart than COPY takes to load them.
    cursor.execute(f"DROP TABLE IF EXISTS {_STAGING}")
    cursor.execute(f"CREATE TEMPORARY TABLE {_STAGING} (digest text, n bigint)")
    with cursor.cursor.copy(f"COPY {_STAGING} (digest, n) FROM STDIN") as copy:
        for start in range(0, len(digests), SURROGATE_CHUNK):
            # hex digests: nothing in them needs COPY's escaping
            chunk = digests[start:start + SURROGATE_CHUNK]
            copy.write("".join(f"{d}\t{start + i}\n" for i, d in enumerate(chunk)))
    cursor.execute(f"INSERT INTO {quoted} (digest) SELECT digest FROM {_STAGING} ORDER BY digest "
                   f"ON CONFLICT (digest) DO NOTHING")
    cursor.execute(f"SELECT p.id FROM {_STAGING} t JOIN {quoted} p ON p.digest = t.digest ORDER BY t.n")
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"DROP TABLE {_STAGING}")
    return ids
