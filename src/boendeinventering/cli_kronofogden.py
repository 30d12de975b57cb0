"""`boinv import kronofogden FIL`: Kronofogden's eviction statistics for comparison (docs/format.md).

`boinv import` offers it beside the extract kinds; cli_commands._import hands it here."""

from __future__ import annotations

import argparse

from boendeinventering.cli_commands import CLI_USER
from boendeinventering.cli_output import EXIT_ERROR, EXIT_OK
from boendeinventering.cli_output import err as _err


def run(args: argparse.Namespace) -> int:
    """Import the file (all or nothing; the same file twice changes nothing) and say what changed."""
    from boendeinventering.core.ingest import IngestError
    from boendeinventering.reporting.services import import_kronofogden

    (path,) = args.files  # one file: cli_commands refuses more
    try:
        counts = import_kronofogden(path.read_bytes(), CLI_USER, file_name=path.name)
    except IngestError as exc:
        _err("Kronofogdens statistik importerades inte; inget ändrades:")
        for issue in exc.issues:
            _err("  " + issue.as_text())
        return EXIT_ERROR
    print(f"Kronofogdens statistik ({path.name}): {counts['new']} nya år, {counts['changed']} ändrade, "
          f"{counts['unchanged']} oförändrade. {counts['other_rows']} rader för andra kommuner lämnades utan avseende.")
    return EXIT_OK
