"""`boinv serve`: the embedded web server for one machine (loopback by default).

waitress rather than Django's runserver: runserver is documented as unfit for anything but
development (single-purpose, unhardened), whereas waitress is a production WSGI server in pure
Python that also runs on Windows, where many municipal servers are. Static files are served by
WhiteNoise from the application itself, so no collectstatic or web server is needed here.
For a shared installation, see docs/drift.md (gunicorn behind the municipality's web server).

One command runs everything: besides the web server, `boinv serve` runs the import worker
(services.tasks) — a child process beside gunicorn's processes (restarted if it dies), a thread
beside the one waitress process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

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
    from boendeinventering.checks import startup_errors
    from boendeinventering.services.installation import SetupError

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    errors = startup_errors()
    if errors:
        raise SetupError("; ".join(errors))
    call_command("migrate", interactive=False, verbosity=0)
    from waitress import serve as waitress_serve

    from boendeinventering.services.tasks import recover_after_restart

    if recover_after_restart():
        print("Avbrutna importer från förra körningen är markerade som misslyckade.", file=sys.stderr)
    # This server runs its own worker: the web processes only queue jobs.
    settings.BOINV_WORKER_SEPARATE = True

    from boendeinventering.wsgi import application

    if host not in ("127.0.0.1", "localhost", "::1") and not settings.PRODUCTION:
        print("Varning: servern lyssnar på annat än den egna datorn utan HTTPS (BOINV_PRODUCTION=1). "
              "Använd en webbserver med TLS framför den.", file=sys.stderr)
    print(f"Boendeinventering körs på http://{host}:{port}/  (avsluta med Ctrl+C)", flush=True)
    if workers > 1:
        _serve_processes(application, host, port, threads, workers)
        return
    from boendeinventering.web.middleware import max_request_bytes

    stop = threading.Event()
    worker = threading.Thread(target=_worker_thread, args=(stop,), name="import-worker", daemon=True)
    worker.start()
    try:
        waitress_serve(application, host=host, port=port, threads=threads, ident="boinv",
                       max_request_body_size=max_request_bytes(), channel_timeout=300)
    finally:
        stop.set()


def _worker_thread(stop: threading.Event) -> None:
    from django.db import connection

    from boendeinventering.services import tasks

    try:
        tasks.work(stop=stop)
    finally:
        connection.close()


class _WorkerProcess:
    """`boinv worker` as a child of the gunicorn master: started with it, restarted if it dies
    (a killed worker's job is failed by the new worker's sweep), stopped with it."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "boendeinventering.cli", "worker", "--parent", str(os.getpid())],
            env={**os.environ, "BOINV_WORKER_SEPARATE": "1"},
        )
        self.started = time.monotonic()

    def check(self) -> None:
        # At most one restart every five seconds: a worker that cannot start must not spin.
        if self.process is not None and self.process.poll() is not None and time.monotonic() - self.started > 5:
            print("Importarbetaren avslutades oväntat och startas om.", file=sys.stderr, flush=True)
            self.start()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _serve_processes(application, host: str, port: int, threads: int, workers: int) -> None:
    """Several processes (gunicorn, POSIX only): Python threads share one core under the GIL,
    so one process serves about 70 pages a second however many cores the server has."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    job_worker = _WorkerProcess()

    class _Arbiter(Arbiter):
        def manage_workers(self):  # called on every turn of the master's loop (about once a second)
            super().manage_workers()
            job_worker.check()

        def stop(self, graceful=True):
            job_worker.stop()
            super().stop(graceful)

    class _Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "timeout": 300, "accesslog": None, "loglevel": "warning"}.items():
                self.cfg.set(key, value)

        def load(self):
            return application

        def run(self):
            try:
                _Arbiter(self).run()
            except RuntimeError as exc:
                print(f"\nFel: {exc}\n", file=sys.stderr, flush=True)
                sys.exit(1)

    job_worker.start()
    try:
        _Server().run()
    finally:
        job_worker.stop()
