"""The Bengali text summary of an alert, shared by every channel (webhook `text`, later Slack, Telegram, email).

Times are shown in Dhaka time (UTC+06:00, no DST) with Bengali digits; outlets by their Bengali name when the
outlet registry knows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from bnwatch.records import Alert

DHAKA = timezone(timedelta(hours=6), "BST")
_BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
RULE_NAMES = {"ru-nk": "রাশিয়া–উত্তর কোরিয়া"}
MAX_LINKS = 10


def bn_digits(value: object) -> str:
    return str(value).translate(_BN_DIGITS)


def parse_time(value: str | None) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def bn_time(value: str | None) -> str:
    dt = parse_time(value)
    if dt is None:
        return value or "অজানা"
    return bn_digits(dt.astimezone(DHAKA).strftime("%Y-%m-%d %H:%M")) + " (ঢাকা)"


def outlet_label(outlet: str, names: Mapping[str, str]) -> str:
    return names.get(outlet) or outlet or "অজানা সূত্র"


def render_text(alert: Alert, outlet_names: Mapping[str, str] | None = None) -> str:
    names = outlet_names or {}
    articles = [a for a in alert.articles if isinstance(a, Mapping)]
    outlets: list[str] = []
    for a in articles:
        label = outlet_label(str(a.get("outlet") or ""), names)
        if label not in outlets:
            outlets.append(label)
    rule = RULE_NAMES.get(alert.rule, alert.rule)
    title = alert.title or next((a.get("title") for a in articles if a.get("title")), "") or "(শিরোনাম নেই)"
    kind = "নতুন খবর" if alert.version <= 1 else f"হালনাগাদ (সংস্করণ {bn_digits(alert.version)})"
    lines = [
        f"[{rule}] {title}",
        kind,
        f"সূত্র: {', '.join(outlets) or 'অজানা'} ({bn_digits(len(articles))}টি প্রতিবেদন)",
        f"প্রথম দেখা: {bn_time(alert.first_seen)}",
        f"সর্বশেষ হালনাগাদ: {bn_time(alert.updated_at)}",
    ]
    if articles:
        lines.append("লিংক:")
        for a in articles[:MAX_LINKS]:
            label = outlet_label(str(a.get("outlet") or ""), names)
            head = f"• {label}: {a.get('title') or '(শিরোনাম নেই)'}"
            if a.get("published_at"):
                head += f" — প্রকাশ: {bn_time(a.get('published_at'))}"
            lines.append(head)
            if a.get("url"):
                lines.append(f"  {a['url']}")
        if len(articles) > MAX_LINKS:
            lines.append(f"  … আরও {bn_digits(len(articles) - MAX_LINKS)}টি")
    if alert.evidence:
        lines.append("প্রমাণ: " + "; ".join(str(e) for e in alert.evidence))
    lines.append(f"স্কোর: {bn_digits(f'{float(alert.score):.2f}')}")
    return "\n".join(lines)
