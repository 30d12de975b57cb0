"""`boinv demo`: a fictional municipality's year, end to end, as a coordinator would run it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from boendeinventering.core.demo_data import DEMO_YEARS, generate_demo_years
from boendeinventering.inventory.models import Installation
from boendeinventering.services import figures, imports, installation, mapping

DEMO_KOMMUN = "0380"  # a real SCB code is required; the data itself is entirely fictional
DEMO_KOMMUN_NAME = "Exempelkommun (fiktiva uppgifter)"


def run_demo(out: Path, *, persons: int = 1500, seed: int = 1, year: int = 2025, echo=print,
             years: int = len(DEMO_YEARS)) -> dict[str, Path]:
    """``years`` inventory years ending with ``year`` (default 2023-2025), the same persons recurring,
    so the report shows trends and flows (SPEC 8); every year is imported with its own --year."""
    out = Path(out).resolve()
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    existing = Installation.objects.first() if _has_tables() else None
    outcome = installation.init_installation(existing.kommun if existing else DEMO_KOMMUN)
    if not existing:
        # a real code is needed for the format, but no real municipality's name on fictional data
        Installation.objects.update(kommun_name=DEMO_KOMMUN_NAME)
        outcome.kommun_name = DEMO_KOMMUN_NAME
    echo(f"Datakatalog: {outcome.data_dir} (kommun {outcome.kommun} {outcome.kommun_name})")

    all_years = tuple(range(year - years + 1, year + 1))
    generated = generate_demo_years(out / "uttag", years=all_years, persons=persons, seed=seed)
    echo(f"Uttag för {all_years[0]}–{all_years[-1]} skapade i {out / 'uttag'} (samma personer återkommer; "
         "cp1252, semikolon, decimalkomma – som från ett verksamhetssystem)")
    result = mapping.import_mapping(generated[year].mapping, user="demo")
    echo(f"Mappning: {result.created} nya, {result.changed} ändrade benämningar")
    for each_year, files in generated.items():
        echo(f"  {each_year}:")
        for kind, path in (("insatser", files.insatser), ("utbetalningar", files.utbetalningar),
                           ("skuldradgivning", files.skuldradgivning), ("platser", files.platser)):
            imported = imports.import_extract(kind, path, user="demo", replace=True, year=each_year)
            state = (f"{imported.batch.rows_imported} rader importerade" if imported.created
                     else "redan importerad, oförändrad")
            echo(f"    {kind}: {state}")

    # Units, users and a few units' submitted forms first: the report's answers draw on the forms.
    from boendeinventering.core.report.exporters import EXPORTERS
    from boendeinventering.organisation.models import Role
    from boendeinventering.services.demo_forms import submit_demo_forms
    from boendeinventering.services.users import create_demo_users

    demo_users = create_demo_users(year=year)
    submitted = sum(submit_demo_forms(each_year, year) for each_year in all_years)
    echo(f"Kompletterande underlag: {submitted} formulär inskickade av demoenheterna" if submitted
         else "Kompletterande underlag: demoenheternas formulär är redan inskickade")
    _import_demo_kronofogden(out, all_years, echo)
    # Published as a coordinator would, so the files are the version readers see.
    figures.publish_year(year, "demo")
    written: dict[str, Path] = {}
    reports = out / "rapporter"
    internal = out / "internt-ej-for-publicering"
    reports.mkdir(parents=True, exist_ok=True)
    internal.mkdir(parents=True, exist_ok=True)
    for earlier in all_years[:-1]:  # earlier years' reports (previews: only the latest year is published)
        written[f"html-{earlier}"] = figures.export(earlier, "html", reports / f"inventering-{earlier}.html")
    for fmt, exporter in EXPORTERS.items():
        written[fmt] = figures.export(year, fmt, reports / f"inventering-{year}.{exporter.extension}")
    for fmt in ("html", "xlsx", "json"):
        written[f"{fmt}-internal"] = figures.export(
            year, fmt, internal / f"inventering-{year}-ej-rojandeskyddad.{fmt}", unprotected=True)
    echo("Rapporter (röjandeskyddade och publicerade):")
    for fmt, exporter in EXPORTERS.items():
        echo(f"  {exporter.verbose_name:<20} {written[fmt]}")
    echo("Interna rapporter UTAN röjandeskydd (får inte publiceras):")
    for fmt in ("html", "xlsx", "json"):
        echo(f"  {written[fmt + '-internal']}")
    echo(f"Databas och nyckel: {settings.DATA_DIR}")

    echo("")
    echo("Webbgränssnittet: starta det med")
    echo(f"  BOINV_DATA_DIR={settings.DATA_DIR} .venv/bin/boinv serve --port 8000")
    echo("och öppna http://127.0.0.1:8000/ . Demoanvändare (lösenorden gäller bara demon):")
    for username, password, role, unit in demo_users:
        echo(f"  {username:<12} {password:<32} {Role(role).label}{' – ' + unit if unit else ''}")
    echo(f"Rapportens svar på metodstödets tio frågor, behovssignaler och samordnarens texter (samordnare): "
         f"http://127.0.0.1:8000/ar/{year}/svar/")
    return written


def _import_demo_kronofogden(out: Path, years: tuple[int, ...], echo) -> None:
    """The demo's Kronofogden file, written beside the extracts and imported as a coordinator would."""
    from boendeinventering.reporting.services import import_kronofogden
    from boendeinventering.services.demo_forms import demo_kronofogden_csv

    path = out / "uttag" / "kronofogden-avhysningar.csv"
    path.write_bytes(demo_kronofogden_csv(installation.current_installation().kommun, years))
    counts = import_kronofogden(path.read_bytes(), "demo", file_name=path.name)
    echo(f"Kronofogdens statistik ({path.name}): {counts['new']} nya år, {counts['changed']} ändrade, "
         f"{counts['unchanged']} oförändrade; {counts['other_rows']} rader för andra kommuner lämnades utan avseende")


def _has_tables() -> bool:
    from django.db import connection

    return Installation._meta.db_table in connection.introspection.table_names()
