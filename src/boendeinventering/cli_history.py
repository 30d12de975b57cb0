"""`boinv history` without setting up Django (issue 12: a verb that does no work starts in 0.3 s).

Django's setup imports about 600 modules (the ORM, forms, templates, the installed apps) and took
0.45-0.5 s of the 0.6 s that `boinv history` cost; reading one table needs none of it. This
module reads the import history through the database driver, with the database of the settings
module (BOINV_DATA_DIR / BOINV_DATABASE_URL), and formats it; the ORM path in cli_commands.py
formats Django's ImportBatch objects with the same functions. Whenever the quick read cannot
answer (no database yet, a server that refuses, an unknown engine) the command takes the ORM
path, which words every such failure as before. Nothing is written, so there is no audit event.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

TABLE = "inventory_importbatch"
# The ImportBatch fields the history shows (inventory/models.py); `replaced_by_id` as the ORM names it.
_FIELDS = ("id", "kind", "year", "file_name", "imported_at", "imported_by", "active", "withdrawn_at",
           "replaced_by_id", "rows_read", "rows_imported", "rows_invalid", "rows_duplicate", "rows_overlapping",
           "unknown_columns", "issues")
_LIST_FIELDS = _FIELDS[:-1]  # the list leaves out each import's refused rows


@dataclass
class BatchRecord:
    """One ImportBatch row as the history shows it: the same attribute names as the model."""

    id: int
    kind: str
    year: int | None
    file_name: str
    imported_at: dt.datetime
    imported_by: str
    active: bool
    withdrawn_at: dt.datetime | None
    replaced_by_id: int | None
    rows_read: int
    rows_imported: int
    rows_invalid: int
    rows_duplicate: int
    rows_overlapping: int
    unknown_columns: list
    issues: list

    @property
    def state_label(self) -> str:
        from boendeinventering.core.import_state import import_state_label

        return import_state_label(self.active, self.withdrawn_at, self.replaced_by_id)


def year_text(year: int | None) -> str:
    return f"inventeringsår {year}" if year is not None else "alla år"


def list_lines(batches, zone: dt.tzinfo) -> list[str]:
    """`boinv history`: one line per import, oldest first."""
    lines = []
    for b in batches:
        state = b.state_label.lower()
        lines.append(f"{b.id:>4} {b.imported_at.astimezone(zone):%Y-%m-%d %H:%M} {b.kind:<15} "
                     f"{b.year or 'alla år':<8} {b.file_name:<30} "
                     f"{b.rows_imported:>8} rader, {b.rows_invalid} avvisade, {state}, av {b.imported_by or '-'}")
    return lines


def batch_lines(batch, zone: dt.tzinfo) -> list[str]:
    """`boinv history N`: one import's log, its refused rows with the reason."""
    lines = [f"Import {batch.id}: {batch.kind}, {year_text(batch.year)}, {batch.file_name}, "
             f"{batch.imported_at.astimezone(zone):%Y-%m-%d %H:%M}, av {batch.imported_by or '-'}, "
             f"{batch.state_label.lower()}",
             f"  {batch.rows_read} lästa, {batch.rows_imported} importerade, {batch.rows_invalid} avvisade, "
             f"{batch.rows_duplicate} dubbletter i filen, {batch.rows_overlapping} finns i annan import"]
    if batch.unknown_columns:
        lines.append(f"  Okända kolumner: {', '.join(batch.unknown_columns)}")
    for issue in batch.issues:
        column = f", kolumn {issue['column']}" if issue.get("column") else ""
        value = f", värde '{issue['value']}'" if issue.get("value") is not None else ""
        lines.append(f"  Rad {issue['row']}{column}{value}: {issue['reason']}")
    return lines


def quick_history(batch_id: int | None) -> list[str] | None:
    """The history's lines read without Django, or None when the ORM path must answer: no such
    import (its message is the ORM path's), or the database could not be read this way."""
    from boendeinventering.cli_setup import load_settings

    settings = load_settings()
    if not settings.USE_TZ:  # timestamps stored in local time: left to Django's conversion
        return None
    try:
        batches = read_batches(settings, batch_id)
    except Exception:  # noqa: BLE001 - the ORM path answers, and words the failure as it always has
        return None
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.TIME_ZONE)
    if batch_id is None:
        return list_lines(batches, zone)
    return batch_lines(batches[0], zone) if batches else None


def read_batches(settings: Any, batch_id: int | None) -> list[BatchRecord]:
    """ImportBatch rows ordered by id (one, when `batch_id` is given), through the driver of the
    settings' database. Raises on anything unusual; the caller then falls back to Django."""
    database = settings.DATABASES["default"]
    fields = _FIELDS if batch_id is not None else _LIST_FIELDS
    where, params = ("WHERE id = %s", (batch_id,)) if batch_id is not None else ("", ())
    sql = f"SELECT {', '.join(fields)} FROM {TABLE} {where} ORDER BY id"
    engine = database["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        rows = _sqlite_rows(database, sql.replace("%s", "?"), params)
        return [_record(dict(zip(fields, row)), text_json=True) for row in rows]
    if engine == "django.db.backends.postgresql":
        rows = _postgresql_rows(database, sql, params)
        return [_record(dict(zip(fields, row)), text_json=False) for row in rows]
    raise LookupError(engine)


def _sqlite_rows(database: dict, sql: str, params: tuple) -> list[tuple]:
    import sqlite3

    # Read-only, and never creates the file: a data directory without a database is the ORM
    # path's to report. The timeout is the one Django uses (settings OPTIONS).
    uri = "file:" + _quoted_path(str(database["NAME"])) + "?mode=ro"
    timeout = database.get("OPTIONS", {}).get("timeout", 5)
    connection = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _quoted_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/:")


def _postgresql_rows(database: dict, sql: str, params: tuple) -> list[tuple]:
    import psycopg

    # As Django connects (django/db/backends/postgresql/base.py get_connection_params) for the
    # settings BOINV_DATABASE_URL gives; anything else set by hand is left to Django.
    if database.get("OPTIONS") or not database.get("NAME"):
        raise LookupError("a database configuration the quick path leaves to Django")
    parameters = {"dbname": database["NAME"], "client_encoding": "UTF8", "prepare_threshold": None}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if database.get(key):
            parameters[name] = database[key]
    with psycopg.connect(**parameters) as connection:
        connection.read_only = True
        return connection.execute(sql, params).fetchall()


def _record(row: dict[str, Any], *, text_json: bool) -> BatchRecord:
    for name in ("unknown_columns", "issues"):
        if name in row and text_json:  # SQLite keeps JSON as text; psycopg decodes jsonb itself
            row[name] = json.loads(row[name])
    row.setdefault("issues", [])
    for name in ("imported_at", "withdrawn_at"):
        row[name] = _aware(row[name])
    row["active"] = bool(row["active"])
    return BatchRecord(**row)


def _aware(value: Any) -> dt.datetime | None:
    """A timestamp as Django reads it: SQLite holds UTC as text without a zone (USE_TZ)."""
    if value is None or isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(type(value).__name__)
    return value.replace(tzinfo=dt.UTC)
