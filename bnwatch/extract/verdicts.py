"""One set of verdicts on a page: is it a bot challenge, an error wall, a section front, too thin to be an article?

The challenge markers below are the only list: the crawler (`response_challenge`, on the raw response) and the
clean stage (`page_verdict`, on the decoded page) both read it.
"""

from __future__ import annotations

import re

from .structured import ARTICLE_TYPES, types
from .text import clean, headline_like

# NotAnArticle reasons (metric label values)
CHALLENGE = "challenge"
ERROR_PAGE = "error_page"
SECTION_FRONT = "section_front"
NO_TEXT = "no_text"
UNDECODABLE = "undecodable"
TOO_DEEP = "too_deep"

MIN_BODY_CHARS = 120


class NotAnArticle(Exception):
    """The page holds no article. `reason` is one of the module's reason codes; `detail` says more."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# -- bot challenges and error walls ----------------------------------------------------------------------------------

#: (lower-case substring of the page head, kind): scripts and texts only a challenge/block interstitial carries.
#: Alone they prove nothing on a full article page (Cloudflare injects challenge-platform scripts into ordinary
#: pages), so they count on a page without an <article> and with little text, or on a 403/429/503 answer.
CHALLENGE_MARKERS: tuple[tuple[str, str], ...] = (
    ("cf-chl", "cloudflare-challenge"),
    ("cf_chl_opt", "cloudflare-challenge"),
    ("_cf_chl", "cloudflare-challenge"),
    ("challenge-platform", "cloudflare-challenge"),
    ("challenges.cloudflare.com/turnstile", "cloudflare-challenge"),
    ("cf-browser-verification", "cloudflare-challenge"),
    ("sorry, you have been blocked", "cloudflare-block"),
    ("__ddg", "ddos-guard"),
    ("sucuri_cloudproxy_js", "sucuri"),
    ("captcha-delivery.com", "datadome"),
    ("perimeterx", "perimeterx"),
)
#: (title pattern, kind): a <title> that is the whole verdict
CHALLENGE_TITLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s*attention required!?[^<]*cloudflare\s*$"), "cloudflare-block"),
    (re.compile(r"\s*(?:just a moment\.{0,3}|checking your browser[^<]*)\s*$"), "cloudflare-challenge"),
    (re.compile(r"\s*ddos-guard\s*$"), "ddos-guard"),
    (re.compile(r"\s*(?:one moment, please\.{0,3}|please wait\.{0,3}|security check|are you a robot\??)\s*$"),
     "challenge"),
)
_BLOCK_STATUSES = (403, 429, 503)
_MARKER_BYTES = tuple(marker.encode("ascii") for marker, _kind in CHALLENGE_MARKERS)
_ERROR_TITLE = re.compile(
    r"\s*(?:(?:[45]\d\d)\s*(?:[-:|–]?\s*(?:forbidden|not found|page not found|error|unauthori[sz]ed|"
    r"internal server error|bad gateway|service unavailable|gateway time-?out|bad request|gone)[^<]{0,40})?"
    r"|(?:access denied|forbidden|page not found|not found|error\b[^<]{0,40}|request rejected|service unavailable|"
    r"পৃষ্ঠাটি পাওয়া যায়নি|পাতাটি খুঁজে পাওয়া যায়নি))\s*$")
_TAGS = re.compile(r"<[^>]+>")


#: a page's <title> (ASCII letters of the tag in either case; spelled out: with re.I the engine cannot jump to each '<')
_TITLE = re.compile(r"<[tT][iI][tT][lL][eE][^>]*>(.*?)</[tT][iI][tT][lL][eE]>", re.S)


def _page_title(head: str) -> str | None:
    """The lower-cased <title> text of the head of a page, or None."""
    m = _TITLE.search(head)
    return m.group(1).lower() if m else None


def challenge_kind(head: str, status: int = 200) -> str | None:
    """The kind of challenge/block interstitial (CHALLENGE_TITLES, CHALLENGE_MARKERS) the head of a page (in any
    case) shows, or None. This runs on every page and every response: the title alone, and the markers only on a
    page without <article> (or a blocked status), found first by a prefilter on the head's ASCII characters, so the
    head is lower-cased only when one could be there. (Dropping the other characters can only join pieces into a
    false hit, which the check on the lower-cased head rejects; a marker spelt with the Kelvin sign, which
    str.lower() turns into 'k', is not one.)"""
    title = _page_title(head)
    if title is not None:
        for pattern, kind in CHALLENGE_TITLES:
            if pattern.match(title):
                return kind
    blocked = status in _BLOCK_STATUSES
    if not blocked and ("<article" in head or "<ARTICLE" in head):
        return None  # what a marker proves needs a page without <article> (below): skip the scans
    ascii_head = head.encode("ascii", "ignore").lower()
    if not any(marker in ascii_head for marker in _MARKER_BYTES):
        return None
    lower = head.lower()
    for marker, kind in CHALLENGE_MARKERS:
        if marker in lower:
            if blocked or ("<article" not in lower and len(_TAGS.sub("", lower)) < 30000):
                return kind
            return None
    return None


def page_verdict(html: str) -> str | None:
    """CHALLENGE for a bot interstitial, ERROR_PAGE for a 403/404/5xx wall (by its <title>), else None. Looks only
    at the head of the page."""
    head = html[:60000]
    if challenge_kind(head):
        return CHALLENGE
    title = _page_title(head)
    if title is not None and _ERROR_TITLE.match(title):
        return ERROR_PAGE
    return None


def response_challenge(status: int, body: bytes) -> str | None:
    """Why an HTTP response is a challenge/block page (a kind from the lists above, "access-denied" or
    "http-<status>"), or None if it looks like a real page. For the crawler, before any decoding."""
    head = body[:65536].decode("utf-8", "ignore")
    kind = challenge_kind(head, status)
    if kind:
        return kind
    if status in _BLOCK_STATUSES and "access denied" in head.lower():
        return "access-denied"
    if status in (401, 403, 429):
        return f"http-{status}"
    return None


# -- section fronts ----------------------------------------------------------------------------------------------------

def is_section_front(page, paragraphs: list[str]) -> bool:
    """A listing/section front: many headline links and no article signal, or a body made of headlines."""
    ld = page.article_ld
    if (ld is not None and types(ld) & ARTICLE_TYPES) or (page.meta("og:type") or "").lower() == "article":
        return False
    if page.meta("article:published_time"):
        return False
    links = [t for t in (clean(x) for x in page.xpath("//a//text()")) if len(t) >= 25]
    body_chars = sum(len(p) for p in paragraphs)
    sentences = sum(1 for p in paragraphs if not headline_like(p))
    if len(links) >= 12 and (body_chars < 60 * len(links) * 0.5 or sentences < 3):
        return True
    return bool(paragraphs) and sentences == 0 and len(paragraphs) >= 5
