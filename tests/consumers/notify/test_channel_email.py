"""E-mail over SMTP against a real local aiosmtpd server; the message is parsed back with the stdlib email package."""

from __future__ import annotations

import email
import email.policy
import random
import shutil
import ssl
import subprocess

import pytest

from consumers.notify.channels import DELIVERED, FAILED, RETRY, Message
from consumers.notify.channels.mail import EmailSender
from consumers.notify.stage import NotifyStage
from consumers.notify.store import DELIVERED as S_DELIVERED, PENDING, DeliveryStore
from consumers.notify.subscriptions import Subscriptions, parse_subscribers
from consumers.notify.text import alert_doc

pytestmark = pytest.mark.integration

NAMES = {"prothomalo": "প্রথম আলো", "jugantor": "যুগান্তর"}


def email_sub(port, **extra):
    channel = {"type": "email", "to": ["desk@example.org", "analyst@example.org"], "from": "bnwatch@example.org",
               "host": "127.0.0.1", "port": port, "timeout": 5, **extra}
    return parse_subscribers({"subscribers": [{"name": "desk", "channels": [channel]}]}, env={})


def parse(envelope):
    return email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)


def test_bengali_multipart_email_with_list_unsubscribe(smtp_server, alert_factory, tmp_path, clock):
    controller, sink = smtp_server
    stage = NotifyStage.with_delivery(Subscriptions.from_list(email_sub(controller.port)),
                                      DeliveryStore(tmp_path / "o.sqlite3"), clock=clock, rng=random.Random(1),
                                      outlet_names=NAMES)
    try:
        stage.process(alert_factory())
        [d] = stage.store.for_story("story-1")
        assert d.status == S_DELIVERED
    finally:
        stage.close()
    [env] = sink.messages
    assert env.mail_from == "bnwatch@example.org"
    assert sorted(env.rcpt_tos) == ["analyst@example.org", "desk@example.org"]
    raw = env.original_content or env.content
    assert raw.isascii()  # RFC 2047 headers and base64 bodies: no 8-bit data on the wire
    assert b"Subject: bnwatch: =?utf-8?b?" in raw
    msg = parse(env)
    assert msg["Subject"] == "bnwatch: [রাশিয়া–উত্তর কোরিয়া] পুতিন-কিম বৈঠকে সামরিক সহযোগিতার চুক্তি"
    assert msg["List-Unsubscribe"] == "<mailto:bnwatch@example.org?subject=unsubscribe>"
    assert msg["Message-ID"] == f"<{d.id}@bnwatch>"
    assert msg["To"] == "desk@example.org, analyst@example.org"
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for text in (plain, html):
        assert "পুতিন-কিম বৈঠকে সামরিক সহযোগিতার চুক্তি" in text and "প্রথম আলো" in text
        assert "প্রমাণ: রাশিয়া; উত্তর কোরিয়া; কিম জং উন" in text
    assert "https://jugantor.example/world/story-1-1" in plain
    assert '<a href="https://jugantor.example/world/story-1-1">' in html and html.lstrip().startswith("<!DOCTYPE html>")


def test_one_click_unsubscribe_and_refused_recipients(smtp_server, alert_factory):
    controller, sink = smtp_server
    [sub] = email_sub(controller.port, unsubscribe="https://bnwatch.example/unsub?u=desk")
    a = alert_factory()
    msg = Message("msg_abc", a, "", "desk", doc=alert_doc(a, NAMES))
    sender = EmailSender()
    sink.refuse["analyst@example.org"] = "550 5.1.1 no such user"
    res = sender.send(msg, sub.channels[0])
    assert res.outcome == DELIVERED and "analyst@example.org" in res.error  # one recipient took it
    got = parse(sink.messages[-1])
    assert got["List-Unsubscribe"] == "<https://bnwatch.example/unsub?u=desk>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sink.refuse["desk@example.org"] = "550 5.1.1 no such user"
    res = sender.send(msg, sub.channels[0])
    assert res.outcome == FAILED and res.status == 550
    sink.refuse = {"desk@example.org": "451 4.3.0 try later", "analyst@example.org": "451 4.3.0 try later"}
    assert sender.send(msg, sub.channels[0]).outcome == RETRY


def test_server_down_is_retried_then_delivered(smtp_factory, alert_factory, tmp_path, clock):
    controller, sink = smtp_factory()
    port = controller.port
    controller.stop()
    stage = NotifyStage.with_delivery(Subscriptions.from_list(email_sub(port)), DeliveryStore(tmp_path / "o.sqlite3"),
                                      clock=clock, rng=random.Random(1), outlet_names=NAMES)
    try:
        stage.process(alert_factory())
        [d] = stage.store.by_status(PENDING)
        assert d.attempts == 1 and d.last_error
        smtp_factory(port=port, sink=sink)  # back up on the same port
        clock.advance(3600)
        stage.delivery.dispatch_due()
        assert stage.store.get(d.id).status == S_DELIVERED and len(sink.messages) == 1
    finally:
        stage.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")
def test_starttls_and_auth(tmp_path, smtp_factory, alert_factory):
    from aiosmtpd.smtp import AuthResult

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    controller, sink = smtp_factory(tls_context=context, require_starttls=True, authenticator=authenticator,
                                    auth_required=True)
    a = alert_factory()
    msg = Message("msg_tls", a, "", "desk", doc=alert_doc(a, NAMES))
    sender = EmailSender()
    [good] = email_sub(controller.port, tls="starttls", ca_file=str(cert), username="bnwatch", password="s3cret")
    res = sender.send(msg, good.channels[0])
    assert res.outcome == DELIVERED, res.error
    assert logins and logins[0][1] == b"bnwatch" and len(sink.messages) == 1
    assert parse(sink.messages[0])["Subject"].startswith("bnwatch: [রাশিয়া–উত্তর কোরিয়া]")
    [bad] = email_sub(controller.port, tls="starttls", ca_file=str(cert), username="bnwatch", password="wrong")
    res = sender.send(msg, bad.channels[0])
    assert res.outcome == FAILED and "authentication failed" in res.error, res.error
    [untrusted] = email_sub(controller.port, tls="starttls", username="bnwatch", password="s3cret")
    res = sender.send(msg, untrusted.channels[0])  # self-signed certificate, no ca_file: refused
    assert res.outcome == FAILED and "certificate" in res.error
    [plain] = email_sub(controller.port)  # no STARTTLS while the server requires it
    assert sender.send(msg, plain.channels[0]).outcome == FAILED
    assert len(sink.messages) == 1
