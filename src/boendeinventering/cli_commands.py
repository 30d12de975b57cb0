"""What each `boinv` verb does, once Django is set up. Thin: the work is in services.

Services are imported inside the verbs that use them: Polars, SciPy (disclosure control) and the
import pipeline take most of a second to load, and `boinv history` or `boinv init` need none of
them (the startup test in tests/test_cli_startup.py keeps it so)."""

from __future__ import annotations

import argparse
import sys

from boendeinventering.cli_output import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from boendeinventering.cli_output import err as _err

# Who the audit trail and the import history name for what is done on the command line.
CLI_USER = "kommandorad"
# Verbs cli.main does not set Django up for: they read the settings and set it up only if they
# need it (cli_history.py).
WITHOUT_SETUP = frozenset({"history"})


def run(args: argparse.Namespace) -> int:
    handler = _HANDLERS[args.command]
    try:
        return handler(args)
    except Exception as exc:
        if not _explain(exc):
            raise  # anything else, a missing file or a key problem included, is worded by cli.main's wrapper
    return EXIT_ERROR


def _loaded(module: str, name: str) -> type:
    """The class ``module.name`` if that module has been imported, else a class nothing is an
    instance of: a verb that never loaded a module cannot have raised its errors, and importing
    it just to test would load what the lazy imports spared."""
    loaded = sys.modules.get(module)
    return getattr(loaded, name) if loaded is not None else _NeverRaised


class _NeverRaised(Exception):
    pass


def _explain(exc: Exception) -> bool:
    """Print the known errors of the verbs in Swedish; False for anything else."""
    if isinstance(exc, _loaded("boendeinventering.services.installation", "SetupError")):
        _err(str(exc))
    elif isinstance(exc, _loaded("boendeinventering.core.ingest.issues", "IngestError")):
        _err("Filen kunde inte läsas:")
        for issue in exc.issues:
            _err("  " + issue.as_text())
    elif isinstance(exc, _loaded("boendeinventering.services.imports", "ImportRefused")):
        _err(str(exc))
        _err("Fel:")
        for issue in exc.issues:
            _err("  " + issue.as_text())
    elif isinstance(exc, _loaded("boendeinventering.services.imports", "ConfirmationNeeded")):
        _err(str(exc))
        for issue in exc.issues:
            _err("  " + issue.as_text())
    elif isinstance(exc, _loaded("boendeinventering.core.classify", "UnmappedNamesError")):
        _print_unmapped(exc.names)
    elif isinstance(exc, _loaded("boendeinventering.core.protect.audit", "DisclosureError")):
        _err(str(exc))
    elif isinstance(exc, ValueError):
        _err(f"Fel: {exc}")
    else:
        return False
    return True


def _print_unmapped(names: list[tuple[str, str]]) -> None:
    from boendeinventering.services import mapping

    _err(f"{len(names)} lokala benämningar saknar mappning till en standardkod, så siffrorna kan inte tas fram.")
    _err("Lägg till dem i mappningsfilen (lokal_benamning;kod) och kör `boinv mapping import FIL`. Förslag:")
    for name, code in names:
        _err("  " + mapping.spreadsheet_line(name, code))


def _init(args) -> int:
    from boendeinventering.services import installation

    outcome = installation.init_installation(args.kommun)
    print(f"Datakatalog: {outcome.data_dir}")
    print(f"Kommun: {outcome.kommun} {outcome.kommun_name}")
    print("Nyckel för pseudonymisering skapad." if outcome.key_created else "Befintlig nyckel används.")
    print("Förvara nyckeln säkert och ta säkerhetskopia: utan den kan personer inte följas mellan år.")
    print("Byt inte nyckel mellan år: med en ny nyckel får alla personer nya pseudonymer, och flöden "
          "mellan år (nya, återkommande, vart personer tog vägen) visas då inte för de åren.")
    return EXIT_OK


