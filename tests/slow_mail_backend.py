"""A mail server for the fault tests that a worker process can be killed in the middle of.

Each message is written to ``$SLOW_MAIL_FILE.started`` when its send begins and to
``$SLOW_MAIL_FILE`` when the "server" has accepted it, ``$SLOW_MAIL_SECONDS`` later: one line
per message (recipient and Message-ID), so the test counts what was really delivered.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def _append(path: Path, line: str) -> None:
    with path.open("a") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        delivered = Path(os.environ["SLOW_MAIL_FILE"])
        seconds = float(os.environ.get("SLOW_MAIL_SECONDS", "1"))
        for message in messages:
            line = f"{message.to[0]} {message.extra_headers.get('Message-ID', '')}"
            _append(delivered.with_suffix(".started"), line)
            time.sleep(seconds)
            _append(delivered, line)
        return len(messages)
