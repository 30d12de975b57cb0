"""Data-quality figures shown beside every export: what was read, refused and left uncertain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from boendeinventering.core.classify import Mapping, unmapped_names
from boendeinventering.core.tables import Table

KIND_LABELS = {"insatser": "insatser", "utbetalningar": "utbetalningar", "skuldradgivning": "skuldrådgivning",
               "platser": "platser"}


@dataclass(frozen=True)
class BatchSummary:
    kind: str
    file_name: str
    rows_read: int
    rows_imported: int
    rows_invalid: int
    rows_duplicate: int
    rows_overlapping: int


def quality_table(stays: pl.DataFrame, payments: pl.DataFrame, debt_cases: pl.DataFrame, mapping: Mapping,
                  year: int, batches: list[BatchSummary], payments_outside_year: int) -> Table:
    """`stays`/`payments` are the year's rows (with `id_kind`); counts here are rows, not a
    breakdown of persons by attributes, so they are shown as they are."""
    first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    rows: list[dict] = []

    def add(indicator: str, value: int) -> None:
        rows.append({"indicator": indicator, "value": int(value)})

    for kind in KIND_LABELS:
        kind_batches = [b for b in batches if b.kind == kind]
        add(f"Importerade rader, {KIND_LABELS[kind]}", sum(b.rows_imported for b in kind_batches))
        add(f"Avvisade rader, {KIND_LABELS[kind]}", sum(b.rows_invalid for b in kind_batches))
        add(f"Dubblettrader inom fil (räknade en gång), {KIND_LABELS[kind]}",
            sum(b.rows_duplicate for b in kind_batches))
        add(f"Rader som även finns i en annan import, {KIND_LABELS[kind]}",
            sum(b.rows_overlapping for b in kind_batches))
    add(f"Insatser som berör {year}", stays.height)
    add(f"Utbetalningar {year}", payments.height)
    add(f"Skuldrådgivningsärenden {year}", debt_cases.height)
    without_pnr = pl.concat([
        stays.filter(pl.col("id_kind") == "annat").select("person"),
        payments.filter(pl.col("id_kind") == "annat").select("person"),
    ])["person"].n_unique()
    add("Personer utan personnummer (kan inte dubblettkontrolleras)", without_pnr)
    names = pl.concat([stays["insats"], payments["purpose"]]).unique().to_list()
    add("Lokala benämningar utan mappning", len(unmapped_names(names, mapping)))
    # Stays mapped to `exkluderad` (LSS, elderly care, support in one's own home) are kept but
    # counted nowhere; the coordinator sees how many, so a wrong mapping cannot hide people.
    excluded_names = [n for n in stays["insats"].unique().to_list() if mapping.code_for(n) == "exkluderad"]
    excluded = stays.filter(pl.col("insats").is_in(excluded_names))
    add("Insatser med koden exkluderad (ingår inte i inventeringen)", excluded.height)
    add("Personer med insats med koden exkluderad", excluded["person"].n_unique())
    add("Insatser utan slutdatum", stays.filter(pl.col("end_date").is_null()).height)
    add(
        "Insatser med dygn utanför året (räknas bara inom året)",
        stays.filter(
            (pl.col("start_date") < first) | pl.col("end_date").is_null() | (pl.col("end_date") > after)
        ).height,
    )
    add("Utbetalningar utanför året (ingår inte)", payments_outside_year)
    return Table(
        id="data_quality",
        title="Datakvalitet",
        dimensions=["indicator"],
        measures=["value"],
        rows=rows,
        note="Antal rader och personer som påverkar hur säkra siffrorna är.",
    )
