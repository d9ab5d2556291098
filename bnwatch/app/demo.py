"""`bnwatch demo`: the main job, offline, against the outlet replay.

Starts the replay (modelled copies of the seed outlets), a local webhook subscriber, and the embedded pipeline
(crawl → clean → tag → stories → notify); prints each alert as the subscriber receives it; stops by itself
once the crawl is done and every alert is delivered (or at the timeout).
"""

from __future__ import annotations

import base64
import logging
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

from bnwatch.config import Settings

logger = logging.getLogger(__name__)


def _format_alert(payload: dict) -> str:
    alert = payload.get("alert", payload)
    outlets = ", ".join(sorted({a.get("outlet", "?") for a in alert.get("articles", [])}))
    kind = "UPDATE" if int(alert.get("version", 1)) > 1 else "ALERT"
    return (f"{kind} [{alert.get('rule')}] score={float(alert.get('score', 0)):.2f} story={alert.get('story_id')}"
            f" v{alert.get('version')}\n  {alert.get('title')}\n  outlets: {outlets}")


def run_demo(timeout: float = 90.0, metrics_port: int | None = None, keep_data: str | None = None) -> int:
    from bnwatch.app.pipeline import run_embedded
    from bnwatch.app.receiver import WebhookReceiver
    from bnwatch.app.devtools import replay_server_class

    ReplayServer = replay_server_class()  # ReplayMissing (the caller's one line, exit 2) in an installed wheel

    t0 = time.monotonic()
    data_dir = Path(keep_data) if keep_data else Path(tempfile.mkdtemp(prefix="bnwatch-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    printed = threading.Lock()

    def show(payload: dict) -> None:
        with printed:
            print(f"[{time.monotonic() - t0:5.1f}s] " + _format_alert(payload), flush=True)

    receiver = WebhookReceiver(secret, on_alert=show).start()
    replay = ReplayServer(port=0)
    replay.start()
    subscribers = data_dir / "subscribers.yaml"
    subscribers.write_text(
        "subscribers:\n"
        "  - name: demo-analyst\n"
        "    rules: [ru-nk]\n"
        "    channels:\n"
        f"      - type: webhook\n        url: {receiver.url}\n        secret: {secret}\n",
        encoding="utf-8",
    )
    settings = Settings.from_env().with_(
        kafka_bootstrap=None,
        data_dir=data_dir,
        subscribers_file=subscribers,
        replay_hosts={"*": f"127.0.0.1:{replay.port}"},
        metrics_port=metrics_port,
        # the demo's own outbox and no feed server: never a deployment's shared outbox or its feed port
        delivery_store=None,
        feeds_port=None,
    )
    print(f"bnwatch demo: outlet replay on 127.0.0.1:{replay.port}, subscriber webhook {receiver.url},"
          f" data in {data_dir}{'' if keep_data else ' (removed at the end)'}", flush=True)
    stop = threading.Event()
    timer = threading.Timer(timeout, stop.set)
    timer.daemon = True
    timer.start()
    try:
        rc = run_embedded(settings, outlets="all", follow=False, stop=stop, drain_timeout=max(5.0, timeout))
    finally:
        timer.cancel()
        replay.stop()
        receiver.stop()
        if not keep_data:  # a temporary directory: gone with the demo (--data-dir keeps it)
            shutil.rmtree(data_dir, ignore_errors=True)
    n = len(receiver.payloads())
    print(f"bnwatch demo: {n} alert(s) delivered in {time.monotonic() - t0:.1f} s", flush=True)
    if not n and keep_data:
        print(f"bnwatch demo: nothing new: every article was already processed in {data_dir}", flush=True)
    elif not n:
        print("bnwatch demo: no alert reached the subscriber: see the log lines above", flush=True)
        return rc or 1
    return rc
