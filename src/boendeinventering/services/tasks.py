"""Imports started from the browser run in the background, so a 100 MB extract does not hold a
request (and a proxy's timeout) for minutes.

The database is the queue: `start_import` stores a queued organisation.ImportJob, and a worker
(`boinv worker`, which `boinv serve` starts beside the web server) claims it with
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL or an atomic `UPDATE … WHERE status = 'queued'`
on SQLite, so each job runs once however many processes look. Progress text, heartbeat and outcome
are written to the job's row, so a status poll answered by any server process, or by one that
was restarted, sees the same job.

SQLite allows one writer at a time and the import stores its rows in one short transaction at the
end: progress is written by the job's own thread while it reads and checks the file (outside that
transaction), and a heartbeat thread writes the heartbeat (and the latest progress) on its own
connection, giving up quietly while the import holds the write lock.

A running job whose heartbeat is older than BOINV_JOB_STALE_SECONDS, or whose worker process on
this machine is gone, is marked failed; uploads and partial temporary files that belong to no live
job are swept at start and on a timer, so no raw personnummer stay on disk after a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from boendeinventering.organisation.models import ImportJob

log = logging.getLogger("boendeinventering.tasks")

ACTIVE = (ImportJob.QUEUED, ImportJob.RUNNING)
FINISHED = (ImportJob.DONE, ImportJob.REFUSED, ImportJob.FAILED)
STALE_MESSAGE = (
    "Importen avbröts eftersom processen som körde den slutade svara (den stoppades eller kraschade). "
    "En import sparas helt eller inte alls: se importhistoriken, och ladda upp filen igen om importen saknas där."
)
STOPPED_MESSAGE = "Importen avbröts när servern stoppades. Inget sparades; ladda upp filen igen."
QUEUED_TOO_LONG_SECONDS = 120  # a job waits this long only behind a long import, or with no worker
MISSING_FILE_MESSAGE = "Den uppladdade filen finns inte längre på servern. Inget sparades; ladda upp filen igen."


def refused_message(rows_invalid: int) -> str:
    """What the import page says above the list of errors: the count in Swedish and what to do."""
    from boendeinventering.services import imports

    rows = "1 felaktig rad" if rows_invalid == 1 else f"{rows_invalid} felaktiga rader"
    return (f"Filen har {rows} och importerades inte. Rätta filen och ladda upp den igen, eller välj "
            f"\"{imports.option_name('skip_invalid', 'web')}\" om de korrekta raderna ska importeras ändå.")


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def temp_dir() -> Path:
    """Where Django streams uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE (settings)."""
    return Path(settings.FILE_UPLOAD_TEMP_DIR or Path(settings.DATA_DIR) / "tmp")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


# --- queueing -------------------------------------------------------------------------------

def start_import(kind: str, path: Path, *, file_name: str, replace: bool, skip_invalid: bool, user,
                 year: int | None = None, **options) -> ImportJob:
    """Queue the import of `path` (a file of ours in the data directory; deleted afterwards).
    Extra keyword `options` (JSON values) are stored on the job and passed to the import service."""
    from boendeinventering.services.imports import stored_file_name

    job = ImportJob.objects.create(
        id=uuid.uuid4(), kind=kind, file_name=stored_file_name(file_name), replace=replace,
        skip_invalid=skip_invalid, year=year, options=options, upload_path=str(path),
        created_by=user.get_username() if user is not None else "", progress="Väntar på att starta …",
    )
    if settings.BOINV_TASKS_SYNC:
        claimed = claim(worker_name(), job_id=job.id)
        if claimed is not None:
            run_claimed(claimed, user=user, heartbeat=False)
        job.refresh_from_db()
    elif not settings.BOINV_WORKER_SEPARATE:
        _kick_in_process_worker()
    return job


def claim(name: str, job_id=None) -> ImportJob | None:
    """Take the oldest queued job (or the given one) for worker `name`; None if there is none.
    Two workers never get the same job."""
    now = timezone.now()
    fields = {"status": ImportJob.RUNNING, "started_at": now, "heartbeat_at": now, "worker": name,
              "progress": "Läser och kontrollerar filen …"}
    queued = ImportJob.objects.filter(status=ImportJob.QUEUED)
    if job_id is not None:
        queued = queued.filter(pk=job_id)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            job = queued.select_for_update(skip_locked=True).order_by("created_at").first()
            if job is None:
                return None
            ImportJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
        return job
    # SQLite: no row locks, but one UPDATE is atomic; whoever changes the row from queued won.
    for _attempt in range(10):
        candidate = queued.order_by("created_at").values_list("pk", flat=True).first()
        if candidate is None:
            return None
        if ImportJob.objects.filter(pk=candidate, status=ImportJob.QUEUED).update(**fields) == 1:
            return ImportJob.objects.get(pk=candidate)
    return None


# --- running --------------------------------------------------------------------------------

class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat and latest progress every BOINV_JOB_HEARTBEAT_SECONDS on its own
    connection. A failed write (SQLite locked by the import's own write step) is retried next beat."""

    def __init__(self, job_id):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.progress: str | None = None
        self._stopped = threading.Event()
        self._wake = threading.Event()

    def run(self) -> None:
        try:
            while True:
                self._wake.wait(settings.BOINV_JOB_HEARTBEAT_SECONDS)
                self._wake.clear()
                if self._stopped.is_set():
                    return
                fields = {"heartbeat_at": timezone.now()}
                if self.progress is not None:
                    fields["progress"] = self.progress
                try:
                    ImportJob.objects.filter(pk=self.job_id, status=ImportJob.RUNNING).update(**fields)
                except DatabaseError as exc:
                    log.debug("heartbeat of job %s not written: %s", self.job_id, exc)
                    connection.close()
        finally:
            connection.close()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()


