"""A CSV import read, validated and stored in slices of records (issue 12) gives what the whole
file gives: the same rows, pseudonyms, digests, counts and errors, with the file's own row numbers."""

from __future__ import annotations

import polars as pl
import pytest

from boendeinventering.core.ingest import IngestError
from boendeinventering.core.ingest.read import read_table, read_table_slices
from boendeinventering.core.schema import VALIDATED
from boendeinventering.inventory.models import ImportBatch, ImportData, Pseudonym
from boendeinventering.services.imports import ImportRefused, import_extract
from boendeinventering.services.storage import batch_rows, store_batch_rows
from tests.fixtures.bad_inputs import CASES
from tests.fixtures.extracts import STAY_HEADER, pnr, write_csv

CORPUS = [c for c in CASES if not c.file_name.endswith(".xlsx")]
PAYMENT_HEADER = "person_id;utbetalningsdatum;belopp;andamal;enhet"


def _stay(i: int, insats: str = "Akutboendet Tallen") -> str:
    return f"{pnr(i % 7)};;Mottagningsenheten;{insats};2025-0{1 + i % 9}-01;;;;{i % 3};{i},50"


def _mixed_rows() -> list[str]:
    """Stays with what slicing could get wrong: quoted separators and line breaks, doubled
    quotes, blank lines, and rows repeating rows of earlier slices."""
    rows = [_stay(i) for i in range(12)]
    rows[3] = _stay(3, '"Hotell; Stjärnan"')
    rows[5] = _stay(5, '"Rum ""A"""')
    rows[6] = _stay(6, '"Härbärget\r\nTallen"')
    rows[8] = ""
    rows[10] = rows[1]  # repeats a row of the first slice
    rows.append(rows[3])  # and one with a quoted separator
    rows.append(";;;;;;;;;")
    return rows


def _slices(data: bytes, n: int | None) -> tuple[pl.DataFrame, pl.Series, int]:
    parts = list(read_table_slices(data, slice_rows=n))
    return pl.concat([p.frame for p in parts]), pl.concat([p.row_numbers for p in parts]), len(parts)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_slices_read_as_the_whole_file(tmp_path, encoding, n):
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, _mixed_rows(), encoding=encoding)
    whole = read_table(path)
    frame, row_numbers, count = _slices(path.read_bytes(), n)
    assert count > 1
    assert frame.equals(whole.frame) and row_numbers.equals(whole.row_numbers)
    assert "Härbärget\r\nTallen" in frame["insats"].to_list()  # the quoted line break was not a record break
    assert row_numbers.to_list()[-3:] == [12, 13, 14]  # file numbering after blank line 10


def test_irregular_quotes_are_read_whole(tmp_path):
    # quotes inside a field (Rum "A" 2) are no quoting: record breaks found by counting quotes
    # could be wrong, so such a file comes as one table, as before slicing
    rows = [_stay(i) for i in range(6)]
    rows[2] = _stay(2, 'Rum "A" 2')
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, rows)
    frame, row_numbers, count = _slices(path.read_bytes(), 1)
    whole = read_table(path)
    assert count == 1 and frame.equals(whole.frame) and row_numbers.equals(whole.row_numbers)


def test_ragged_rows_are_refused_before_any_slice(tmp_path):
    rows = [_stay(i) for i in range(8)]
    rows[6] = rows[6] + ";extra"
    rows[1] = ""
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, rows)
    with pytest.raises(IngestError) as whole:
        read_table(path)
    slices = read_table_slices(path, slice_rows=2)
    with pytest.raises(IngestError) as sliced:
        next(slices)
    assert sliced.value.issues == whole.value.issues
    assert [i.row for i in sliced.value.issues] == [8]


def test_a_too_long_cell_in_a_late_slice_names_the_files_row(tmp_path):
    rows = [_stay(i) for i in range(9)]
    rows[7] = _stay(7, "x" * 10_001)
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, rows)
    with pytest.raises(IngestError) as info:
        list(read_table_slices(path, slice_rows=2))
    assert [(i.row, i.column) for i in info.value.issues] == [(9, "insats")]


# --- the import service ------------------------------------------------------------------------------


