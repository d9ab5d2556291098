"""Is an extracted article whole? Per field: ok, missing or suspicious (with the reason), and an outlet's verdict.

Pure functions over the `bnwatch extract` dict, so the bounds are unit-tested without a crawl. A field taken by a
fallback (structured data, generic headline) although the outlet's own selector is set counts as suspicious: the
page still reads, but the layout has moved under the selector, which is what the canary is there to catch.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

FIELDS = ("title", "body", "published_at", "language")
#: the fields an article cannot do without: missing in every checked article makes the outlet BROKEN
CORE_FIELDS = ("title", "body", "published_at")
OK, MISSING, SUSPICIOUS = "ok", "missing", "suspicious"
OUTCOMES = (OK, MISSING, SUSPICIOUS)
VERDICT_OK, DEGRADED, BROKEN = "OK", "DEGRADED", "BROKEN"

TITLE_CHARS = (10, 300)
BODY_MIN_CHARS = 300
MIN_BENGALI_SHARE = 0.5
FUTURE_TOLERANCE = timedelta(minutes=15)
#: paragraphs that are page chrome, not article text (besides the outlet's own `boilerplate_text`)
BOILERPLATE_MARKERS = ("আরও পড়ুন", "আরো পড়ুন", "বিজ্ঞাপন", "মন্তব্য করুন", "শেয়ার করুন", "Advertisement",
                       "Read more", "Share this", "Subscribe")


@dataclass(frozen=True)
class FieldResult:
    field: str
    outcome: str
    reason: str = ""


def bengali_share(text: str) -> float:
    """Share of the letters and marks of `text` that are in the Bengali block (U+0980–U+09FF); 0 without any."""
    letters = [c for c in text if unicodedata.category(c)[0] in "LM"]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\u0980" <= c <= "\u09ff") / len(letters)


def check_title(title: str | None, selector_matched: bool | None = None) -> FieldResult:
    if not (title or "").strip():
        return FieldResult("title", MISSING, "no title")
    lo, hi = TITLE_CHARS
    if not lo <= len(title) <= hi:
        return FieldResult("title", SUSPICIOUS, f"{len(title)} characters (expected {lo}–{hi})")
    if bengali_share(title) < MIN_BENGALI_SHARE:
        return FieldResult("title", SUSPICIOUS, f"Bengali share {bengali_share(title):.2f} < {MIN_BENGALI_SHARE}")
    if selector_matched is False:
        return FieldResult("title", SUSPICIOUS, "the outlet's title selector matched nothing (a fallback found it)")
    return FieldResult("title", OK)


def boilerplate_in(body: str, extra_markers: tuple[str, ...] = ()) -> str | None:
    """The first paragraph start that is a boilerplate marker ("আরও পড়ুন", the outlet's own), else None."""
    markers = tuple(m for m in (*BOILERPLATE_MARKERS, *extra_markers) if m)
    for paragraph in body.split("\n"):
        text = paragraph.strip()
        for marker in markers:
            if text.startswith(marker):
                return marker
    return None


def check_body(body: str | None, boilerplate: tuple[str, ...] = (),
               selector_matched: bool | None = None) -> FieldResult:
    if not (body or "").strip():
        return FieldResult("body", MISSING, "no body")
    if len(body) < BODY_MIN_CHARS:
        return FieldResult("body", SUSPICIOUS, f"{len(body)} characters (expected ≥ {BODY_MIN_CHARS})")
    share = bengali_share(body)
    if share < MIN_BENGALI_SHARE:
        return FieldResult("body", SUSPICIOUS, f"Bengali share {share:.2f} < {MIN_BENGALI_SHARE}")
    marker = boilerplate_in(body, boilerplate)
    if marker:
        return FieldResult("body", SUSPICIOUS, f"a paragraph starts with boilerplate {marker!r}")
    if selector_matched is False:
        return FieldResult("body", SUSPICIOUS, "the outlet's body selector matched nothing (a fallback found it)")
    return FieldResult("body", OK)


def check_published(published_at: str | None, now: datetime, max_age: timedelta | None = timedelta(days=30),
                    selector_matched: bool | None = None) -> FieldResult:
    """Present, parses, not in the future, and (for a newest article) not older than `max_age` (None: no bound)."""
    if not published_at:
        return FieldResult("published_at", MISSING, "no publication date")
    try:
        when = datetime.fromisoformat(published_at)
    except ValueError:
        return FieldResult("published_at", SUSPICIOUS, f"does not parse: {published_at!r}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when > now + FUTURE_TOLERANCE:
        return FieldResult("published_at", SUSPICIOUS, f"{published_at} is in the future")
    if max_age is not None and when < now - max_age:
        return FieldResult("published_at", SUSPICIOUS, f"{published_at} is older than {max_age.days} days")
    if selector_matched is False:
        return FieldResult("published_at", SUSPICIOUS,
                           "the outlet's published selector matched nothing (a fallback found it)")
    return FieldResult("published_at", OK)


def check_language(language: str | None) -> FieldResult:
    if not language:
        return FieldResult("language", MISSING, "no language")
    if language != "bn":
        return FieldResult("language", SUSPICIOUS, f"language {language!r}, not bn")
    return FieldResult("language", OK)


def missing_all() -> list[FieldResult]:
    """A page that held no article (not an article, challenge, HTTP error): every field missing."""
    return [FieldResult(name, MISSING, "no article") for name in FIELDS]


def verdict(articles: int, counts: dict[str, dict[str, int]], fetch_errors: int = 0) -> str:
    """BROKEN: no article could be checked, or a core field is missing in every one. DEGRADED: a fetch failed, a
    field is missing in any article, or suspicious in at least half of them (one brief news item under 300
    characters is news; a layout change makes every article suspicious). Else OK."""
    if articles == 0 or any(counts[f][MISSING] >= articles for f in CORE_FIELDS):
        return BROKEN
    if fetch_errors or any(counts[f][MISSING] or 2 * counts[f][SUSPICIOUS] >= articles for f in FIELDS):
        return DEGRADED
    return VERDICT_OK