def run_claimed(job: ImportJob, *, user=None, heartbeat: bool = True) -> None:
    """Run a job this process has claimed, and record how it ended."""
    from boendeinventering.core.ingest import IngestError
    from boendeinventering.services import imports

    # Inside a transaction (a test, or a sync job in a request) no other connection could see
    # the heartbeat's row: only the job's own thread writes.
    beat = _Heartbeat(job.id) if heartbeat and not connection.in_atomic_block else None
    if beat is not None:
        beat.start()

    def progress(text: str) -> None:
        if beat is not None:
            beat.progress = text
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=job.id, status=ImportJob.RUNNING).update(
                progress=text, heartbeat_at=timezone.now())
        elif beat is not None:
            beat.wake()  # inside the import's write step: the heartbeat thread writes it when it can

    if user is None and job.created_by:
        from django.contrib.auth import get_user_model

        model = get_user_model()
        user = model.objects.filter(**{model.USERNAME_FIELD: job.created_by}).first() or job.created_by
    path = Path(job.upload_path)
    try:
        if not path.is_file():
            _finish(job.id, ImportJob.FAILED, message=MISSING_FILE_MESSAGE)
            return
        # the import service records the audit trail (imports.import_extract)
        outcome = imports.import_extract(
            job.kind, path, replace=job.replace, skip_invalid=job.skip_invalid, user=user or job.created_by,
            file_name=job.file_name, progress=progress, year=job.year,
            interface="web", **(job.options or {}),
        )
        batch = outcome.batch
        _finish(job.id, ImportJob.DONE, batch_id=batch.id, already_imported=not outcome.created,
                rows_invalid=batch.rows_invalid, warnings=outcome.warnings,
                message=imports.done_message(outcome, interface="web"))
    except imports.ImportRefused as exc:
        _finish(job.id, ImportJob.REFUSED, rows_invalid=exc.rows_invalid, issues=_issues(exc.issues),
                message=refused_message(exc.rows_invalid))
    except imports.ConfirmationNeeded as exc:
        _finish(job.id, ImportJob.REFUSED, issues=_issues(exc.issues), confirm=exc.reasons, message=str(exc))
    except IngestError as exc:
        _finish(job.id, ImportJob.REFUSED, issues=_issues(exc.issues), message="Filen kunde inte läsas.")
    except Exception as exc:  # noqa: BLE001 - the user gets a message, the log gets the details
        log.exception("import job %s failed", job.id)
        _finish(job.id, ImportJob.FAILED,
                message=f"Importen misslyckades av ett oväntat skäl ({type(exc).__name__}). Inget sparades. "
                        "Se serverns logg.")
    except BaseException:
        # The worker is being stopped (SIGTERM, Ctrl+C): the import's transaction has rolled back.
        _finish(job.id, ImportJob.FAILED, message=STOPPED_MESSAGE)
        raise
    finally:
        if beat is not None:
            beat.stop()
        path.unlink(missing_ok=True)


