"""The import rules from the command line, in real subprocesses: the flags that confirm, withdraw
and reactivate, and the audit trail the CLI leaves (the same as the web app's)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


from tests.fixtures.extracts import STAY_HEADER, pnr, stays_file, write_csv
from tests.test_cli_end_to_end import ROOT, boinv



def _rows(data: Path, sql: str) -> list[tuple]:
    """Straight from the installation's SQLite file, as the CLI left it."""
    con = sqlite3.connect(data / "boinv.sqlite3")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _audit(data: Path) -> list[tuple[str, str, str]]:
    return _rows(data, "SELECT action, username, detail FROM organisation_auditevent ORDER BY id")


def _batches(data: Path) -> list[tuple[int, int, int | None]]:
    return _rows(data, "SELECT id, active, year FROM inventory_importbatch ORDER BY id")


def test_cli_confirms_columns_withdraws_reactivates_and_audits(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    header = STAY_HEADER.replace(";slutdatum;", ";Slut_datum;")
    misspelt = write_csv(tmp_path / "insatser.csv", header,
                         [f"{pnr(i)};;Mottagningsenheten;Akutboendet Tallen;2025-01-01;2025-01-09;;;;"
                          for i in range(3)])
    refused = boinv(["import", "insatser", str(misspelt), "--year", "2025"], data, tmp_path, check=False)
    assert refused.returncode == 1
    assert "Slut_datum" in refused.stderr and "slutdatum" in refused.stderr and "--accept-columns" in refused.stderr
    assert _batches(data) == []

    done = boinv(["import", "insatser", str(misspelt), "--year", "2025", "--accept-columns"], data, tmp_path)
    assert "Import 1: 3 rader importerade" in done.stdout and "inventeringsår 2025" in done.stdout
    assert "Okända kolumner som inte används: Slut_datum" in done.stdout
    assert "1 nya lokala benämningar saknar mappning: Akutboendet Tallen" in done.stdout
    again = boinv(["import", "insatser", str(misspelt), "--year", "2026", "--accept-columns"], data, tmp_path)
    assert "Import 2:" in again.stdout  # the same file for another year is another import

    out = boinv(["withdraw", "1"], data, tmp_path)
    assert "återkallad" in out.stdout and "boinv reactivate 1" in out.stdout
    assert _batches(data) == [(1, 0, 2025), (2, 1, 2026)]
    history = boinv(["history"], data, tmp_path).stdout
    assert "återkallad" in history and "2025" in history
    assert "inventeringsår 2025" in boinv(["history", "1"], data, tmp_path).stdout
    twice = boinv(["withdraw", "1"], data, tmp_path, check=False)
    assert twice.returncode == 1 and "inte aktiv" in twice.stderr
    assert "aktiv igen" in boinv(["reactivate", "1"], data, tmp_path).stdout
    assert _batches(data)[0] == (1, 1, 2025)

    empty = write_csv(tmp_path / "tom.csv", STAY_HEADER, [])
    refused = boinv(["import", "insatser", str(empty), "--year", "2025", "--replace"], data, tmp_path, check=False)
    assert refused.returncode == 1 and "--allow-empty" in refused.stderr
    assert len(_batches(data)) == 2

    boinv(["mapping", "import", str(ROOT / "docs" / "exempel" / "mappning.csv")], data, tmp_path)
    actions = [(action, user) for action, user, _ in _audit(data)]
    assert ("import", "kommandorad") in actions and ("import_refused", "kommandorad") in actions
    assert ("import_withdrawn", "kommandorad") in actions and ("import_reactivated", "kommandorad") in actions
    assert ("mapping_changed", "kommandorad") in actions
    assert not any(pnr(0) in detail or pnr(0)[2:] in detail for _, _, detail in _audit(data))


def test_cli_unprotected_export_is_in_the_audit_trail(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    boinv(["mapping", "import", str(ROOT / "docs" / "exempel" / "mappning.csv")], data, tmp_path)
    boinv(["import", "insatser", str(stays_file(tmp_path / "insatser.csv", n=12)), "--year", "2025"], data, tmp_path)
    boinv(["export", "--year", "2025", "--format", "json", "--out", str(tmp_path / "ut")], data, tmp_path)
    assert not [a for a, _, _ in _audit(data) if a == "unprotected_downloaded"]  # protected: not logged
    boinv(["export", "--year", "2025", "--format", "json", "--out", str(tmp_path / "ut"), "--unprotected"],
          data, tmp_path)
    events = [(user, detail) for action, user, detail in _audit(data) if action == "unprotected_downloaded"]
    assert len(events) == 1 and events[0][0] == "kommandorad" and "2025" in events[0][1]


def test_cli_keeps_identical_payments_when_asked(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    row = f"{pnr(0)};2025-03-01;950,00;Hotellnatt"
    path = write_csv(tmp_path / "utbetalningar.csv", "person_id;utbetalningsdatum;belopp;andamal", [row, row])
    out = boinv(["import", "utbetalningar", str(path), "--keep-identical-rows"], data, tmp_path).stdout
    assert "2 rader importerade av 2" in out and "räknades var för sig" in out
    wrong = boinv(["import", "insatser", str(stays_file(tmp_path / "s.csv")), "--keep-identical-rows"], data, tmp_path,
                  check=False)
    assert wrong.returncode == 1 and "bara utbetalningar" in wrong.stderr


def _stay_rows(first: int, count: int) -> list[str]:
    return [f"{pnr(i)};;Mottagningsenheten;Akutboendet Tallen;2025-01-01;2025-01-09;;;;"
            for i in range(first, first + count)]


def test_cli_imports_several_files_each_as_its_own_import(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    files = [write_csv(tmp_path / f"del-{n}.csv", STAY_HEADER, _stay_rows(10 * n, 3 + n)) for n in range(3)]
    out = boinv(["import", "insatser", *map(str, files), "--year", "2025"], data, tmp_path)
    assert [line for line in out.stderr.splitlines() if line.startswith("Fil ")] == [
        "Fil 1 av 3: del-0.csv", "Fil 2 av 3: del-1.csv", "Fil 3 av 3: del-2.csv"]
    for number, rows in ((1, 3), (2, 4), (3, 5)):
        assert f"Import {number}: {rows} rader importerade" in out.stdout
    assert _rows(data, "SELECT file_name, rows_imported FROM inventory_importbatch ORDER BY id") == [
        ("del-0.csv", 3), ("del-1.csv", 4), ("del-2.csv", 5)]
    # the same command again changes nothing: each file is recognised as imported
    again = boinv(["import", "insatser", *map(str, files), "--year", "2025"], data, tmp_path)
    assert again.stdout.count("Filen är redan importerad") == 3
    assert len(_batches(data)) == 3


def test_cli_several_files_stop_at_the_first_refused_and_say_which_went_in(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    good = write_csv(tmp_path / "a.csv", STAY_HEADER, _stay_rows(0, 2))
    bad = write_csv(tmp_path / "b.csv", STAY_HEADER, _stay_rows(10, 2) + [
        f"{pnr(20)};;Mottagningsenheten;Akutboendet Tallen;2025-13-01;2025-01-09;;;;"])
    never = write_csv(tmp_path / "c.csv", STAY_HEADER, _stay_rows(30, 2))
    out = boinv(["import", "insatser", str(good), str(bad), str(never), "--year", "2025"], data, tmp_path,
                check=False)
    assert out.returncode == 1
    assert "Stoppade vid fil 2 av 3 (b.csv): filerna före den (1) är importerade, de 1 efter den lästes inte." \
        in out.stderr
    assert "2025-13-01" in out.stderr  # the refused file's own error, row and value named as always
    assert "Fil 3 av 3" not in out.stderr
    assert _rows(data, "SELECT file_name FROM inventory_importbatch") == [("a.csv",)]


def test_cli_replace_takes_one_file_at_a_time(tmp_path):
    data = tmp_path / "data"
    boinv(["init", "--kommun", "0180"], data, tmp_path)
    files = [write_csv(tmp_path / f"{n}.csv", STAY_HEADER, _stay_rows(5 * n, 2)) for n in range(2)]
    out = boinv(["import", "insatser", *map(str, files), "--year", "2025", "--replace"], data, tmp_path,
                check=False)
    assert out.returncode == 2 and "--replace tar en fil åt gången; inget importerades." in out.stderr
    assert _batches(data) == []
