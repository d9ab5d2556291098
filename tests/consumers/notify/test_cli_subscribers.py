"""`bnwatch subscribers list | test NAME | replay-parked` through bnwatch.cli.main with a temporary subscribers file."""

from __future__ import annotations

import email
import email.policy

import pytest

from bnwatch.cli import main
from consumers.notify.store import PARKED, PENDING, DeliveryStore, NewDelivery

pytestmark = pytest.mark.integration

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOKEN = "123456:ABC-test_token"


def write(tmp_path, text):
    path = tmp_path / "subscribers.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_list_hides_secrets(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2-smtp")
    path = write(tmp_path, f"""
subscribers:
  - name: desk
    min_score: 0.7
    outlets: [prothomalo]
    quiet_hours: "22:00-07:00"
    channels:
      - type: webhook
        url: https://desk.example/hooks/very-secret-path
        secret: {SECRET}
      - type: slack
        url: https://hooks.slack.com/services/T000/B000/XXXXSECRET
      - type: telegram
        token: "{TOKEN}"
        chat_id: "-100123"
  - name: ডেস্ক-২
    rules: ["*"]
    mode: digest
    digest: daily
    digest_time: "09:30"
    channels:
      - type: email
        to: analyst@example.org
        from: bnwatch@example.org
        host: smtp.example.org
        tls: starttls
        username: bnwatch
        password: ${{SMTP_PASSWORD}}
      - type: atom
        token: feed-token-secret
""")
    assert main(["subscribers", "list", "--file", path]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "ENABLED", "RULES", "MIN_SCORE", "OUTLETS", "MODE", "QUIET_HOURS", "CHANNELS"]
    assert lines[1].startswith("desk ") and "0.7" in lines[1] and "prothomalo" in lines[1]
    assert "22:00-07:00 Asia/Dhaka" in lines[1] and "webhook:webhook → https://desk.example/…" in lines[1]
    assert "slack:slack → https://hooks.slack.com/…" in lines[1] and "chat -100123" in lines[1]
    assert lines[2].startswith("ডেস্ক-২") and "digest daily 09:30" in lines[2]
    assert "analyst@example.org via smtp.example.org:587 (starttls)" in lines[2] and "atom:atom" in lines[2]
    for secret in (SECRET, "very-secret-path", "XXXXSECRET", TOKEN, "ABC-test", "hunter2-smtp", "feed-token-secret"):
        assert secret not in out


def test_list_reports_an_invalid_file(tmp_path, capsys):
    path = write(tmp_path, "subscribers:\n  - name: x\n    channels: [{type: pigeon}]\n")
    assert main(["subscribers", "list", "--file", path]) == 2
    assert "channels[0].type: must be one of" in capsys.readouterr().err


def test_test_sends_through_every_channel_now(tmp_path, capsys, receiver, slack_server, telegram_server, smtp_server):
    controller, sink = smtp_server
    path = write(tmp_path, f"""
subscribers:
  - name: desk
    quiet_hours: "00:00-23:59"   # a test alert ignores quiet hours
    mode: digest
    channels:
      - type: webhook
        url: {receiver.url}
        secret: {SECRET}
      - type: slack
        url: {slack_server.url("/hook")}
      - type: telegram
        token: "{TOKEN}"
        chat_id: "-100123"
        base_url: {telegram_server.url()}
      - type: email
        to: desk@example.org
        from: bnwatch@example.org
        host: 127.0.0.1
        port: {controller.port}
      - type: atom
""")
    assert main(["subscribers", "test", "desk", "--file", path]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert rows["webhook"][2] == "delivered" and rows["webhook"][3] == "204"
    assert rows["slack"][2] == "delivered" and rows["telegram"][2] == "delivered"
    assert rows["email"][2] == "delivered" and rows["atom"][2] == "skipped"
    assert receiver.verified[0].payload["text"].startswith("[test] পরীক্ষামূলক সতর্কবার্তা")
    assert "পরীক্ষামূলক" in slack_server.requests[0].json["text"]
    assert "পরীক্ষামূলক" in telegram_server.requests[0].json["text"]
    msg = email.message_from_bytes(sink.messages[0].original_content, policy=email.policy.default)
    assert msg["Subject"] == "bnwatch: [test] পরীক্ষামূলক সতর্কবার্তা (bnwatch)"
    # a failing channel: exit 1 and the reason printed
    slack_server.respond(403, body=b"invalid_token")
    assert main(["subscribers", "test", "desk", "--file", path]) == 1
    out = capsys.readouterr().out
    assert "failed" in out and "invalid_token" in out
    assert main(["subscribers", "test", "nobody", "--file", path]) == 2


def test_replay_parked(tmp_path, capsys):
    data = tmp_path / "var"
    store = DeliveryStore(data / "notify" / "deliveries.sqlite3")
    new = [NewDelivery(s, sub, 1, "webhook", "webhook", "ru-nk", "{}") for s, sub in
           (("s1", "desk"), ("s2", "desk"), ("s1", "other"))]
    store.enqueue(new, now=0)
    for d in new:
        store.park_unclaimed(d.id, 1, "HTTP 400")
    assert main(["subscribers", "replay-parked", "--data-dir", str(data), "--subscriber", "desk", "--story", "s2"]) == 0
    assert "requeued 1 parked delivery" in capsys.readouterr().out
    assert main(["subscribers", "replay-parked", "--data-dir", str(data)]) == 0
    assert "requeued 2 parked deliveries" in capsys.readouterr().out
    assert store.counts()[PENDING] == 3 and store.counts()[PARKED] == 0
    store.close()
    assert main(["subscribers", "replay-parked", "--data-dir", str(tmp_path / "none")]) == 2


def test_feeds_refuses_an_outbox_that_does_not_exist(tmp_path, capsys):
    """A mistyped path must not create and serve an empty outbox (feed readers would see every story vanish)."""
    missing = tmp_path / "typo" / "deliveries.sqlite3"
    path = write(tmp_path, "subscribers: []\n")
    assert main(["subscribers", "feeds", "--file", path, "--store", str(missing)]) == 2
    assert f"no outbox at {missing}" in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists()
