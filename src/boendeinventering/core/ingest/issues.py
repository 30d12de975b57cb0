"""Problems found while reading and validating an extract, worded for the person who made it.

Row numbers are those the user sees in Excel: the header is row 1, the first data row is row 2.
``value`` is always masked by the caller when it is, or may contain, a personnummer, so an
``Issue`` can be shown, logged and stored as it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    row: int | None
    column: str | None
    value: str | None
    reason: str  # Swedish

    def as_text(self) -> str:
        parts: list[str] = []
        if self.row is not None:
            parts.append(f"Rad {self.row}")
        if self.column is not None:
            parts.append(f"kolumn {self.column}")
        if self.value is not None:
            parts.append(f"värde '{self.value}'")
        if not parts:
            return _capitalise(self.reason)
        head = ", ".join(parts)
        return f"{_capitalise(head)}: {self.reason}"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


class IngestError(Exception):
    """A problem with the file as a whole that stops reading (no row can be trusted)."""

    def __init__(self, issues: list[Issue] | Issue | str):
        if isinstance(issues, str):
            issues = [Issue(None, None, None, issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: list[Issue] = list(issues)
        shown = "; ".join(i.as_text() for i in self.issues[:_SHOWN_IN_MESSAGE])
        if len(self.issues) > _SHOWN_IN_MESSAGE:
            shown += f" (och {len(self.issues) - _SHOWN_IN_MESSAGE} fel till)"
        super().__init__(shown)


_SHOWN_IN_MESSAGE = 10
