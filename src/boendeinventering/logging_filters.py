"""Defence in depth: whatever reaches a log, a personnummer in it is masked — in the message and
in any traceback, since an exception's text can quote the value that broke it."""

import logging
import re
import traceback

from boendeinventering.core.personnummer import mask_in_text

_PNR = re.compile(r"(?<!\d)(\d{2})?(\d{6})[-+]?(\d{4})(?!\d)")


def mask(text: str) -> str:
    text = _PNR.sub(lambda m: m.group(0)[:4] + re.sub(r"\d", "*", m.group(0)[4:]), text)
    # also the near misses a person still reads as a number ("121212 1212", an en dash)
    return mask_in_text(text)


class MaskPersonnummer(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True
