import logging

from boendeinventering.logging_filters import MaskPersonnummer
from tests.fixtures.extracts import pnr


def _formatted(record: logging.LogRecord) -> str:
    MaskPersonnummer().filter(record)
    return logging.Formatter("%(message)s").format(record)


def test_message_and_traceback_are_masked():
    number = pnr(5)
    try:
        raise ValueError(f"could not parse {number} and {number[2:8]}-{number[8:]}")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "row %s failed", (number,), sys.exc_info())
    text = _formatted(record)
    assert "ValueError" in text and "row" in text
    assert number not in text and number[2:8] not in text
    assert number[:4] in text  # the year stays, so a log is still useful
