"""Recognise bot-challenge and block pages (Cloudflare "Just a moment…", 403 walls) so they are counted per
outlet and never published as articles. The markers are bnwatch.extract.verdicts' — one list, which the clean
stage reads too."""

from __future__ import annotations

from bnwatch.extract.verdicts import CHALLENGE_MARKERS, response_challenge as challenge_reason

__all__ = ["CHALLENGE_MARKERS", "challenge_reason"]
