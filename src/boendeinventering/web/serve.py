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


def default_workers() -> int:
    """Two processes where the platform has fork and the machine two cores (measured: 163 pages
    a second and p95 179 ms for 20 users with no pause, against 67 a second and 484 ms for one
    process; docs/benchmarks.md); one waitress process on Windows."""
    import os

    return 2 if os.name == "posix" and (os.cpu_count() or 1) >= 2 else 1


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8, workers: int | None = None) -> None:
    workers = default_workers() if workers is None else max(1, workers)
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
    if workers > 1:
        _serve_processes(application, host, port, threads, workers)
        return
    waitress_serve(application, host=host, port=port, threads=threads, ident="boinv",
                   max_request_body_size=(settings.BOINV_MAX_UPLOAD_MB + 10) * 1_048_576,
                   channel_timeout=300)


def _serve_processes(application, host: str, port: int, threads: int, workers: int) -> None:
    """Several processes (gunicorn, POSIX only): Python threads share one core under the GIL,
    so one process serves about 70 pages a second however many cores the server has."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "timeout": 300, "accesslog": None, "loglevel": "warning"}.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    _Server().run()
