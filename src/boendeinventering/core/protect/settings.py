"""Settings of the disclosure control (SPEC 7: threshold and width are settings).

``method`` chooses the protection of counts: "suppression" (default, SPEC 7) or "cellkey"
(small consistent noise, core/protect/cellkey.py; docs/disclosure.md has the trade-offs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

METHODS = ("suppression", "cellkey")


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
    # "suppression" | "cellkey". With "cellkey", counts get noise of at most cellkey_d with
    # variance cellkey_v, and no count 1..cellkey_js is published; magnitudes keep the
    # suppression rules above (threshold, magnitude_p).
    method: str = "suppression"
    cellkey_d: int = 2
    cellkey_v: float = 1.0
    cellkey_js: int = 1

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("Tröskelvärdet måste vara minst 1.")
        if self.width < 0:
            raise ValueError("Intervallbredden får inte vara negativ.")
        if not 0 <= self.magnitude_p <= 100:
            raise ValueError("Procentsatsen för belopp och boendedygn måste ligga mellan 0 och 100.")
        if self.method not in METHODS:
            raise ValueError(f"Okänd metod för röjandeskydd '{self.method}'. Välj {' eller '.join(METHODS)}.")
        if self.method == "cellkey":
            check_parameters(self.cellkey_d, self.cellkey_v, self.cellkey_js)

    def as_dict(self) -> dict:
        return asdict(self)


def check_parameters(d: int, v: float, js: int) -> None:
    """The cell-key p-table's parameters (cellkey.build_ptable), checked where the settings are made."""
    if d < 1:
        raise ValueError("Största störningen (D) måste vara minst 1.")
    if not 0 < v <= d * d:
        raise ValueError(f"Störningens varians (V) måste vara större än 0 och högst D² = {d * d}.")
    if not 0 <= js <= d - 1:
        raise ValueError(f"Antal som aldrig redovisas (1..js) kräver 0 <= js <= D - 1 = {d - 1}.")
