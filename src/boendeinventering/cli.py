"""`boinv`: the command line (SPEC 6). Messages to the user are Swedish."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from boendeinventering.cli_output import EXIT_ERROR, EXIT_USAGE
from boendeinventering.cli_output import err as _err


def _setup_django() -> None:
    from boendeinventering.cli_setup import setup_django

    setup_django()


def _load_settings() -> None:
    from boendeinventering.cli_setup import load_settings

    load_settings()


def _export_format(value: str) -> str:
    """``--format``, checked against the exporter registry only when ``export`` is parsed: the
    registry loads the report writers, which every other verb's start would pay for."""
    from boendeinventering.core.report.exporters import UnknownFormatError, get_exporter

    try:
        return get_exporter(value).identifier
    except UnknownFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    from boendeinventering.core.taxonomy import EXTRACT_KINDS, FILE_ENCODINGS  # one definition each

    parser = argparse.ArgumentParser(
        prog="boinv",
        description="Boendeinventering – årlig inventering av socialtjänstens insatser för boende.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    p = sub.add_parser("init", help="skapa datakatalog, nyckel och databas")
    p.add_argument("--kommun", required=True, help="SCB:s kommunkod, fyra siffror")

    p = sub.add_parser("import", help=f"importera ett uttag ({', '.join(EXTRACT_KINDS)}) eller Kronofogdens "
                       "statistik över avhysningar (kronofogden)")
    p.add_argument("kind", choices=[*EXTRACT_KINDS, "kronofogden"])
    p.add_argument("files", nargs="+", type=Path, metavar="FIL",
                   help="en eller flera filer av samma slag; var och en blir en egen import (t.ex. en per kommun)")
    p.add_argument("--year", type=int, help="inventeringsåret uttaget gäller (standard: alla år); "
                   "ett år räknas bara med uttag för det året eller alla år")
    p.add_argument("--replace", action="store_true", help="ersätt tidigare importer av samma slag (och år)")
    p.add_argument("--skip-invalid", action="store_true", help="importera de korrekta raderna, logga de felaktiga")
    p.add_argument("--encoding", choices=list(FILE_ENCODINGS))
    p.add_argument("--delimiter", choices=[";", ","])
    p.add_argument("--accept-columns", action="store_true",
                   help="importera trots kolumner som liknar kända kolumner eller som tidigare importer hade")
    p.add_argument("--allow-empty", action="store_true", help="importera en fil utan datarader (uttaget ska vara tomt)")
    p.add_argument("--keep-identical-rows", action="store_true",
                   help="utbetalningar: räkna identiska rader var för sig (två lika utbetalningar kan vara två)")

    p = sub.add_parser("withdraw", help="återkalla en import (den räknas inte längre men finns kvar i historiken)")
    p.add_argument("batch", type=int, help="importens nummer (se boinv history)")

    p = sub.add_parser("reactivate", help="gör en ersatt eller återkallad import aktiv igen")
    p.add_argument("batch", type=int, help="importens nummer (se boinv history)")
    p.add_argument("--replace", action="store_true",
                   help="de andra aktiva importerna av samma slag och år ersätts av den")

    p = sub.add_parser("mapping", help="mappning av lokala benämningar till standardkoder")
    msub = p.add_subparsers(dest="mapping_command", required=True, metavar="ÅTGÄRD")
    mp = msub.add_parser("import", help="läs in en mappningsfil (lokal_benamning;kod)")
    mp.add_argument("file", type=Path)
    msub.add_parser("list", help="visa mappningen")
    msub.add_parser("unmapped", help="visa benämningar som saknar mappning, med förslag")

    p = sub.add_parser("export", help="skriv årets tabeller")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", type=_export_format, default="json",
                   help="docx (Word), pdf, xlsx (Excel), html eller json")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--unprotected", action="store_true",
                   help="utan röjandeskydd (endast intern kvalitetssäkring)")
    p.add_argument("--reference-date", type=dt.date.fromisoformat, help="referensdatum (standard: 31 december)")

    p = sub.add_parser("quality", help="datakvalitet för ett år")
    p.add_argument("--year", type=int, required=True)

    p = sub.add_parser("audit", help="granska röjandeskyddet (LP-revision) för ett år")
    p.add_argument("--year", type=int, required=True)

    p = sub.add_parser("history", help="importhistorik; med ett importnummer: den importens logg")
    p.add_argument("batch", nargs="?", type=int, help="visa avvisade rader och okända kolumner för denna import")

    p = sub.add_parser("demo", help="skapa en fiktiv kommuns uttag, importera dem och skriv alla rapporter")
    p.add_argument("--persons", type=int, default=1500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--out", type=Path, default=Path("demo"))

    p = sub.add_parser("retention", help="gallring av gamla års pseudonymiserade rader (docs/gallring.md)")
    rsub = p.add_subparsers(dest="retention_command", required=True, metavar="ÅTGÄRD")
    rp = rsub.add_parser("apply", help="gallra år äldre än BOINV_RETENTION_YEARS")
    rp.add_argument("--dry-run", action="store_true", help="visa vad som skulle gallras utan att ändra något")

    p = sub.add_parser("serve", help="starta webbgränssnittet (inbyggd server)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1", help="adress att lyssna på (standard: bara den egna datorn)")
    p.add_argument("--workers", type=int, default=None,
                   help="antal serverprocesser (standard: 2 på Linux/macOS med minst två kärnor, annars 1)")

    p = sub.add_parser("worker", help="kör bakgrundsimporter från kön (boinv serve startar en själv)")
    p.add_argument("--once", action="store_true", help="kör det som väntar och avsluta")
    p.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)

    p = sub.add_parser("user", help="hantera användare")
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ÅTGÄRD")
    up = usub.add_parser("create", help="skapa en användare med en roll")
    up.add_argument("name")
    up.add_argument("--role", required=True, choices=["administrator", "coordinator", "reporter", "reader"])
    up.add_argument("--unit", help="enhet (krävs för rapportörer)")
    up.add_argument("--password", help="lösenord (annars frågas det efter, eller tas från BOINV_PASSWORD)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        from boendeinventering.cli_commands import WITHOUT_SETUP, run

        try:
            # The settings are read (and checked) before any verb; Django is set up except for
            # the verbs that answer without it (cli_history.py), which set it up if they need it.
            if args.command in WITHOUT_SETUP:
                _load_settings()
            else:
                _setup_django()
        except ImproperlyConfigured as exc:  # a bad setting: one line, no traceback
            _err(str(exc))
            return EXIT_USAGE

        return run(args)
    except KeyboardInterrupt:
        _err("Avbrutet.")
        return 130
    except BrokenPipeError:
        # The reader went away (`boinv audit … | head`, or less quit early): not an error to report.
        # Python would complain again when it flushes stdout at exit, so stdout is pointed nowhere.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - one Swedish line for the user, details in the log
        return _report_failure(exc)


def _report_failure(exc: Exception) -> int:
    """Known failures (a key problem, a file that cannot be opened, ...) become one Swedish line;
    anything else is logged with personnummer masked and the user gets a short line, never a
    traceback that could quote a personnummer or bewilder a coordinator."""
    from boendeinventering.core.masking import mask_in_text

    known = _known_failure(exc)
    if known is not None:
        _err(mask_in_text(known))
        return EXIT_ERROR
    _log_to_file(exc)
    _err(f"Ett oväntat fel inträffade ({type(exc).__name__}); inget mer gjordes. "
         "Detaljerna finns i loggen (datakatalogen/logs/boinv.log).")
    return EXIT_ERROR


def _log_to_file(exc: Exception) -> None:
    """The traceback goes to the log file only (its handler masks personnummer): the console
    handler would print it to the user as well."""
    import logging

    try:
        logger = logging.getLogger("boendeinventering.cli")
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 0, "oväntat fel i boinv", (),
                                   (type(exc), exc, exc.__traceback__))
        for handler in logging.getLogger("boendeinventering").handlers:
            handler.handle(record)
    except Exception:  # noqa: BLE001 - logging itself may be what is broken
        pass


