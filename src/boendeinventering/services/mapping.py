"""The municipality's mapping of local names to standard codes (SPEC 4)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from boendeinventering.core.classify import Mapping, suggest_code, unmapped_names
from boendeinventering.core.ingest import IngestError, Issue
from boendeinventering.core.ingest.read import read_table
from boendeinventering.core.ingest.validate import PERSON_ID_IN_TEXT, R_PERSON_ID_IN_TEXT
from boendeinventering.core.personnummer import mask_in_text
from boendeinventering.core.taxonomy import SITUATION_BY_CODE, normalise_name
from boendeinventering.inventory.models import MappingEntry
from boendeinventering.services.storage import active_local_names

log = logging.getLogger("boendeinventering.mapping")


@dataclass
class MappingImportOutcome:
    created: int
    changed: int
    unchanged: int


def current_mapping() -> Mapping:
    return Mapping(MappingEntry.objects.values_list("local_name", "code"))


def import_mapping(path: Path, *, user="", ip: str | None = None) -> MappingImportOutcome:
    """Read `lokal_benamning;kod`; all rows are checked before anything is saved."""
    raw = read_table(Path(path))
    frame = raw.frame
    missing = [c for c in ("lokal_benamning", "kod") if c not in frame.columns]
    if missing:
        raise IngestError([Issue(None, c, None, "obligatorisk kolumn saknas") for c in missing])
    issues, entries, seen = [], {}, {}
    pairs = frame.select("lokal_benamning", "kod").iter_rows()
    for row, (name, code) in zip(raw.row_numbers, pairs):
        name = _unprotected(name)
        if not name:
            issues.append(Issue(row, "lokal_benamning", name, "värde saknas"))
            continue
        if re.search(PERSON_ID_IN_TEXT, name):  # local names are stored and shown as typed
            issues.append(Issue(row, "lokal_benamning", mask_in_text(name), R_PERSON_ID_IN_TEXT))
            continue
        code_norm = (code or "").strip().lower()
        if code_norm not in SITUATION_BY_CODE:
            issues.append(Issue(row, "kod", code and mask_in_text(code),
                                f"okänd kod; förslag: {suggest_code(code or name)}"))
            continue
        key = normalise_name(name)
        if key in seen and entries[key][1] != code_norm:
            issues.append(Issue(row, "lokal_benamning", mask_in_text(name),
                                f"förekommer redan på rad {seen[key]} med annan kod"))
            continue
        seen.setdefault(key, row)
        entries[key] = (" ".join(name.split()), code_norm)
    if issues:
        raise IngestError(issues)
    return save_entries(entries.values(), user=user, ip=ip)


def save_entries(entries, *, user="", ip: str | None = None) -> MappingImportOutcome:
    """Save (local name, code) pairs. `user`: a User or a user name; every change is recorded in
    the audit trail here, so the command line and the web app leave the same trace."""
    from boendeinventering.services import audit

    username = user if isinstance(user, str) else user.get_username()
    created = changed = unchanged = 0
    changes: list[str] = []
    with transaction.atomic():
        existing = {e.name_key: e for e in MappingEntry.objects.select_for_update()}
        for name, code in entries:
            key = normalise_name(name)
            entry = existing.get(key)
            if entry is None:
                MappingEntry.objects.create(local_name=name, name_key=key, code=code, updated_by=username)
                created += 1
                changes.append(f"{name} → {code}")
            elif entry.code != code:
                log.info("mapping changed name_key=%s %s->%s user=%s", key, entry.code, code, username)
                entry.code, entry.updated_by = code, username
                entry.save(update_fields=["code", "updated_by", "updated_at"])
                changed += 1
                changes.append(f"{name} → {code}")
            else:
                unchanged += 1
        if changes:
            listed = "; ".join(changes[:50])
            more = f" (och {len(changes) - 50} till)" if len(changes) > 50 else ""
            audit.record(user, audit.MAPPING_CHANGED, f"{created} nya, {changed} ändrade: {listed}{more}", ip=ip)
    return MappingImportOutcome(created, changed, unchanged)


def seen_local_names() -> list[str]:
    names = active_local_names({"insatser": "insats", "utbetalningar": "purpose"})
    return sorted(names, key=normalise_name)


def unmapped_with_suggestions() -> list[tuple[str, str]]:
    mapping = current_mapping()
    return [(name, suggest_code(name)) for name in unmapped_names(seen_local_names(), mapping)]


# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection); control
# characters garble the file or the terminal. Local names come from other systems' extracts.
_FORMULA_PREFIXES = ("=", "+", "-", "@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def spreadsheet_cell(text: str) -> str:
    """One `;`-separated cell that a spreadsheet shows as the text it is: control characters
    become spaces, a formula prefix gets an apostrophe (Excel's "this is text" mark, which
    import_mapping removes again), and a cell with `;` or `"` is quoted."""
    text = _CONTROL.sub(" ", str(text))
    if text.lstrip().startswith(_FORMULA_PREFIXES):
        text = "'" + text
    if ";" in text or '"' in text or text != text.strip():
        text = '"' + text.replace('"', '""') + '"'
    return text


def spreadsheet_line(name: str, code: str) -> str:
    """`lokal_benamning;kod` as `boinv mapping unmapped` prints it, ready for a mapping file."""
    return f"{spreadsheet_cell(name)};{spreadsheet_cell(code)}"


def _unprotected(name: str | None) -> str | None:
    """A name as written by spreadsheet_cell, back to the local name it stands for."""
    if name and name.startswith("'") and name[1:].lstrip().startswith(_FORMULA_PREFIXES):
        return name[1:]
    return name
