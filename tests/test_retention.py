"""services.retention / `boinv retention apply`: old years' rows go, their aggregates stay."""

from __future__ import annotations

import datetime as dt

import pytest

from boendeinventering.core.demo_data import load_test_numbers
from boendeinventering.inventory.models import ImportBatch, ImportData, ImportDigests, Pseudonym, ShreddedYear
from boendeinventering.services import figures, imports, retention

HEADER = "person_id;enhet;insats;startdatum;slutdatum\n"
TODAY = dt.date(2026, 3, 1)


def _people(n):
    return [p for p in load_test_numbers() if "1950" <= p[:4] <= "1999"][:n]


def _import(tmp_path, year, people, insats="akutboende", tagged=True):
    path = tmp_path / f"{year}-{insats}-{tagged}.csv"
    path.write_text(HEADER + "".join(f"{p};Mottagningen;{insats};{year}-02-01;{year}-03-01\n" for p in people),
                    encoding="utf-8")
    return imports.import_extract("insatser", path, year=year if tagged else None).batch


@pytest.fixture
def years(installed, tmp_path):
    people = _people(30)
    batches = {
        2019: _import(tmp_path, 2019, people[:10]),  # persons 0-9 only in 2019 ...
        2020: _import(tmp_path, 2020, people[10:20]),
        2024: _import(tmp_path, 2024, people[20:30]),
        2025: _import(tmp_path, 2025, people[5:15] + people[20:25]),  # ... except 5-9, back in 2025
    }
    batches["alla"] = _import(tmp_path, 2018, people[25:27], insats="hotell", tagged=False)
    return batches


def test_dry_run_changes_nothing(years):
    before = (ImportData.objects.count(), Pseudonym.objects.count())
    outcome = retention.apply(dry_run=True, today=TODAY, keep_years=5)
    assert [p.year for p in outcome.years] == [2019, 2020]
    assert [p.rows for p in outcome.years] == [10, 10]
    assert (ImportData.objects.count(), Pseudonym.objects.count()) == before
    assert not ShreddedYear.objects.exists()
    text = outcome.as_text()
    assert "Provkörning" in text and "2019: 1 importer, 10 rader gallras" in text
    assert "1 aktiva importer saknar år" in text


def test_apply_shreds_old_rows_and_keeps_aggregates(years):
    report_2025 = figures.build_report(2025, protected=False)
    outcome = retention.apply(today=TODAY, keep_years=5, user="samordnare")
    assert [p.year for p in outcome.years] == [2019, 2020]
    # the rows of 2019 and 2020 are gone; the imports' metadata stays, inactive and without logs
    assert not ImportData.objects.filter(batch_id__in=[years[2019].id, years[2020].id]).exists()
    assert not ImportDigests.objects.filter(batch_id__in=[years[2019].id, years[2020].id]).exists()  # keys too
    assert ImportDigests.objects.filter(batch_id=years[2024].id).exists()
    old = ImportBatch.objects.get(id=years[2019].id)
    assert old.active is False and old.rows_imported == 10 and old.file_name and old.issues == []
    assert ImportData.objects.filter(batch_id__in=[years[2024].id, years[2025].id, years["alla"].id]).count() == 3
    # the aggregates of a shredded year are kept: its protected report as computed before
    kept = ShreddedYear.objects.get(year=2019)
    assert kept.rows == 10 and kept.shredded_by == "samordnare"
    tables = {t["id"]: t for t in kept.report["tables"]}
    assert kept.report["protected"] is True
    assert sum(r["persons"] or 0 for r in tables["persons_by_situation"]["rows"]) == 10
    # persons seen only in shredded years lose their pseudonym: 0-4 (2019) and 15-19 (2020)
    assert outcome.pseudonyms_deleted == 10
    assert Pseudonym.objects.count() == 30 - 10
    # later years' own figures and flows do not change (flows reach back two years); the trend
    # shows only years that still have rows
    after = figures.build_report(2025, protected=False)
    trends = {"trend_by_situation", "acute_trend"}
    assert {k: t.rows for k, t in after.tables.items() if k not in trends} == \
        {k: t.rows for k, t in report_2025.tables.items() if k not in trends}
    assert [r["year"] for r in report_2025.tables["acute_trend"].rows] == [2019, 2020, 2024, 2025]
    assert [r["year"] for r in after.tables["acute_trend"].rows] == [2024, 2025]
    # running again finds nothing more to shred
    assert retention.apply(today=TODAY, keep_years=5).years == []


