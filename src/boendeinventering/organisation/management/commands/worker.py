"""`python manage.py worker` / `boinv worker`: runs the queued background imports (services.tasks).

One worker is enough for a municipality (imports are serialised, which also bounds memory);
`boinv serve` starts one itself. With gunicorn behind the municipality's web server, run it as a
service of its own and set BOINV_WORKER_SEPARATE=1 for the web processes (docs/drift.md)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Kör importer som väntar i kön (bakgrundsarbetare)."
    requires_system_checks = []  # run below, so that an error is one line, not a report

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="kör det som väntar och avsluta")
        parser.add_argument("--parent", type=int, default=None,
                            help="avsluta när denna process (boinv serve) har avslutats")
        parser.add_argument("--poll", type=float, default=1.0, help="sekunder mellan titter i kön")

    def handle(self, *args, once=False, parent=None, poll=1.0, **options):
        from boendeinventering.checks import startup_errors
        from boendeinventering.services import tasks

        errors = startup_errors()
        if errors:
            raise CommandError("; ".join(errors))
        stop = threading.Event()

        def _stop(signum, frame):
            # Between jobs: stop at the next look. During a job: end now; the import's transaction
            # rolls back and run_claimed marks the job as stopped.
            stop.set()
            raise SystemExit(0)

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _stop)
        failed = tasks.sweep()
        if failed:
            self.stderr.write(f"{failed} avbrutna importer markerades som misslyckade.")
        try:
            done = tasks.work(once=once, poll_seconds=poll, parent_pid=parent, stop=stop)
        except KeyboardInterrupt:
            return
        if once:
            self.stdout.write(f"{done} importer körda.")
