"""`boinv`: the command line (SPEC 6). Messages to the user are Swedish."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boendeinventering.settings")
    import django

    django.setup()


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boinv",
        description="Boendeinventering – årlig inventering av socialtjänstens insatser för boende.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    p = sub.add_parser("init", help="skapa datakatalog, nyckel och databas")
    p.add_argument("--kommun", required=True, help="SCB:s kommunkod, fyra siffror")

    p = sub.add_parser("import", help="importera ett uttag (insatser, utbetalningar, skuldradgivning)")
    p.add_argument("kind", choices=["insatser", "utbetalningar", "skuldradgivning"])
    p.add_argument("file", type=Path)
    p.add_argument("--year", type=int, help="inventeringsåret uttaget gäller (standard: alla år); "
                   "ett år räknas bara med uttag för det året eller alla år")
    p.add_argument("--replace", action="store_true", help="ersätt tidigare importer av samma slag (och år)")
    p.add_argument("--skip-invalid", action="store_true", help="importera de korrekta raderna, logga de felaktiga")
    p.add_argument("--encoding", choices=["utf-8", "utf-8-sig", "cp1252", "latin-1"])
    p.add_argument("--delimiter", choices=[";", ","])

    p = sub.add_parser("mapping", help="mappning av lokala benämningar till standardkoder")
    msub = p.add_subparsers(dest="mapping_command", required=True, metavar="ÅTGÄRD")
    mp = msub.add_parser("import", help="läs in en mappningsfil (lokal_benamning;kod)")
    mp.add_argument("file", type=Path)
    msub.add_parser("list", help="visa mappningen")
    msub.add_parser("unmapped", help="visa benämningar som saknar mappning, med förslag")

    p = sub.add_parser("export", help="skriv årets tabeller")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=["json", "xlsx", "html"], default="json")
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
    _setup_django()
    from boendeinventering.cli_commands import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
