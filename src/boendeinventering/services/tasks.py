"""Imports started from the browser run in a background thread, so a 100 MB extract does not
hold a request (and a proxy's timeout) for minutes.

The job's row (organisation.ImportJob) holds the outcome. Live progress text is kept in this
process's memory: the import writes inside one transaction, so progress written to the database
would stay invisible until the end. With several server processes, a page served by another
process shows "pågår" without the text until the job's row says it is done.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from boendeinventering.organisation.models import ImportJob

log = logging.getLogger("boendeinventering.tasks")

_live: dict[str, str] = {}  # job id -> latest progress text
_lock = threading.Lock()


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def start_import(kind: str, path: Path, *, file_name: str, replace: bool, skip_invalid: bool, user,
                 year: int | None = None, accept_columns: bool = False, allow_empty: bool = False,
                 keep_identical_rows: bool = False) -> ImportJob:
    """Queue the import of `path` (a file of ours in the data directory; deleted afterwards).
    The options the user confirmed are kept on the job and passed on to the import service."""
    from boendeinventering.services.imports import stored_file_name

    job = ImportJob.objects.create(
        id=uuid.uuid4(), kind=kind, file_name=stored_file_name(file_name), replace=replace, skip_invalid=skip_invalid, year=year,
        created_by=user.get_username() if user is not None else "",
        options={"accept_columns": accept_columns, "allow_empty": allow_empty,
                 "keep_identical_rows": keep_identical_rows},
    )
    _set_progress(job.id, "Väntar på att starta …")
    if settings.BOINV_TASKS_SYNC:
        _run(job.id, Path(path), user)
    else:
        thread = threading.Thread(target=_run_in_thread, args=(job.id, Path(path), user),
                                  name=f"import-{job.id}", daemon=True)
        thread.start()
    return job


def _set_progress(job_id, text: str) -> None:
    with _lock:
        _live[str(job_id)] = text


def live_progress(job_id) -> str | None:
    with _lock:
        return _live.get(str(job_id))


def _run_in_thread(job_id, path: Path, user) -> None:
    close_old_connections()
    try:
        _run(job_id, path, user)
    finally:
        connection.close()  # each thread has its own connection; don't leak it


def _run(job_id, path: Path, user) -> None:
    from boendeinventering.core.ingest import IngestError
    from boendeinventering.services import imports

    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.RUNNING)
    _set_progress(job_id, "Läser och kontrollerar filen …")
    username = job.created_by
    try:
        # the import service records the audit trail (imports.import_extract)
        outcome = imports.import_extract(
            job.kind, path, replace=job.replace, skip_invalid=job.skip_invalid, user=user or username,
            file_name=job.file_name, progress=lambda text: _set_progress(job_id, text), year=job.year,
            interface="web", **{k: bool(v) for k, v in (job.options or {}).items()},
        )
        batch = outcome.batch
        _finish(job_id, ImportJob.DONE, batch_id=batch.id, already_imported=not outcome.created,
                rows_invalid=batch.rows_invalid, warnings=outcome.warnings,
                message=imports.done_message(outcome, interface="web"))
    except imports.ImportRefused as exc:
        _finish(job_id, ImportJob.REFUSED, rows_invalid=exc.rows_invalid, issues=_issues(exc.issues),
                message=f"Filen har {exc.rows_invalid} felaktiga rader och importerades inte.")
    except imports.ConfirmationNeeded as exc:
        _finish(job_id, ImportJob.REFUSED, issues=_issues(exc.issues), confirm=exc.reasons, message=str(exc))
    except IngestError as exc:
        _finish(job_id, ImportJob.REFUSED, issues=_issues(exc.issues), message="Filen kunde inte läsas.")
    except Exception as exc:  # noqa: BLE001 - the user gets a message, the log gets the details
        log.exception("import job %s failed", job_id)
        _finish(job_id, ImportJob.FAILED,
                message=f"Importen misslyckades av ett oväntat skäl ({type(exc).__name__}). Inget sparades. "
                        "Se serverns logg.")
    finally:
        Path(path).unlink(missing_ok=True)
        with _lock:
            _live.pop(str(job_id), None)


def _issues(issues) -> list[dict]:
    from boendeinventering.services.imports import MAX_STORED_ISSUES

    return [{"row": i.row, "column": i.column, "value": i.value, "reason": i.reason}
            for i in list(issues)[:MAX_STORED_ISSUES]]


def _finish(job_id, status: str, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


def job_state(job: ImportJob) -> dict:
    """What the status page and its JSON endpoint show."""
    finished = job.status in (ImportJob.DONE, ImportJob.REFUSED, ImportJob.FAILED)
    progress = None if finished else live_progress(job.id)
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "finished": finished,
        "progress": progress or ("" if finished else "Importen pågår …"),
        "message": job.message,
    }


def recover_after_restart() -> int:
    """Called when the one-process server starts: no import can be running, so a job still
    marked running was cut off by a stop, and its uploaded file (raw personnummer) must not stay
    on disk. The import itself left nothing behind (one transaction)."""
    for leftover in upload_dir().iterdir():
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
    return ImportJob.objects.filter(status__in=(ImportJob.QUEUED, ImportJob.RUNNING)).update(
        status=ImportJob.FAILED, finished_at=timezone.now(),
        message="Importen avbröts när servern stoppades. Inget sparades; ladda upp filen igen.",
    )