def _import(args) -> int:
    if len(args.files) > 1 and (args.kind == "kronofogden" or args.replace):
        # --replace: each file would replace the one imported just before it
        what = "Kronofogdens statistik" if args.kind == "kronofogden" else "--replace"
        _err(f"{what} tar en fil åt gången; inget importerades.")
        return EXIT_USAGE
    if args.kind == "kronofogden":  # public statistics for comparison, not an extract (docs/format.md)
        from boendeinventering.cli_kronofogden import run as import_kronofogden

        return import_kronofogden(args)
    if len(args.files) == 1:
        return _import_file(args, args.files[0])
    # Several files, one process (a region's municipalities, a season's parts): each is its own
    # import, all or nothing as always; the first that fails stops the rest, and the user is told
    # which went in before it.
    total = len(args.files)
    for number, path in enumerate(args.files, start=1):
        _err(f"Fil {number} av {total}: {path.name}")
        try:
            _import_file(args, path)
        except BaseException:
            done = f"filerna före den ({number - 1}) är importerade" if number > 1 else "ingen fil importerades"
            rest = f", de {total - number} efter den lästes inte" if number < total else ""
            _err(f"Stoppade vid fil {number} av {total} ({path.name}): {done}{rest}.")
            raise
    return EXIT_OK


def _import_file(args, path) -> int:
    from django.utils.timezone import localtime

    from boendeinventering.services import imports

    outcome = imports.import_extract(
        args.kind, path, replace=args.replace, skip_invalid=args.skip_invalid,
        encoding=args.encoding, delimiter=args.delimiter, user=CLI_USER, year=args.year,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
        accept_columns=args.accept_columns, allow_empty=args.allow_empty,
        keep_identical_rows=args.keep_identical_rows,
    )
    batch = outcome.batch
    if not outcome.created:
        if outcome.reactivated or outcome.replaced:
            print(imports.done_message(outcome))
        else:
            print(f"Filen är redan importerad för {args.kind} och {_year(batch.year)} (import {batch.id}, "
                  f"{localtime(batch.imported_at):%Y-%m-%d %H:%M}). Inget ändrades.")
        for warning in outcome.warnings:
            print("Varning: " + warning)
        return EXIT_OK
    result = outcome.validation
    # Only a CSV has a delimiter; an Excel file has no encoding to report (the reader says utf-8).
    read_as = f"{batch.encoding}, avgränsare {batch.delimiter}" if batch.delimiter else "Excel"
    print(f"Import {batch.id}: {batch.rows_imported} rader importerade av {batch.rows_read} lästa "
          f"({args.kind}, {_year(batch.year)}, {read_as}).")
    if batch.rows_invalid:
        print(f"{batch.rows_invalid} felaktiga rader importerades inte; de finns med orsak i importloggen:")
        for issue in result.issues:
            print("  " + issue.as_text())
    if batch.rows_duplicate:
        print(f"{batch.rows_duplicate} rader var identiska med en tidigare rad i filen och räknades en gång "
              f"(rad {', '.join(map(str, result.duplicate_rows[:20]))}{' …' if batch.rows_duplicate > 20 else ''}).")
    if outcome.identical_kept:
        print(f"{outcome.identical_kept} rader var identiska med en annan rad i filen och räknades var för sig "
              "(--keep-identical-rows).")
    if batch.unknown_columns:
        print(f"Okända kolumner som inte används: {', '.join(batch.unknown_columns)}")
    if outcome.replaced:
        print(f"Ersätter tidigare import {', '.join(map(str, outcome.replaced))} (finns kvar i historiken).")
    if outcome.new_unmapped:
        print(f"{len(outcome.new_unmapped)} nya lokala benämningar saknar mappning: {', '.join(outcome.new_unmapped)}. "
              "Visa förslag med `boinv mapping unmapped` och läs in dem med `boinv mapping import FIL`.")
    for warning in outcome.warnings:
        print("Varning: " + warning)
    return EXIT_OK


def _year(year: int | None) -> str:
    from boendeinventering.cli_history import year_text

    return year_text(year)