def test_retention_years_setting(years, settings):
    settings.BOINV_RETENTION_YEARS = 2
    assert [p.year for p in retention.plan(today=TODAY).years] == [2019, 2020]  # 2024 is kept
    settings.BOINV_RETENTION_YEARS = 1
    assert [p.year for p in retention.plan(today=TODAY).years] == [2019, 2020, 2024]
    settings.BOINV_RETENTION_YEARS = 0
    with pytest.raises(retention.RetentionError):
        retention.plan(today=TODAY)


def test_cli_retention_apply(years, capsys, settings):
    from boendeinventering.cli import _parser
    from boendeinventering.cli_commands import run

    settings.BOINV_RETENTION_YEARS = 1  # relative to today: everything before last year goes
    assert run(_parser().parse_args(["retention", "apply", "--dry-run"])) == 0
    assert "Provkörning" in capsys.readouterr().out
    assert ImportData.objects.count() == 5
    assert run(_parser().parse_args(["retention", "apply"])) == 0
    out = capsys.readouterr().out
    assert "2019: 1 importer, 10 rader gallrade" in out
    assert not ImportData.objects.filter(batch_id=years[2019].id).exists()


def _imported_on(batch, day: dt.date):
    ImportBatch.objects.filter(id=batch.id).update(
        imported_at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC))


def test_a_withdrawn_import_without_a_year_is_dated_by_its_import_and_shredded(years, tmp_path):
    people = _people(30)
    old_withdrawn = _import(tmp_path, 2017, people[:3], insats="vandrarhem", tagged=False)
    recent_withdrawn = _import(tmp_path, 2016, people[3:6], insats="campingstuga", tagged=False)
    for batch in (old_withdrawn, recent_withdrawn):
        imports.withdraw(batch.id, user="samordnare")
    _imported_on(old_withdrawn, dt.date(2019, 5, 1))  # before 2021, the first kept year in 2026
    _imported_on(recent_withdrawn, dt.date(2022, 5, 1))
    _imported_on(years["alla"], dt.date(2018, 5, 1))  # active: counts in every year, never dated

    planned = retention.plan(today=TODAY, keep_years=5)
    assert [b["id"] for b in planned.untagged_inactive] == [old_withdrawn.id]
    assert "Utan år: 1 återkallade eller ersatta importer från före 2021, 3 rader gallras" in planned.as_text()

    outcome = retention.apply(today=TODAY, keep_years=5, user="samordnare")
    assert not ImportData.objects.filter(batch_id=old_withdrawn.id).exists()
    assert not ImportDigests.objects.filter(batch_id=old_withdrawn.id).exists()
    assert ImportData.objects.filter(batch_id__in=[recent_withdrawn.id, years["alla"].id]).count() == 2
    assert "3 rader gallrade" in outcome.as_text()
    # shredded, it cannot come back as an empty active import, neither asked for nor by importing the file again
    with pytest.raises(ValueError, match="är gallrad"):
        imports.reactivate(old_withdrawn.id)
    again = tmp_path / "2017-vandrarhem-False.csv"
    with pytest.raises(ValueError, match="är gallrad"):
        imports.import_extract("insatser", again, year=None)
    assert ImportBatch.objects.get(id=old_withdrawn.id).active is False
    assert retention.plan(today=TODAY, keep_years=5).untagged_inactive == []


def test_the_web_says_a_shredded_import_cannot_come_back(years, client):
    from django.urls import reverse

    from boendeinventering.organisation.models import Role
    from boendeinventering.services.users import create_user

    retention.apply(today=TODAY, keep_years=5)
    client.force_login(create_user("samordnare-g", Role.COORDINATOR, password="x-långt-lösenord-123"))
    response = client.post(reverse("web:import_reactivate", args=[years[2019].id]), follow=True)
    assert response.status_code == 200
    assert f"Import {years[2019].id} är gallrad" in response.content.decode()
    assert ImportBatch.objects.get(id=years[2019].id).active is False