def _stored(batch: ImportBatch, kind: str) -> pl.DataFrame:
    """The stored rows with each surrogate id replaced by its pseudonym (digest)."""
    schema = {name: dtype for name, dtype in _stored_schema(kind).items()}
    rows = batch_rows([batch.id], schema)
    digests = pl.DataFrame(list(Pseudonym.objects.values_list("id", "digest")), schema=["id", "digest"],
                           orient="row")
    for column in ("person", "household"):
        rows = rows.join(digests.rename({"id": column, "digest": f"{column}_digest"}), on=column, how="left",
                         maintain_order="left").drop(column)
    return rows


def _stored_schema(kind: str) -> dict:
    frame = ImportData.objects.filter(batch__kind=kind).first()
    return {c: VALIDATED[kind].get(c, pl.Int64 if c in ("person", "household") else pl.Utf8) for c in frame.columns}


def _counts(batch: ImportBatch) -> tuple:
    return (batch.rows_read, batch.rows_imported, batch.rows_invalid, batch.rows_duplicate, batch.issues,
            batch.encoding, batch.delimiter, batch.unknown_columns)  # local names: new only to the first


def test_sliced_import_stores_what_the_whole_import_stores(installed, tmp_path, settings):
    rows = _mixed_rows()
    rows[4] = f"{pnr(4)};;Mottagningsenheten;Hotell;2025-13-01;;;;;"  # invalid, skipped
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, rows)
    whole = import_extract("insatser", path, year=2025, skip_invalid=True)
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    sliced = import_extract("insatser", path, year=2024, skip_invalid=True)  # another year: a new import
    assert sliced.created and ImportData.objects.filter(batch=sliced.batch).count() > 1
    assert ImportData.objects.filter(batch=whole.batch).count() == 1
    assert _counts(sliced.batch) == _counts(whole.batch)
    assert whole.batch.rows_duplicate == 2 and whole.batch.rows_invalid == 1
    assert sliced.validation.duplicate_rows == whole.validation.duplicate_rows == [12, 14]
    assert _stored(sliced.batch, "insatser").equals(_stored(whole.batch, "insatser"))


def test_identical_payments_kept_across_slices(installed, tmp_path, settings):
    rows = [f"{pnr(i % 3)};2025-03-0{1 + i % 2};100;Hotellnatt;Enheten" for i in range(9)]
    path = write_csv(tmp_path / "p.csv", PAYMENT_HEADER, rows)
    whole = import_extract("utbetalningar", path, year=2025, keep_identical_rows=True)
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    sliced = import_extract("utbetalningar", path, year=2024, keep_identical_rows=True)
    assert sliced.identical_kept == whole.identical_kept == 3
    assert sliced.batch.rows_imported == whole.batch.rows_imported == 9
    assert _stored(sliced.batch, "utbetalningar").equals(_stored(whole.batch, "utbetalningar"))


def test_overlap_with_an_earlier_import_counted_across_slices(installed, tmp_path, settings):
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, [_stay(i) for i in range(5)]))
    second = import_extract("insatser", write_csv(tmp_path / "b.csv", STAY_HEADER, [_stay(i) for i in range(1, 7)]))
    assert second.batch.rows_overlapping == 4 and second.warnings


def _nothing_written():
    assert ImportBatch.objects.count() == 0
    assert ImportData.objects.count() == 0
    assert Pseudonym.objects.count() == 0


def test_an_invalid_row_in_the_last_slice_leaves_nothing(installed, tmp_path, settings):
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    rows = [_stay(i) for i in range(14)]
    rows[1] = f"{pnr(1)};;Enheten;Hotell;2025-02-30;;;;;"
    rows[13] = f"{pnr(13)};;Enheten;Hotell;2025-01-01;2024-01-01;;;;"
    with pytest.raises(ImportRefused) as info:
        import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, rows))
    assert [(i.row, i.column) for i in info.value.issues] == [(3, "startdatum"), (15, "slutdatum")]
    _nothing_written()


