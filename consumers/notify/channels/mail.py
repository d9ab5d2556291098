"""E-mail over SMTP (stdlib smtplib): one multipart/alternative message, plain text + HTML, UTF-8 throughout.

Headers: `Subject` (Bengali, RFC 2047 encoded-words), `From`, `To`, `Date`, `Message-ID` derived from the
delivery id (`<msg_...@bnwatch>`, identical on every retry, so a mail system can drop a repeat), `List-Id`,
`List-Unsubscribe` (RFC 2369; with an https URL also `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
RFC 8058), `Auto-Submitted: auto-generated`. Parts are base64 so no 8BITMIME/SMTPUTF8 is needed.

Connection by configuration: `tls: none | starttls | ssl` (certificate checked against the system store or
`ca_file`), AUTH only when `username` is given.

Outcomes: accepted by the server for at least one recipient -> delivered; 4xx replies, connection errors and
timeouts -> retry; 5xx replies (recipients, sender or data refused), failed authentication, STARTTLS not offered,
certificate errors -> failed.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate

from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message, SendResult
from consumers.notify.subscriptions import ChannelConfig
from consumers.notify.text import render, render_html_page

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "bnwatch"


def subject(message: Message) -> str:
    return f"{SUBJECT_PREFIX}: {message.document().title}"


def build_email(message: Message, channel: ChannelConfig, *, date: float | None = None) -> EmailMessage:
    o = channel.options
    doc = message.document()
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject(message)
    msg["From"] = o["from"]
    msg["To"] = ", ".join(o["to"])
    if o.get("reply_to"):
        msg["Reply-To"] = o["reply_to"]
    msg["Date"] = formatdate(date, usegmt=True)
    msg["Message-ID"] = f"<{message.id}@bnwatch>"
    msg["List-Id"] = f"bnwatch alerts for {message.subscriber} <{channel.id}.bnwatch>"
    unsubscribe = o.get("unsubscribe") or f"mailto:{o['from']}?subject=unsubscribe"
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    if unsubscribe.startswith("https:"):
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Bnwatch-Delivery"] = message.id
    msg.set_content(render(doc, "plain") + "\n", charset="utf-8", cte="base64")
    msg.add_alternative(render_html_page(doc), subtype="html", charset="utf-8", cte="base64")
    return msg


def _smtp_code_result(code: int, error: str) -> SendResult:
    return SendResult(RETRY if 400 <= code < 500 else FAILED, code, error)


class EmailSender:
    type = "email"

    def __init__(self, *, clock: Callable[[], float] | None = None):
        self.clock = clock  # Date header (None: now)

    def _connect(self, channel: ChannelConfig) -> smtplib.SMTP:
        o = channel.options
        context = None
        if o.get("tls") in ("starttls", "ssl"):
            context = ssl.create_default_context(cafile=o.get("ca_file") or None)
        if o.get("tls") == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(o["host"], o["port"], timeout=channel.timeout, context=context)
        else:
            smtp = smtplib.SMTP(o["host"], o["port"], timeout=channel.timeout)
        try:
            smtp.ehlo()
            if o.get("tls") == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if o.get("username"):
                offered = (smtp.esmtp_features.get("auth") or "").upper().split()
                if "PLAIN" in offered:  # one exchange; do not go through every mechanism with a wrong password
                    smtp.user, smtp.password = o["username"], channel.secret
                    code, resp = smtp.auth("PLAIN", smtp.auth_plain)
                    if code not in (235, 503):
                        raise smtplib.SMTPAuthenticationError(code, resp)
                else:
                    smtp.login(o["username"], channel.secret)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Message, channel: ChannelConfig) -> SendResult:
        try:
            msg = build_email(message, channel, date=self.clock() if self.clock else None)
        except (KeyError, ValueError, TypeError) as exc:
            return SendResult(FAILED, error=f"cannot build the e-mail: {exc}")
        try:
            smtp = self._connect(channel)
            try:
                refused = smtp.send_message(msg)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPAuthenticationError as exc:
            return SendResult(FAILED, exc.smtp_code, f"authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPNotSupportedError as exc:
            return SendResult(FAILED, error=f"not supported by the server: {exc}")
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            detail = "; ".join(f"{r}: {c} {_text(m)}" for r, (c, m) in exc.recipients.items())
            retry = any(400 <= c < 500 for c in codes)
            return SendResult(RETRY if retry else FAILED, max(codes) if codes else None,
                              f"recipients refused: {detail}")
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, HELO refused, ...
            return _smtp_code_result(exc.smtp_code, f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}")
        except ssl.SSLCertVerificationError as exc:
            return SendResult(FAILED, error=f"TLS certificate: {exc.verify_message or exc}")
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            return SendResult(RETRY, error=f"{type(exc).__name__}: {exc}")
        except (socket.timeout, TimeoutError):
            return SendResult(RETRY, error=f"timed out after {channel.timeout:g}s")
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult(RETRY, error=f"{type(exc).__name__}: {exc}")
        if refused:
            log.warning("e-mail %s: some recipients refused: %s", message.id, refused)
        return SendResult(DELIVERED, 250, error=f"refused: {', '.join(refused)}" if refused else None)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
