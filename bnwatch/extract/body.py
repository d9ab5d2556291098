"""The body: outlet selector (after the outlet's drop list) → JSON-LD articleBody → the one container of the
page's paragraphs when it is unmistakable → trafilatura; then the same chrome taken out of every body:
related-story lists, "আরও পড়ুন" links, comment and share widgets, ad placeholders ("[বিজ্ঞাপন_২]"), the section
line ("বিভাগ : আন্তর্জাতিক") and the credit line ("সূত্র: তাস।") — the last two are recorded in BodyFacts for the
section and credit fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bnwatch.textnorm import fold

from .authors import is_byline_line, is_sign_off
from .credit import parse_credit
from .dateparse import parse_dateline
from .section import SECTION_LINE
from .text import clean, comparable, element_paragraphs, headline_like, in_chrome, is_junk, n
from .verdicts import MIN_BODY_CHARS, SECTION_FRONT, NotAnArticle

_END_MARKERS = [n(m) for m in [
    "এই বিভাগের আরও", "এই বিভাগের আরো", "এই বিভাগের আরও খবর", "এই বিভাগের অন্যান্য", "সম্পর্কিত সংবাদ", "সম্পর্কিত খবর",
    "সম্পর্কিত", "আরও খবর", "আরো খবর", "আরও সংবাদ", "আরও পড়ুন", "আরো পড়ুন", "আরও দেখুন", "আরো দেখুন",
    "আরও পড়তে পারেন", "আরো পড়তে পারেন", "আরও পড়ুন এখানে",
    "মন্তব্য করুন", "মন্তব্য", "মন্তব্যসমূহ", "পাঠকের মন্তব্য", "সর্বশেষ", "সর্বশেষ খবর", "সর্বাধিক পঠিত",
    "সর্বাধিক পঠিত খবর", "জনপ্রিয়", "জনপ্রিয় সংবাদ", "সর্বাধিক পঠিত", "পাঠকপ্রিয়", "Related", "Related News",
    "Related Posts", "Read more", "More news", "Comments", "Leave a Reply", "Leave a comment",
    "HTML Comment Box is loading comments...", "Loading comments...", "ট্যাগ", "ট্যাগস", "Tags", "বিষয়",
    "এ সম্পর্কিত আরও খবর"]]
_END_MARKER_RE = re.compile(
    "^(?:" + "|".join(re.escape(m) for m in sorted(set(_END_MARKERS), key=len, reverse=True)) + r")\s*[:ঃ]?\s*"
    r"(?:\(\s*[\d০-৯]+\s*\))?\s*$", re.I)
_COMMENT_LINE = re.compile(n(r"^(?:মন্তব্য|comments?)\s*\(\s*[\d০-৯]+\s*\)\s*$|^HTML Comment Box\b|"
                             r"^(?:\d+|[০-৯]+)\s*(?:টি)?\s*(?:মন্তব্য|comments?)\s*$"), re.I)
_READ_MORE_INLINE = re.compile(n(r"^(?:আরও|আরো)\s+(?:পড়ুন|পড়ুন|দেখুন|পড়তে পারেন)\s*[:ঃ\-–]|^(?:Also read|Read more|Read also)\s*[:\-]"),
                               re.I)
_AD_INLINE = re.compile(n(r"\[\s*(?:বিজ্ঞাপন|advertisement|ads?)[\s_\-]*[\d০-৯]*\s*\]"), re.I)
_AD_LINE = re.compile(n(r"^(?:বিজ্ঞাপন|advertisement|sponsored|স্পনসরড|ad)\s*$"), re.I)
_SHARE_LINE = re.compile(
    n(r"^(?:(?:শেয়ার(?: করুন)?|share(?: this| on)?|facebook|twitter|x|whatsapp|linkedin|messenger|telegram|email|ই-মেইল|ইমেইল|print|প্রিন্ট|"
      r"copy link|কপি|pinterest|reddit|ফেসবুক|টুইটার|হোয়াটসঅ্যাপ|গুগল নিউজ|google news|ফলো করুন|follow us|"
      r"অনুসরণ করুন|সাবস্ক্রাইব|subscribe)[\s,|:•·/]*)+$"), re.I)
_FOLLOW_LINE = re.compile(n(r"(?:গুগল নিউজ|google news|ফেসবুক পেজ|ইউটিউব চ্যানেল|হোয়াটসঅ্যাপ চ্যানেল).{0,40}"
                            r"(?:ফলো|follow|যুক্ত হোন|সাবস্ক্রাইব|subscribe)"), re.I)
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w")


@dataclass
class BodyFacts:
    section: str | None = None
    credit: str | None = None
    byline: str | None = None  # a byline line found at the top of the body ("অনলাইন ডেস্ক")


def raw_paragraphs(page, site, selectors: dict, url: str | None) -> tuple[list[str], str]:
    """(paragraphs before cleaning, method): the outlet's body selector after its drop list, JSON-LD
    articleBody, else trafilatura. A page of a known outlet whose URL is not an article URL and that has no
    article data is a SECTION_FRONT."""
    page.drop(site.drop if site else ())
    paragraphs = [p for el in page.elements(selectors.get("body")) for p in element_paragraphs(el)]
    if paragraphs:
        return paragraphs, "selectors"
    ld = page.article_ld
    if ld and isinstance(ld.get("articleBody"), str) and len(ld["articleBody"]) > MIN_BODY_CHARS:
        return [p for p in (clean(x) for x in re.split(r"\n+|\r+", ld["articleBody"])) if p], "jsonld"
    if site and url and site.article_urls and not site.is_article_url(url) and not ld:
        raise NotAnArticle(SECTION_FRONT, f"{url} is not an article URL of {site.id}")
    paragraphs = container_paragraphs(page)
    if paragraphs:
        return paragraphs, "container"
    return trafilatura_paragraphs(page.text, url), "trafilatura"


#: the generic rungs (no outlet selector, no JSON-LD body): held to the same "is this an article?" verdicts
GENERIC_METHODS = ("container", "trafilatura")
#: the container rung is sure when its element holds at least this share of all <p> text on the page
_SURE_SHARE = 0.6
_CHROME_TAGS = ("header", "nav", "footer", "aside")


def container_paragraphs(page) -> list[str] | None:
    """The generic body rung before trafilatura (which costs several times the rest of extraction): the element
    whose <p> children hold the most text, taken only when it is clearly the article — at least 60 % of the
    page's <p> text and MIN_BODY_CHARS of its own, outside header/nav/footer/aside, no share/related/ad class, no
    figure caption inside (whether a caption is copy is trafilatura's call). None when unsure."""
    sizes: dict = {}
    total = 0
    for p in page.xpath("//body//p"):
        size = len(clean(p.xpath("string()")))
        total += size
        parent = p.getparent()
        sizes[parent] = sizes.get(parent, 0) + size
    if not total:
        return None
    parent, size = max(sizes.items(), key=lambda item: item[1])  # the first of equals, in document order
    if (size < MIN_BODY_CHARS or size < _SURE_SHARE * total or parent.tag in _CHROME_TAGS or in_chrome(parent)
            or is_junk(parent)):
        return None
    if page.xpath(".//figcaption", parent):
        return None
    return element_paragraphs(parent) or None


def trafilatura_paragraphs(html: str, url: str | None) -> list[str]:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover
        return []
    text = trafilatura.extract(html, url=url, favor_precision=True, include_comments=False, include_tables=False,
                               include_images=False, include_links=False, include_formatting=False,
                               output_format="txt", with_metadata=False, deduplicate=False)
    if not text:
        return []
    return [p for p in (clean(x) for x in text.split("\n")) if p]


def clean_paragraphs(paragraphs: list[str], *, title: str = "", authors: list[str] | tuple[str, ...] = (),
                     boilerplate: tuple[str, ...] = (), facts: BodyFacts | None = None) -> list[str]:
    """Fold the paragraphs and take out page chrome (see the module docstring). Section and credit lines found on
    the way are recorded in `facts`."""
    facts = facts if facts is not None else BodyFacts()
    prefixes = tuple(fold(b).strip() for b in boilerplate if b and b.strip())
    title_key = comparable(title) if title else ""
    author_keys = {comparable(a) for a in authors if a}
    # a paragraph that is the headline or a byline again is about as long as they are: compare only those (the
    # texts, not their keys — a key drops vowel signs and viramas, which Python's \W counts as non-word)
    key_limit = 2 * max([len(title), *(len(a) for a in authors if a)]) + 40
    items = [clean(fold(p)) for p in paragraphs]
    items = [p for p in items if p and _WORD.search(p)]
    out: list[str] = []
    i = 0
    while i < len(items):
        p = items[i]
        if "[" in p:  # an ad placeholder needs its bracket; the items are clean already
            p = clean(_AD_INLINE.sub(" ", p))
        rest = items[i + 1:]
        i += 1
        if not p or _AD_LINE.match(p):
            continue
        m = SECTION_LINE.match(p)
        if m:
            facts.section = facts.section or clean(m.group("v")).strip(" ।.")
            break  # the section line closes the article on the seed outlets
        if _COMMENT_LINE.match(p):  # every branch is anchored at ^: match, not a search at every position
            break
        if _END_MARKER_RE.match(p):
            # a bare "আরও পড়ুন"/"সম্পর্কিত সংবাদ"/"মন্তব্য করুন": when what follows reads like a list of headlines
            # the article is over; mid-article it only introduces one linked headline
            block = []
            for r in rest:  # up to the next chrome marker
                if _END_MARKER_RE.match(r) or SECTION_LINE.match(r) or _COMMENT_LINE.match(r):
                    break
                block.append(r)
            tail = block[1:] if block and headline_like(block[0]) else block  # after the one linked headline
            if not tail or sum(headline_like(r) for r in tail) >= 0.5 * len(tail):
                break
            if headline_like(rest[0]):
                i += 1
            continue
        if _READ_MORE_INLINE.match(p):
            continue
        if _SHARE_LINE.match(p) or (len(p) < 120 and _FOLLOW_LINE.search(p)):
            continue
        if prefixes and p.startswith(prefixes):
            continue
        if (title_key or author_keys) and len(p) <= key_limit:  # far longer: not the headline again
            key = comparable(p)
            if (title_key and key == title_key) or key in author_keys:
                continue
        if _is_dateline(p):
            continue
        text, credit = parse_credit(p)
        if credit:
            facts.credit = facts.credit or credit
            if not clean(text):
                continue  # a credit line of its own is chrome; an inline credit stays in its paragraph
        if out and out[-1] == p:
            continue
        if not out and is_byline_line(p):
            facts.byline = facts.byline or p  # the byline above the copy, not copy
            continue
        out.append(p)
    while len(out) > 1 and is_sign_off(out[-1]):
        out.pop()
    return out


_DATELINE_CHARS = re.compile(r"[\d০-৯:,.|/()\-–\s]+")


def _is_dateline(p: str) -> bool:
    # every date parse_dateline finds without fetched_at has a (Unicode) digit: a line without one is not a date
    if len(p) > 140 or not _DIGIT.search(p):
        return False
    line = parse_dateline(p)
    if not line:
        return False
    residue = _DATELINE_CHARS.sub(" ", p)
    words = [w for w in residue.split() if w]
    return len(words) <= 8
