"""Outgoing mail: every message goes to the outbox table (listed on the admin page) and a log line;
when ``settings.smtp_host`` is set it is also sent over SMTP after the transaction commits.

Bodies are plain-text templates under ``web/templates/mail/`` rendered in the recipient's language.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

import psycopg

from web.db.pool import Database
from web.i18n import Renderer, check_locale
from web.settings import Settings
from web.store import outbox as store

log = logging.getLogger(__name__)


class Mailer:
    """Queues templated e-mails in the caller's transaction and delivers them afterwards."""

    def __init__(self, settings: Settings, renderer: Renderer) -> None:
        self.settings = settings
        self.renderer = renderer

    def queue(self, conn: psycopg.Connection, recipient: str, template: str, locale: str | None,
              context: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        """Render ``mail/<template>.txt`` (first line: the subject) and add it to the outbox, with
        extra ``headers`` for the message (e.g. ``List-Unsubscribe``)."""
        lang = check_locale(locale, self.settings.default_locale)
        text = self.renderer.render_text(lang, f"mail/{template}.txt",
                                         {"base_url": self.settings.base_url.rstrip("/"), **context})
        subject, _, body = text.strip().partition("\n")
        outbox_id = store.insert_outbox(conn, recipient, subject.strip(), body.strip() + "\n", template, headers)
        log.info("mail queued #%d to %s: %s", outbox_id, recipient, subject.strip())
        return outbox_id

    def deliver(self, db: Database, outbox_ids: list[int]) -> None:
        """Send queued messages over SMTP (if configured); failures are recorded, never raised."""
        if not self.settings.smtp_host or not outbox_ids:
            return
        with db.connection() as conn:
            for row in store.list_outbox_by_ids(conn, outbox_ids):
                error = None
                try:
                    self._send(message(self.settings.smtp_from, row.recipient, row.subject, row.body, row.headers))
                except (OSError, smtplib.SMTPException) as exc:
                    error = str(exc)[:500]
                    log.warning("mail #%d to %s failed: %s", row.id, row.recipient, error)
                store.update_outbox_sent(conn, row.id, error)

    def _send(self, msg: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_port != 25:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(msg)


def message(sender: str, recipient: str, subject: str, body: str, headers: dict[str, str]) -> EmailMessage:
    """The message sent for an outbox row: plain text, with the row's extra headers."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    return msg
