"""Masking personnummer in free text (SPEC 2: the raw number is never logged or shown).

Plain Python, no Polars: the log filter and the command line's error line use it, and loading a
data frame library for them would slow every `boinv` command's start. Re-exported by
core/personnummer.py, where the numbers are validated."""

from __future__ import annotations

import re

__all__ = ["mask_in_text", "mask_person_id"]


def mask_person_id(value: str) -> str:
    """Keep the first four digits, replace every later digit by ``*`` ("1912****-****")."""
    out: list[str] = []
    seen = 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= 4 else "*")
        else:
            out.append(ch)
    return "".join(out)


# Anything a reader could take for a personnummer, including near misses and long digit runs:
# masking too much in a log is harmless, too little is not.
_IN_TEXT = re.compile(r"(?<!\d)(?:\d{6}(?:\d{2})?(?:[ \t]*[-+\u2013][ \t]*|[ \t])\d{3,5}|\d{9,})(?!\d)")


def mask_in_text(text: str) -> str:
    """Mask every personnummer-like substring of a free text (for error logs)."""
    return _IN_TEXT.sub(lambda m: mask_person_id(m.group(0)), text)
