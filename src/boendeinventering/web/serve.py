"""`boinv serve`: the embedded web server for one machine (loopback by default).

waitress rather than Django's runserver: runserver is documented as unfit for anything but
development (single-purpose, unhardened), whereas waitress is a production WSGI server in pure
Python that also runs on Windows, where many municipal servers are. Static files are served by
WhiteNoise from the application itself, so no collectstatic or web server is needed here.
For a shared installation, see docs/drift.md (gunicorn behind the municipality's web server)."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management import call_command


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8) -> None:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    from waitress import serve as waitress_serve

    from boendeinventering.services.tasks import recover_after_restart

    if recover_after_restart():
        print("Avbrutna importer från förra körningen är markerade som misslyckade.", file=sys.stderr)

    from boendeinventering.wsgi import application

    if host not in ("127.0.0.1", "localhost", "::1") and not settings.PRODUCTION:
        print("Varning: servern lyssnar på annat än den egna datorn utan HTTPS (BOINV_PRODUCTION=1). "
              "Använd en webbserver med TLS framför den.", file=sys.stderr)
    print(f"Boendeinventering körs på http://{host}:{port}/  (avsluta med Ctrl+C)", flush=True)
    waitress_serve(application, host=host, port=port, threads=threads, ident="boinv",
                   max_request_body_size=(settings.BOINV_MAX_UPLOAD_MB + 10) * 1_048_576,
                   channel_timeout=300)
