"""Columns that look wrong: a header that is unknown but close to a known one ("Slut_datum",
"slutdatun", "start datum" for slutdatum/startdatum), and a known optional column that earlier
imports of the same kind had but this file lacks.

Either silently loses a column's values (an ignored "Slut_datum" loses every end date), so the
import stops and asks the user to confirm; nothing here decides what to store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..personnummer import mask_in_text
from .extracts import EXTRACTS
from .issues import IngestError, Issue
from .read import RawTable
from .validate import R_MISSING_COLUMN

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def loose_name(name: str) -> str:
    """Case, spaces, '_' / '-' / '.' and å/ä/ö do not tell two headers apart."""
    folded = name.replace("\ufeff", "").strip().lower().translate(_FOLD)
    return "".join(ch for ch in folded if ch.isalnum())


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


def _allowed_distance(name: str) -> int:
    # Short names are close to many words by chance ("kon", "belopp"): only a typo of one letter.
    return 1 if len(name) <= 6 else 2


@dataclass(frozen=True)
class NearMiss:
    header: str  # as written in the file (masked if it looks like a personnummer)
    known: str  # the known column it resembles


@dataclass
class ColumnCheck:
    kind: str
    present: list[str]  # known columns the file has (definition's names)
    unknown: list[str]  # unknown headers as written in the file (masked), near misses included
    near_misses: list[NearMiss] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)  # lacking, though earlier imports had them

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.near_misses or self.missing_optional)

    def issues(self) -> list[Issue]:
        """What to show the user, worded with the file's own headers and what to do."""
        found = [
            Issue(1, m.header, None,
                  f"okänd kolumn som liknar {m.known}; om den är {m.known}: byt rubrik till {m.known} i filen "
                  "och importera igen (annars används kolumnen inte)")
            for m in self.near_misses
        ]
        found += [
            Issue(1, name, None,
                  f"kolumnen saknas i filen men fanns i den senaste aktiva importen av {self.kind}; "
                  "lägg till den i uttaget, eller importera utan den om den inte ska vara med")
            for name in self.missing_optional
        ]
        return found


def _one_column_reason(header: str) -> str:
    used = "tabbar" if "\t" in header else "tecknet |" if "|" in header else None
    seen = f" Rubrikraden skiljer kolumnerna med {used}." if used else ""
    return (f"filen har bara en kolumn: kolumnerna ska skiljas med semikolon (;) eller komma (,).{seen} "
            "Spara om filen i Excel som \"CSV UTF-8\" eller \"CSV (semikolonavgränsad)\" och importera igen")


def headers_as_given(raw: RawTable) -> dict[str, str]:
    """Normalised header -> the header exactly as the file writes it (masked)."""
    return {name: mask_in_text(given) for name, given in zip(raw.frame.columns, raw.columns_as_given)}


def check_columns(kind: str, raw: RawTable, earlier_columns: list[str] | None = None) -> ColumnCheck:
    """Compare the file's headers with the extract's definition. `earlier_columns`: the known
    columns of the latest active import of the same kind (None: no earlier import to compare to).

    A missing required column is refused here (IngestError) with the header that resembles it,
    so the message says which header of the file to rename."""
    spec = EXTRACTS[kind]
    given = headers_as_given(raw)
    present = [c for c in spec.names if c in raw.frame.columns]
    absent = [c for c in spec.names if c not in raw.frame.columns]
    unknown_names = [c for c in raw.frame.columns if c not in spec.names]
    loose_absent = {loose_name(c): c for c in absent}

    near: list[NearMiss] = []
    claimed: set[str] = set()
    for name in unknown_names:
        loose = loose_name(name)
        if not loose:
            continue
        best, best_distance = None, None
        for loose_known, known in loose_absent.items():
            if known in claimed:
                continue
            distance = 0 if loose == loose_known else edit_distance(loose, loose_known)
            if distance <= _allowed_distance(known) and (best_distance is None or distance < best_distance):
                best, best_distance = known, distance
        if best is not None:
            claimed.add(best)
            near.append(NearMiss(given[name], best))

    missing_required = [c for c in spec.required if c not in raw.frame.columns]
    if missing_required:
        resembling = {m.known: m.header for m in near}
        # A file with another separator reads as one column: "obligatorisk kolumn saknas" alone
        # would send the user looking for columns that are there. The reason comes first.
        separator = ([Issue(1, None, None, _one_column_reason(raw.columns_as_given[0]))]
                     if raw.delimiter is not None and raw.frame.width == 1 else [])
        raise IngestError(separator + [
            Issue(1, c, None,
                  f"obligatorisk kolumn saknas; filens kolumn '{resembling[c]}' liknar den: byt rubrik till {c} "
                  "och importera igen" if c in resembling else R_MISSING_COLUMN)
            for c in missing_required
        ])

    near_known = {m.known for m in near}
    missing_optional = [
        c for c in (earlier_columns or []) if c in spec.names and c not in present and c not in near_known
    ]
    return ColumnCheck(kind, present, [given[c] for c in unknown_names], near, missing_optional)
