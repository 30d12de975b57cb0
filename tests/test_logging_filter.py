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


def test_log_filter_masks_personnummer_written_with_a_space_or_an_en_dash():
    from boendeinventering.logging_filters import mask

    number = pnr(14)
    text = mask(f"a {number[:8]} {number[8:]} b {number[2:8]}\u2013{number[8:]} c {number[2:8]} - {number[8:]}")
    for form in (number, number[2:], number[2:8], f"{number[2:8]}-{number[8:]}"):
        assert form not in text
    assert number[8:] not in text