def _issues(issues) -> list[dict]:
    from boendeinventering.services.imports import MAX_STORED_ISSUES

    return [{"row": i.row, "column": i.column, "value": i.value, "reason": i.reason}
            for i in list(issues)[:MAX_STORED_ISSUES]]


def _finish(job_id, status: str, **fields) -> None:
    # Not filtered on status: if a sweep wrongly gave the job up, the true outcome still wins.
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), progress="", **fields)


def job_state(job: ImportJob) -> dict:
    """What the status page and its JSON endpoint show (from the row: the same in every process)."""
    finished = job.status in FINISHED
    waiting = "Väntar på att starta …" if job.status == ImportJob.QUEUED else "Importen pågår …"
    progress = "" if finished else (job.progress or waiting)
    if job.status == ImportJob.QUEUED and job.created_at and \
            timezone.now() - job.created_at > dt.timedelta(seconds=QUEUED_TOO_LONG_SECONDS):
        progress = ("Importen väntar fortfarande på att starta. Om den inte startar inom några minuter: kontakta "
                    "den som driftar tjänsten (importarbetaren, boinv worker, verkar inte vara igång).")
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "finished": finished,
        "progress": progress,
        "message": job.message,
    }


def live_progress(job_id) -> str | None:
    """The latest progress text of an unfinished job, as any process sees it."""
    return ImportJob.objects.filter(pk=job_id, status__in=ACTIVE).values_list("progress", flat=True).first()


# --- the worker -----------------------------------------------------------------------------

def work(*, once: bool = False, poll_seconds: float = 1.0, parent_pid: int | None = None,
         stop: threading.Event | None = None) -> int:
    """The worker loop (`boinv worker`): sweep, claim, run, until stopped. `once`: run what is
    queued and return. `parent_pid`: return when that process is gone (the worker `boinv serve`
    starts must not outlive it). Returns the number of jobs run."""
    stop = stop or threading.Event()
    name = worker_name()
    done = 0
    last_sweep = -float("inf")
    while not stop.is_set():
        try:
            if time.monotonic() - last_sweep >= settings.BOINV_SWEEP_SECONDS:
                sweep()
                last_sweep = time.monotonic()
            job = claim(name)
            if job is not None:
                run_claimed(job)
                done += 1
                continue
        except DatabaseError:
            log.exception("the import worker could not reach the database; trying again")
            connection.close()
        if once:
            break
        if parent_pid is not None and os.getppid() != parent_pid:
            break
        stop.wait(poll_seconds)
        close_old_connections()
    return done


_drain_lock = threading.Lock()
_drain_thread: threading.Thread | None = None
_drain_pending = False


def _kick_in_process_worker() -> None:
    """No separate worker (BOINV_WORKER_SEPARATE off): this process runs queued jobs in one
    background thread, still claimed and followed through the database."""
    global _drain_thread, _drain_pending
    with _drain_lock:
        _drain_pending = True
        if _drain_thread is None:
            _drain_thread = threading.Thread(target=_drain, name="import-worker", daemon=True)
            _drain_thread.start()


