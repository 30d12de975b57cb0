"""Defence in depth: whatever reaches a log, a personnummer in it is masked."""

import logging
import re

_PNR = re.compile(r"(?<!\d)(\d{2})?(\d{6})[-+]?(\d{4})(?!\d)")


class MaskPersonnummer(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PNR.sub(lambda m: m.group(0)[:4] + re.sub(r"\d", "*", m.group(0)[4:]), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
