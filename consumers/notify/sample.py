"""The test alert `bnwatch subscribers test NAME` sends: clearly marked as a test, in Bengali, one article."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from bnwatch.records import Alert
from consumers.notify.text import Doc, alert_doc


def sample_alert(now: float | None = None) -> tuple[Alert, Doc]:
    now = time.time() if now is None else now
    stamp = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds")
    alert = Alert(
        id=f"test-{int(now)}",
        rule="test",
        story_id=f"bnwatch-test-{int(now)}",
        version=1,
        articles=[{"outlet": "bnwatch", "url": "https://example.org/bnwatch/test",
                   "title": "পরীক্ষামূলক বার্তা: এই চ্যানেলে bnwatch-এর সতর্কবার্তা পৌঁছাচ্ছে", "published_at": stamp}],
        first_seen=stamp,
        updated_at=stamp,
        score=1.0,
        evidence=["পরীক্ষা"],
        title="পরীক্ষামূলক সতর্কবার্তা (bnwatch)",
        discovered_at=stamp,
    )
    return alert, alert_doc(alert, {"bnwatch": "bnwatch"})
