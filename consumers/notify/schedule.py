"""When a subscriber may be told: quiet hours and digests, in the subscriber's time zone.

- quiet hours `"22:00-07:00"` (may wrap midnight; start inclusive, end exclusive): an instant alert that comes in
  during them is held and sent when they end;
- digest `hourly` (periods end at every full hour, local time) or `daily` (periods end at `digest_time` each day):
  alerts are collected and sent as one message when their period ends; a period ending inside quiet hours is
  folded into the digest sent when the quiet hours end.

Everything here is a pure function of a unix time, so it is driven by the stage's injectable clock; the results
(when a delivery is due, which digest batch it belongs to) are written to the outbox, so a restart neither loses
nor duplicates held alerts. Feed channels (atom) are pulled by the reader and never held.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Dhaka"
DIGESTS = ("hourly", "daily")


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: 'Asia' is a directory of the database
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_hhmm(value: str) -> time:
    hh, mm = value.strip().split(":")
    return time(int(hh), int(mm))


def parse_quiet(spec: str) -> tuple[time, time]:
    start, end = spec.split("-")
    return parse_hhmm(start), parse_hhmm(end)


def _local(ts: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(ts, tz)


def _at(day: date, t: time, tz: tzinfo) -> float:
    return datetime.combine(day, t, tzinfo=tz).timestamp()


def in_quiet(ts: float, quiet: str | None, tz: tzinfo) -> bool:
    if not quiet:
        return False
    start, end = parse_quiet(quiet)
    now = _local(ts, tz).time().replace(tzinfo=None)
    if start < end:
        return start <= now < end
    return now >= start or now < end  # wraps midnight


def quiet_end(ts: float, quiet: str | None, tz: tzinfo) -> float | None:
    """When the quiet hours that `ts` falls in end (unix time), or None if `ts` is not in quiet hours."""
    if not in_quiet(ts, quiet, tz):
        return None
    _, end = parse_quiet(quiet)  # type: ignore[arg-type]
    day = _local(ts, tz).date()
    for d in (day, day + timedelta(days=1)):
        candidate = _at(d, end, tz)
        if candidate > ts:
            return candidate
    return _at(day + timedelta(days=2), end, tz)  # pragma: no cover - DST oddities


def period_end(ts: float, digest: str, tz: tzinfo, digest_time: str = "08:00") -> float:
    """The end of the digest period that `ts` falls in (strictly after `ts`)."""
    local = _local(ts, tz)
    if digest == "hourly":
        start = local.replace(minute=0, second=0, microsecond=0)
        nxt = (start.replace(tzinfo=None) + timedelta(hours=1)).replace(tzinfo=tz)
        end = nxt.timestamp()
        return end if end > ts else end + 3600
    if digest == "daily":
        t = parse_hhmm(digest_time)
        for d in (local.date(), local.date() + timedelta(days=1), local.date() + timedelta(days=2)):
            candidate = _at(d, t, tz)
            if candidate > ts:
                return candidate
    raise ValueError(f"unknown digest {digest!r}")


def label(ts: float, tz: tzinfo) -> str:
    return _local(ts, tz).strftime("%Y-%m-%d %H:%M %Z")


def release(ts: float, *, mode: str, quiet: str | None, tz_name: str, digest: str = "daily",
            digest_time: str = "08:00") -> tuple[float, str | None]:
    """(due time, digest batch key or None) for an alert that arrives at `ts`.

    Instant: due now, or when the quiet hours end. Digest: due at the end of its period, moved to the end of the
    quiet hours if it falls in them; the batch key is the due time, so every alert due at the same moment (several
    hourly periods of one night, say) goes out in the same message."""
    tz = zone(tz_name)
    if mode != "digest":
        return (quiet_end(ts, quiet, tz) or ts), None
    due = period_end(ts, digest, tz, digest_time)
    due = quiet_end(due, quiet, tz) or due
    return due, f"{digest}@{datetime.fromtimestamp(due, tz).isoformat()}"
