"""Recognise bot-challenge and block pages (Cloudflare "Just a moment…", 403 walls) so they are counted per
outlet and never published as articles."""

from __future__ import annotations

_MARKERS = (
    (b"<title>just a moment...</title>", "cloudflare-challenge"),
    (b"cf-chl", "cloudflare-challenge"),
    (b"challenge-platform", "cloudflare-challenge"),
    (b"attention required! | cloudflare", "cloudflare-block"),
    (b"sorry, you have been blocked", "cloudflare-block"),
    (b"access denied", "access-denied"),
)


def challenge_reason(status: int, body: bytes) -> str | None:
    """Why this response is a challenge/block page, or None if it looks like a real page."""
    head = body[:65536].lower()
    for marker, reason in _MARKERS:
        if marker in head and (status in (403, 429, 503) or marker != b"access denied"):
            return reason
    if status in (401, 403, 429):
        return f"http-{status}"
    return None
