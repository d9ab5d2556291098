"""The development receiver accepts bnwatch's signed webhooks once per webhook-id and rejects bad signatures."""

from __future__ import annotations

import threading

import pytest

from consumers.notify.channels import DELIVERED, FAILED, Message
from consumers.notify.channels.webhook import WebhookSender
from consumers.notify.receiver import make_server
from consumers.notify.subscriptions import ChannelConfig, load_subscribers

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

pytestmark = pytest.mark.integration


def test_dev_receiver(alert_factory):
    got = []
    server = make_server(SECRET, port=0, on_alert=got.append)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks/bnwatch"
        msg = Message("msg_1", alert_factory(), "টেক্সট", "local-dev")
        sender = WebhookSender()
        assert sender.send(msg, ChannelConfig("webhook", "webhook", url, SECRET)).outcome == DELIVERED
        assert sender.send(msg, ChannelConfig("webhook", "webhook", url, SECRET)).status == 200  # a repeat
        wrong = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
        assert sender.send(msg, ChannelConfig("webhook", "webhook", url, wrong)).outcome == FAILED  # 401
        assert [p["delivery_id"] for p in got] == ["msg_1"]
    finally:
        server.shutdown()
        server.server_close()


def test_example_subscribers_file_works_without_environment():
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "deploy" / "subscribers.yaml"
    [local] = load_subscribers(path, env={})
    assert local.name == "local-dev" and local.channels[0].url == "http://127.0.0.1:8765/hooks/bnwatch"
