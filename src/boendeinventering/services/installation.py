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
    key_created = not key_path.exists()
    if key_created:
        pseudonymise.create_key(data_dir)
    else:
        pseudonymise.load_key(data_dir)  # fails loudly if unreadable or too open
    call_command("migrate", interactive=False, verbosity=0)
    existing = Installation.objects.first()
    if existing and existing.kommun != kommun:
        raise SetupError(
            f"Datakatalogen {data_dir} används redan för kommun {existing.kommun} {existing.kommun_name}. "
            "En installation gäller en kommun; välj en annan BOINV_DATA_DIR."
        )
    if not existing:
        Installation.objects.create(kommun=kommun, kommun_name=names[kommun])
    return InitOutcome(data_dir, key_created, kommun, names[kommun])


def current_installation() -> Installation:
    try:
        installation = Installation.objects.first()
    except Exception as exc:  # no tables yet
        raise SetupError("Installationen är inte initierad. Kör först: boinv init --kommun KOD") from exc
    if installation is None:
        raise SetupError("Installationen är inte initierad. Kör först: boinv init --kommun KOD")
    return installation


def key() -> bytes:
    return pseudonymise.load_key(settings.DATA_DIR)
