"""Defence in depth: whatever reaches a log, a personnummer in it is masked — in the message and
in any traceback, since an exception's text can quote the value that broke it."""

import logging
import traceback

# the same masking as every message shown to users: personnummer in any form a person writes
# them ("121212-1212", "19121212 1212", an en dash) and any run of nine or more digits
from boendeinventering.core.masking import mask_in_text as mask


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