def _withdraw(args) -> int:
    from boendeinventering.services import imports

    batch = imports.withdraw(args.batch, user=CLI_USER)
    print(f"Import {batch.id} ({batch.kind}, {_year(batch.year)}, {batch.file_name}) är återkallad: dess "
          f"{batch.rows_imported} rader räknas inte längre. Den finns kvar i historiken; "
          f"`boinv reactivate {batch.id}` gör den aktiv igen.")
    return EXIT_OK


def _reactivate(args) -> int:
    from boendeinventering.services import imports

    outcome = imports.reactivate(args.batch, replace=True if args.replace else None, user=CLI_USER)
    print(imports.done_message(outcome))
    for warning in outcome.warnings:
        print("Varning: " + warning)
    return EXIT_OK


def _mapping(args) -> int:
    from boendeinventering.core.taxonomy import CODE_NAMES_SV
    from boendeinventering.services import mapping

    if args.mapping_command == "import":
        outcome = mapping.import_mapping(args.file, user=CLI_USER)
        print(f"Mappning inläst: {outcome.created} nya, {outcome.changed} ändrade, {outcome.unchanged} oförändrade.")
        return EXIT_OK
    if args.mapping_command == "list":
        for name, code in mapping.current_mapping().items():
            print(f"{name};{code}\t({CODE_NAMES_SV.get(code, code)})")
        return EXIT_OK
    unmapped = mapping.unmapped_with_suggestions()
    if not unmapped:
        print("Alla lokala benämningar i importerade uttag har en mappning.")
        return EXIT_OK
    print("lokal_benamning;kod  (föreslagen kod – kontrollera innan du läser in)")
    for name, code in unmapped:
        print(mapping.spreadsheet_line(name, code))
    return EXIT_ERROR


def _export(args) -> int:
    from boendeinventering.services import figures

    path = figures.export(args.year, args.format, args.out, unprotected=args.unprotected,
                          reference_date=args.reference_date, user=CLI_USER)
    if args.unprotected:
        kind = "UTAN röjandeskydd (endast internt)"
    elif figures.published_report(args.year) is not None and args.reference_date is None:
        kind = "röjandeskyddad, den publicerade versionen"
    else:
        kind = "röjandeskyddad, EJ PUBLICERAD – förhandsversion med dagens siffror"
    print(f"Skrev {path} ({kind}).")
    from boendeinventering.services.storage import active_batches

    if not active_batches("insatser", args.year).exists():
        # A mistyped year (2052 for 2025) otherwise gave a tidy report of empty tables, said nothing.
        _err(f"Varning: inga uttag av insatser gäller {args.year}, så rapportens tabeller från uttagen är tomma. "
             "Kontrollera --year; boinv history visar importerna och deras år.")
    return EXIT_OK


def _quality(args) -> int:
    from boendeinventering.services import audit, figures

    report = figures.build_report(args.year, protected=False)
    # As the web's quality page: whoever reads it is in the audit trail, whichever interface.
    audit.record(CLI_USER, audit.QUALITY_VIEWED, f"Datakvalitet, {args.year}")
    width = max(len(r["indicator"]) for r in report.quality.rows)
    print(f"Datakvalitet {args.year}")
    for row in report.quality.rows:
        print(f"  {row['indicator']:<{width}}  {format(row['value'], ',').replace(',', ' '):>10}")
    return EXIT_OK


def _audit(args) -> int:
    from boendeinventering.services import audit, figures

    ok, text = figures.audit_year(args.year)
    # The audit lists every hidden cell's true value: a view of unprotected figures, logged as the
    # web's unprotected tables are.
    audit.record(CLI_USER, audit.UNPROTECTED_VIEWED, f"Granskning av röjandeskyddet, {args.year}")
    print(text)
    return EXIT_OK if ok else EXIT_ERROR


