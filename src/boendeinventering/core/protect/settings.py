"""Settings of the disclosure control (SPEC 7: threshold and width are settings)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ProtectionSettings:
    # Counts from 1 to threshold - 1 are suppressed (primary suppression); zero is published.
    threshold: int = 5
    # Every suppressed count must keep a feasible interval (given everything published) at
    # least this wide.
    width: int = 5
    # Magnitudes (nights, cost, amount). Primary rule: a magnitude is suppressed wherever a
    # persons/households/children count of its row is suppressed, so no published sum covers
    # fewer than `threshold` persons. A dominance rule ((n,k) or p%) needs each contributor's
    # share, which an aggregated Report no longer has; see docs/disclosure.md.
    # Secondary rule: the feasible interval of a suppressed magnitude must be at least
    # magnitude_p percent of its upper bound wide (nobody can tell it closer than that).
    magnitude_p: float = 10.0

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("Tröskelvärdet måste vara minst 1.")
        if self.width < 0:
            raise ValueError("Intervallbredden får inte vara negativ.")
        if not 0 <= self.magnitude_p <= 100:
            raise ValueError("Procentsatsen för belopp och boendedygn måste ligga mellan 0 och 100.")

    def as_dict(self) -> dict:
        return asdict(self)
