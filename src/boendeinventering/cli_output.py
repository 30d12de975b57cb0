"""Exit codes and the error line of `boinv`, shared by cli.py (parsing, Django setup, the error
wrapper) and cli_commands.py (the commands): both import this module, neither imports the other
at module level, so the two import one way (cli → cli_commands)."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