def test_a_broken_late_slice_leaves_nothing(installed, tmp_path, settings):
    settings.BOINV_IMPORT_SLICE_ROWS = 2
    rows = [_stay(i) for i in range(14)]
    rows[12] = _stay(12, "x" * 10_001)  # refused by the reader when it reaches the seventh slice
    with pytest.raises(IngestError) as info:
        import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, rows))
    assert info.value.issues[0].row == 14
    _nothing_written()


def test_parts_are_read_in_part_order(installed):
    batch = ImportBatch.objects.create(kind="insatser", file_name="x.csv", file_digest="d")
    store_batch_rows(batch, pl.DataFrame({"row_no": [4, 5]}), part=1)
    store_batch_rows(batch, pl.DataFrame({"row_no": [2, 3]}), part=0)
    assert batch_rows([batch.id], {"row_no": pl.Int64})["row_no"].to_list() == [2, 3, 4, 5]


def test_a_failure_while_storing_a_late_part_leaves_nothing(installed, tmp_path, settings, monkeypatch):
    from boendeinventering.services import imports

    settings.BOINV_IMPORT_SLICE_ROWS = 2
    real = imports.store_batch_rows

    def store(batch, frame, part=0):
        if part == 6:
            raise RuntimeError("disken är full")
        return real(batch, frame, part)

    monkeypatch.setattr(imports, "store_batch_rows", store)
    with pytest.raises(RuntimeError):
        import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, [_stay(i) for i in range(14)]))
    _nothing_written()


def test_the_spool_is_removed(installed, tmp_path, settings):
    from boendeinventering.services.tasks import temp_dir

    settings.BOINV_IMPORT_SLICE_ROWS = 2
    import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, [_stay(i) for i in range(7)]))
    rows = [_stay(i) for i in range(7)] + [f"{pnr(9)};;Enheten;Hotell;2025-02-30;;;;;"]
    with pytest.raises(ImportRefused):
        import_extract("insatser", write_csv(tmp_path / "b.csv", STAY_HEADER, rows))
    assert not list(temp_dir().glob("boinv-import-*"))


def test_a_large_file_with_quotes_inside_fields_is_refused_not_read_whole(tmp_path):
    from boendeinventering.core.ingest.read import ReadLimits

    rows = [_stay(i) for i in range(8)]
    rows[5] = _stay(5, 'Rum "A" 2')
    path = write_csv(tmp_path / "a.csv", STAY_HEADER, rows)
    small = ReadLimits(max_whole_csv_bytes=path.stat().st_size - 1)
    with pytest.raises(IngestError) as info:
        list(read_table_slices(path, slice_rows=2, limits=small))
    issue = info.value.issues[0]
    assert issue.row == 7 and "citattecken" in issue.reason and "mitt i ett fält" in issue.reason
    whole = ReadLimits(max_whole_csv_bytes=path.stat().st_size)
    assert len(list(read_table_slices(path, slice_rows=2, limits=whole))) == 1