def _drain() -> None:
    global _drain_thread, _drain_pending
    close_old_connections()
    try:
        while True:
            with _drain_lock:
                _drain_pending = False
            job = claim(worker_name())
            if job is None:
                with _drain_lock:
                    if not _drain_pending:  # nothing was queued since we looked
                        _drain_thread = None
                        return
                continue
            run_claimed(job)
    except BaseException:
        with _drain_lock:
            _drain_thread = None
        log.exception("the in-process import worker stopped")
    finally:
        connection.close()  # each thread has its own connection; don't leak it


# --- crashed jobs and leftover files ----------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap, safe check (os.kill would end the process on Windows): heartbeat only
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_gone(worker: str) -> bool:
    """True when `worker` ("host:pid") ran on this machine and its process no longer exists."""
    host, _, pid = worker.rpartition(":")
    if not worker or host != socket.gethostname() or not pid.isdigit():
        return False
    return not _pid_alive(int(pid))


def fail_stale_jobs() -> int:
    """Mark running jobs whose worker is dead failed, and remove their uploads."""
    limit = timezone.now() - dt.timedelta(seconds=settings.BOINV_JOB_STALE_SECONDS)
    failed = 0
    for job in ImportJob.objects.filter(status=ImportJob.RUNNING):
        stale = (not job.worker or job.heartbeat_at is None or job.heartbeat_at < limit
                 or _worker_gone(job.worker))
        if not stale:
            continue
        if ImportJob.objects.filter(pk=job.pk, status=ImportJob.RUNNING, heartbeat_at=job.heartbeat_at).update(
                status=ImportJob.FAILED, finished_at=timezone.now(), progress="", message=STALE_MESSAGE):
            failed += 1
            log.warning("import job %s failed: its worker %s stopped answering", job.pk, job.worker or "?")
            if job.upload_path:
                Path(job.upload_path).unlink(missing_ok=True)
    return failed


def sweep_files(*, all_ages: bool = False) -> int:
    """Remove files in DATA_DIR/uploads and DATA_DIR/tmp that belong to no queued or running job
    and are older than BOINV_JOB_STALE_SECONDS (any age with `all_ages`: at server start, when no
    request can be writing one). Returns the number removed."""
    keep = {Path(p).resolve() for p in ImportJob.objects.filter(status__in=ACTIVE)
            .exclude(upload_path="").values_list("upload_path", flat=True)}
    cutoff = time.time() - settings.BOINV_JOB_STALE_SECONDS
    removed = 0
    for directory in (upload_dir(), temp_dir()):
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            try:
                if entry.is_dir():
                    removed += _sweep_spool(entry, cutoff)
                    continue
                if not entry.is_file() or entry.resolve() in keep:
                    continue
                if all_ages or entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # finished and removed by its owner meanwhile
    if removed:
        log.info("removed %s leftover upload files", removed)
    return removed


def _sweep_spool(directory: Path, cutoff: float) -> int:
    """Remove an import's spool folder (services/imports: pseudonymised slices, no personnummer)
    that a killed import left behind, once nothing in it has changed since ``cutoff``. Never by
    age alone at server start: a command-line import may be writing one at that moment."""
    newest = max([directory.stat().st_mtime] + [f.stat().st_mtime for f in directory.rglob("*")])
    if newest >= cutoff:
        return 0
    shutil.rmtree(directory, ignore_errors=True)
    return 1


def sweep(*, all_ages: bool = False) -> int:
    """Fail dead jobs, then remove leftover files. Returns the number of jobs failed."""
    failed = fail_stale_jobs()
    sweep_files(all_ages=all_ages)
    return failed


def recover_after_restart() -> int:
    """At server start: dead jobs failed, and every upload or temporary file that belongs to no
    queued or running job removed (raw personnummer must not stay on disk). Queued jobs stay
    queued: the worker takes them. Returns the number of jobs failed."""
    return sweep(all_ages=True)
