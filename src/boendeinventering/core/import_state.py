"""An import's state as the coordinator reads it (Swedish), from the fields that decide it.

One function for both readers of the import log: the ORM's ImportBatch and `boinv history`'s
quick path, which reads the table without Django (cli_history.py)."""

from __future__ import annotations

from typing import Any


def import_state_label(active: bool, withdrawn_at: Any, replaced_by_id: int | None) -> str:
    """Aktiv / Återkallad / Ersatt av N / Inaktiv."""
    if active:
        return "Aktiv"
    if withdrawn_at is not None:
        return "Återkallad"
    if replaced_by_id:
        return f"Ersatt av {replaced_by_id}"
    return "Inaktiv"
