#!/usr/bin/env python
"""Django's management commands for Boendeinventering (collectstatic, check --deploy, migrate, ...)."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boendeinventering.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # a bad BOINV_* setting: one line, no traceback
        print(exc, file=sys.stderr)
        sys.exit(2)
