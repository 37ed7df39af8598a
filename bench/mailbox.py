"""An e-mail backend for the load test: one inbox file per recipient.

Django's file backend writes one file per message, so finding one volunteer's code
among a thousand means reading many files on the load generator's own (shared) CPU.
This writes the same message text, appended to `<EMAIL_FILE_PATH>/<recipient>.eml`.
"""

from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class PerRecipientBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        root = Path(settings.EMAIL_FILE_PATH)
        for message in email_messages:
            text = message.message().as_string()
            for recipient in message.recipients():
                name = recipient.replace("/", "_")
                with (root / f"{name}.eml").open("a", encoding="utf-8") as inbox:
                    inbox.write(text + "\n")
        return len(email_messages)