@pytest.mark.db
@pytest.mark.django_db(transaction=True)
def test_imports_stored_before_parts_read_as_part_zero():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from boendeinventering.services.storage import frame_to_bytes

    executor = MigrationExecutor(connection)
    before, after = [("inventory", "0006_retention_and_key_fingerprint")], [("inventory", "0007_import_data_parts")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    batches = old.get_model("inventory", "ImportBatch").objects
    batch = batches.create(kind="insatser", file_name="x.csv", file_digest="d")
    old.get_model("inventory", "ImportData").objects.create(
        batch=batch, content=frame_to_bytes(pl.DataFrame({"row_no": [2, 3]})), rows=2, columns=["row_no"])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    assert ImportData.objects.get(batch_id=batch.id).part == 0
    assert batch_rows([batch.id], {"row_no": pl.Int64})["row_no"].to_list() == [2, 3]


def _read(case, n: int | None):
    from tests.test_bad_input_corpus import _limits

    limits, max_bytes = _limits(case)
    try:
        parts = list(read_table_slices(case.data(), file_name=case.file_name, encoding=case.encoding,
                                       max_bytes=max_bytes, limits=limits, slice_rows=n))
    except IngestError as exc:
        return exc.issues
    return pl.concat([p.frame for p in parts], how="vertical_relaxed"), pl.concat([p.row_numbers for p in parts])


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_bad_input_corpus_reads_alike_in_slices(case):
    whole, sliced = _read(case, None), _read(case, 2)
    if isinstance(whole, list):
        assert sliced == whole
    else:
        assert sliced[0].equals(whole[0]) and sliced[1].equals(whole[1])


def test_each_stored_surrogate_id_is_the_rows_own_pseudonym_across_slices(installed, tmp_path, settings):
    """Slices hand the store local numbers of the pseudonyms, not the digests: every stored person
    and household id must still be the Pseudonym row of that row's own identifier (personnummer
    and other ids in their own namespaces, an empty household empty), however the slices fall."""
    from boendeinventering.core.pseudonymise import pseudonymise
    from boendeinventering.services import installation

    header = "person_id;id_typ;hushall_id;enhet;insats;startdatum"
    people = [(pnr(i % 5), "") for i in range(9)] + [(f"K-{i % 4}", "annat") for i in range(7)]
    rows = [f"{p};{t};{'' if i % 3 == 0 else f'H{i % 4}'};Enheten;Hotell;2025-01-{1 + i % 28:02d}"
            for i, (p, t) in enumerate(people)]
    settings.BOINV_IMPORT_SLICE_ROWS = 3
    outcome = import_extract("insatser", write_csv(tmp_path / "a.csv", header, rows), year=2025)
    assert ImportData.objects.filter(batch=outcome.batch).count() > 3
    stored = _stored(outcome.batch, "insatser").sort("row_no")
    key = installation.key()
    ids = pl.Series([p for p, _ in people])
    expected_person = pl.select(pl.when(pl.Series([t for _, t in people]) == "annat")
                                .then(pseudonymise(ids, key, "annat"))
                                .otherwise(pseudonymise(ids, key, "pnr"))).to_series()
    households = pl.Series([None if i % 3 == 0 else f"H{i % 4}" for i in range(len(people))], dtype=pl.Utf8)
    assert stored["row_no"].to_list() == list(range(2, len(rows) + 2))
    assert stored["person_digest"].to_list() == expected_person.to_list()
    assert stored["household_digest"].to_list() == pseudonymise(households, key, "hushall").to_list()
    assert Pseudonym.objects.count() == 5 + 4 + 4  # each person and household once


def test_read_ahead_gives_every_item_in_order_made_in_a_worker_thread():
    import threading

    from boendeinventering.services.imports import _read_ahead

    made_in = []

    def items():
        for i in range(5):
            made_in.append(threading.current_thread().name)
            yield i

    assert list(_read_ahead(items())) == [0, 1, 2, 3, 4]
    assert made_in and all(name.startswith("boinv-read-ahead") for name in made_in)
    assert list(_read_ahead(iter([]))) == []


def test_read_ahead_raises_an_items_error_where_the_item_would_have_come():
    from boendeinventering.services.imports import _read_ahead

    def items():
        yield 1
        yield 2
        raise IngestError("rad 9: för lång cell")

    got = []
    with pytest.raises(IngestError, match="för lång cell"):
        for item in _read_ahead(items()):
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_closed_early_makes_at_most_one_item_more():
    from contextlib import closing

    from boendeinventering.services.imports import _read_ahead

    made = []

    def items():
        for i in range(10):
            made.append(i)
            yield i

    with closing(_read_ahead(items())) as ahead:
        assert next(ahead) == 0
    assert made in ([0], [0, 1])


def test_a_failure_while_spooling_with_a_slice_read_ahead_leaves_nothing(installed, tmp_path, settings, monkeypatch):
    from boendeinventering.services import imports
    from boendeinventering.services.tasks import temp_dir

    settings.BOINV_IMPORT_SLICE_ROWS = 2
    real, calls = imports._pseudonymised_rows, []

    def pseudonymised(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disken är full")
        return real(*args)

    monkeypatch.setattr(imports, "_pseudonymised_rows", pseudonymised)
    with pytest.raises(RuntimeError, match="disken är full"):
        import_extract("insatser", write_csv(tmp_path / "a.csv", STAY_HEADER, [_stay(i) for i in range(14)]))
    _nothing_written()
    assert not list(temp_dir().glob("boinv-import-*"))
