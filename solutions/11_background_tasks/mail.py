"""Email: what a message is, and a mailer that writes each one into a folder.

Don't change this: the grader replaces the mailer (README, "Grading interface").
"""

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


class MailError(Exception):
    """The email could not be sent: the mail server is down, or refused it."""


class Mailer(Protocol):
    def send(self, email: Email) -> None:
        """Send `email`, blocking until it is handed over; raises MailError if it cannot be."""


class OutboxMailer:
    """Writes each email into a folder as an `.eml` file, as development mail backends do.

    Like a real SMTP client (`smtplib` has no `await` either), it holds its thread until the
    message is written: a mail server far away or a slow disk makes that take a while.
    """

    def __init__(self, folder: Path, sender: str = "conversions@example.com") -> None:
        self.folder = folder
        self.sender = sender

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(message))
        except OSError as error:
            raise MailError(f"cannot write {path}: {error.strerror}") from error
