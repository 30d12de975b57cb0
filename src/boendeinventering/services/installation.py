"""Creating and finding the installation: data directory, key, database, municipality."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from boendeinventering.core import pseudonymise
from boendeinventering.inventory.models import Installation


class SetupError(Exception):
    pass


@cache
def municipalities() -> dict[str, str]:
    with resources.files("boendeinventering.data").joinpath("kommuner.csv").open(encoding="utf-8") as fh:
        return {row["Kommunkod"]: row["Kommun"] for row in csv.DictReader(fh)}


@dataclass
class InitOutcome:
    data_dir: Path
    key_created: bool
    kommun: str
    kommun_name: str


def init_installation(kommun: str) -> InitOutcome:
    kommun = kommun.strip()
    names = municipalities()
    if kommun not in names:
        raise SetupError(f"Okänd kommunkod '{kommun}'. Ange SCB:s fyrsiffriga kod, t.ex. 0180 för Stockholm.")
    data_dir: Path = settings.DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    key_path = data_dir / pseudonymise.KEY_FILE_NAME
    # The database first: whether a new key may be made depends on what it already holds.
    _migrate()
    existing = Installation.objects.first()
    if existing and existing.kommun != kommun:
        raise SetupError(
            f"Datakatalogen {data_dir} används redan för kommun {existing.kommun} {existing.kommun_name}. "
            "En installation gäller en kommun; välj en annan BOINV_DATA_DIR."
        )
    key_created = not key_path.exists() and not key_path.is_symlink()
    if key_created:
        if _holds_pseudonyms(existing):
            raise SetupError(_missing_key_message(key_path))
        pseudonymise.create_key(data_dir)
    key = pseudonymise.load_key(data_dir)  # fails loudly if unreadable, too open or damaged
    fingerprint = pseudonymise.key_fingerprint(key)
    if existing:
        _check_fingerprint(existing, fingerprint, key_path)
    else:
        Installation.objects.create(kommun=kommun, kommun_name=names[kommun], key_fingerprint=fingerprint)
    return InitOutcome(data_dir, key_created, kommun, names[kommun])


def _migrate() -> None:
    """Apply the migrations the database lacks. When it has them all, `migrate` is not run: it
    would still render every model's state and send post_migrate (content types, permissions),
    a third of what `boinv init` on an existing installation cost."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
    else:
        executor.check_replacements()  # what `migrate` records for an installation migrated before a squash


# what a command says in a data directory or database where `boinv init` has not run
NOT_INITIALISED = "Installationen är inte initierad. Kör först: boinv init --kommun KOD"


def current_installation(*, check_key: bool = True) -> Installation:
    """The installation; with `check_key`, also that the key in the data directory is the one
    its pseudonyms were made with (every import, figure and export goes through here)."""
    try:
        installation = Installation.objects.first()
    except Exception as exc:  # no tables yet
        raise SetupError(NOT_INITIALISED) from exc
    if installation is None:
        raise SetupError(NOT_INITIALISED)
    if check_key:
        _verified_key(installation)
    return installation


def key() -> bytes:
    """The pseudonymisation key, once it is known to be the database's own."""
    installation = Installation.objects.first()
    if installation is None:
        return pseudonymise.load_key(settings.DATA_DIR)
    return _verified_key(installation)


def _verified_key(installation: Installation) -> bytes:
    key_path = Path(settings.DATA_DIR) / pseudonymise.KEY_FILE_NAME
    try:
        key = pseudonymise.load_key(settings.DATA_DIR)
    except pseudonymise.KeyMissingError:
        if _holds_pseudonyms(installation):
            raise SetupError(_missing_key_message(key_path)) from None
        raise
    _check_fingerprint(installation, pseudonymise.key_fingerprint(key), key_path)
    return key


def _check_fingerprint(installation: Installation, fingerprint: str, key_path: Path) -> None:
    if not installation.key_fingerprint:
        # An installation from before fingerprints: its key is taken as the right one from now on.
        Installation.objects.filter(pk=installation.pk, key_fingerprint="").update(key_fingerprint=fingerprint)
        installation.key_fingerprint = fingerprint
        return
    if installation.key_fingerprint != fingerprint:
        raise SetupError(
            f"Pseudonymiseringsnyckeln {key_path} är inte den nyckel som databasens uppgifter skapades med. "
            "Med en annan nyckel blir varje person en ny person och räknas två gånger, så inget görs. "
            f"Återställ rätt {pseudonymise.KEY_FILE_NAME} från säkerhetskopian (se docs/drift.md)."
        )


def _holds_pseudonyms(installation: Installation | None) -> bool:
    from boendeinventering.inventory.models import ImportBatch, Pseudonym

    return bool(installation and installation.key_fingerprint) or Pseudonym.objects.exists() \
        or ImportBatch.objects.exists()


def _missing_key_message(key_path: Path) -> str:
    return (
        f"Pseudonymiseringsnyckeln {key_path} saknas, men databasen har redan uppgifter som skapats med en nyckel. "
        "En ny nyckel skulle göra varje person till en ny person (alla räknas två gånger), så ingen skapas. "
        f"Återställ {pseudonymise.KEY_FILE_NAME} från säkerhetskopian till {key_path.parent} (se docs/drift.md)."
    )


def key_problem() -> str | None:
    """Why the installation's key cannot be used (Swedish), or None when it is fine or there is
    no installation yet (nothing to protect)."""
    try:
        installation = Installation.objects.first()
    except Exception:  # noqa: BLE001 - no tables yet: not initialised, nothing to protect
        return None
    if installation is None:
        return None
    try:
        _verified_key(installation)
    except (SetupError, pseudonymise.PseudonymKeyError) as exc:
        return str(exc)
    return None