def _known_failure(exc: Exception) -> str | None:
    from boendeinventering.core.pseudonymise import PseudonymKeyError

    if isinstance(exc, PseudonymKeyError):
        return str(exc)
    try:
        from boendeinventering.services.installation import SetupError

        if isinstance(exc, SetupError):
            return str(exc)
    except Exception:  # noqa: BLE001 - Django may be what failed to start
        pass
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} är en katalog, inte en fil. Ange sökvägen till en fil."
    if isinstance(exc, FileNotFoundError):
        return f"Filen eller katalogen {exc.filename} finns inte."
    if isinstance(exc, PermissionError):
        return f"Behörighet saknas för {exc.filename or 'en fil eller katalog'} (kontrollera rättigheterna)."
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"Fel vid läsning eller skrivning{where}: {exc.strerror or type(exc).__name__}."
    try:
        from django.core.exceptions import ImproperlyConfigured
        from django.db import DatabaseError

        if isinstance(exc, ImproperlyConfigured):
            return f"Felaktig inställning: {exc}"
        if isinstance(exc, DatabaseError):
            _log_to_file(exc)
            if _missing_tables(exc):
                from boendeinventering.services.installation import NOT_INITIALISED

                return NOT_INITIALISED
            return (f"Databasen kunde inte användas ({type(exc).__name__}). Kontrollera BOINV_DATABASE_URL "
                    "och att databasservern är igång; detaljer i loggen.")
    except Exception:  # noqa: BLE001
        pass
    return None


def _missing_tables(exc: Exception) -> bool:
    """A database without the installation's tables: `init` not run (or not after an upgrade).
    SQLite creates an empty database file on first use, so what a forgotten `init` shows is a table
    that is not there, not a connection that fails."""
    text = str(exc)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


if __name__ == "__main__":
    sys.exit(main())