def _history(args) -> int:
    from boendeinventering.cli_history import quick_history
    from boendeinventering.cli_setup import django_ready, setup_django

    # Without Django when this process has not set it up (0.5 s of the command's 0.6 s); the ORM
    # answers otherwise, and whenever the quick read cannot (then with its usual messages).
    lines = None if django_ready() else quick_history(args.batch)
    if lines is None:
        if not django_ready():
            setup_django()
        lines = _history_lines(args.batch)
    if lines is None:
        _err(f"Det finns ingen import med nummer {args.batch}.")
        return EXIT_ERROR
    for line in lines:
        print(line)
    return EXIT_OK


def _history_lines(batch_id: int | None) -> list[str] | None:
    from django.utils.timezone import get_current_timezone

    from boendeinventering.cli_history import batch_lines, list_lines
    from boendeinventering.inventory.models import ImportBatch

    if batch_id is None:
        return list_lines(ImportBatch.objects.order_by("id"), get_current_timezone())
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    return batch_lines(batch, get_current_timezone()) if batch is not None else None


def _demo(args) -> int:
    from boendeinventering.services.demo import run_demo

    run_demo(args.out, persons=args.persons, seed=args.seed, year=args.year)
    return EXIT_OK


def _retention(args) -> int:
    from boendeinventering.services import installation, retention

    try:
        installation.current_installation()
        outcome = retention.apply(dry_run=args.dry_run, user="boinv")
    except retention.RetentionError as exc:
        _err(str(exc))
        return EXIT_ERROR
    print(outcome.as_text())
    return EXIT_OK


def _serve(args) -> int:
    from boendeinventering.web.serve import serve

    # Checked before anything starts: otherwise the server announced itself as running and then
    # gunicorn retried in English for seconds before giving up.
    problem = _listen_problem(args.host, args.port)
    if problem:
        _err(problem)
        return EXIT_ERROR
    serve(host=args.host, port=args.port, workers=args.workers)
    return EXIT_OK


def _listen_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, in one Swedish line, or None."""
    import errno
    import os
    import socket

    if not 0 < port < 65536:
        return f"Porten {port} finns inte; välj en port mellan 1024 och 65535 (--port)."
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError, IndexError):
        return f"Adressen {host} finns inte (--host); utan --host lyssnar servern bara på den egna datorn."
    with socket.socket(family, kind, proto) as probe:
        if os.name == "posix":
            # As the servers bind: a port left in TIME_WAIT by a stopped server is free to use.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)):
                return (f"Porten {port} på {host} används redan av ett annat program (kanske en boinv serve "
                        f"som redan körs). Stoppa det, eller välj en annan port: boinv serve --port {port + 1}")
            return (f"Servern kan inte lyssna på {host}:{port} ({exc.strerror or exc}); "
                    "välj en annan --port eller --host.")
    return None


def _worker(args) -> int:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("worker", once=args.once, parent=args.parent)
    except CommandError as exc:
        _err(str(exc))
        return EXIT_ERROR
    return EXIT_OK


def _user(args) -> int:
    import getpass
    import os

    from boendeinventering.services.users import UserError, create_user

    password = args.password or os.environ.get("BOINV_PASSWORD")
    if not password and sys.stdin.isatty():
        password = getpass.getpass("Lösenord: ")
        if password != getpass.getpass("Upprepa lösenordet: "):
            _err("Lösenorden är olika.")
            return EXIT_ERROR
    try:
        user = create_user(args.name, args.role, unit=args.unit, password=password or None)
    except UserError as exc:
        _err(str(exc))
        return EXIT_ERROR
    from boendeinventering.organisation.models import Role

    how = "med lösenord" if password else "utan lösenord (endast inloggning via SSO)"
    print(f"Användaren {user.username} är skapad som {str(Role(args.role).label).lower()} {how}.")
    return EXIT_OK


_HANDLERS = {
    "init": _init,
    "import": _import,
    "mapping": _mapping,
    "export": _export,
    "quality": _quality,
    "audit": _audit,
    "history": _history,
    "withdraw": _withdraw,
    "reactivate": _reactivate,
    "demo": _demo,
    "serve": _serve,
    "retention": _retention,
    "user": _user,
    "worker": _worker,
}
