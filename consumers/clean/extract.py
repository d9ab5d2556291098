"""HTML page → article fields: outlet selectors first, structured data next, trafilatura as the generic fallback.

The order for every field:
1. the outlet's selectors from its registry file (title, body, published, updated, authors, section, credit);
2. structured data: JSON-LD NewsArticle (headline, articleBody, datePublished, dateModified, author,
   articleSection), then meta tags (og:title, article:published_time, article:modified_time, article:section);
3. generic: the page's own headline (h1 that agrees with og:title, never the <title> with its " | Outlet" tail), the
   dateline next to that headline (never the masthead, never a date in the body), trafilatura for the body.

The body is a list of paragraphs with related-story lists, "আরও পড়ুন" links, comment widgets, share widgets, ad
placeholders ("[বিজ্ঞাপন_২]"), the section line ("বিভাগ : আন্তর্জাতিক") and the credit line ("সূত্র: তাস।") taken
out; the last two become `section` and `credited_source`.

A page without an article (bot challenge, error wall, section front, nothing readable) raises NotAnArticle(reason),
`reason` being a short stable code fit for a metric label.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from bnwatch.html_depth import MAX_DEPTH, deeper_than
from bnwatch.outlets import Outlet, Registry, default_registry
from bnwatch.textnorm import fold, nfc

from .bijoy import BIJOY_CONVERTED, convert_bijoy_html, looks_like_bijoy_page
from .dates import DEFAULT_TZ, DateLine, looks_like_masthead, parse_dateline, parse_machine_date, to_iso
from .decode import DecodeResult, decode_html

# NotAnArticle reasons (metric label values)
CHALLENGE = "challenge"
ERROR_PAGE = "error_page"
SECTION_FRONT = "section_front"
NO_TEXT = "no_text"
UNDECODABLE = "undecodable"
TOO_DEEP = "too_deep"

MIN_BODY_CHARS = 120

_CSS_TRANSLATOR = HTMLTranslator()  # parsel's own (::text, ::attr(x)), so a selector means what it meant before
_XPATH_NAMESPACES = dict(Selector._default_namespaces)


class NotAnArticle(Exception):
    """The page holds no article. `reason` is one of the module's reason codes; `detail` says more."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Extraction:
    url: str | None
    canonical_url: str | None
    outlet: str | None
    title: str
    paragraphs: list[str]
    published_at: str | None = None
    updated_at: str | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    credited_source: str | None = None
    language: str = "bn"
    method: str = "selectors"  # selectors | jsonld | trafilatura: where the body came from
    decode: DecodeResult | None = None
    #: 1.0, or 0.5 when the date line's Bangla-calendar date disagrees with its Gregorian date by more than a day
    date_confidence: float = 1.0

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def as_dict(self) -> dict[str, Any]:
        """The `bnwatch extract` JSON object (DESIGN.md)."""
        return {
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "body": self.body,
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "authors": list(self.authors),
            "section": self.section,
            "credited_source": self.credited_source,
            "language": self.language,
        }


# -- challenge / error pages -----------------------------------------------------------------------------------------

_CHALLENGE_TITLE = re.compile(
    r"\s*(?:just a moment\.{0,3}|attention required!?[^<]*cloudflare|one moment, please\.{0,3}"
    r"|checking your browser[^<]*|ddos-guard|please wait\.{0,3}|security check|are you a robot\??)\s*$")
_CHALLENGE_SCRIPTS = ("cf-chl", "cf_chl_opt", "/cdn-cgi/challenge-platform", "challenges.cloudflare.com/turnstile",
                      "_cf_chl", "cf-browser-verification", "__ddg", "sucuri_cloudproxy_js", "captcha-delivery.com",
                      "perimeterx")
_ERROR_TITLE = re.compile(
    r"\s*(?:(?:[45]\d\d)\s*(?:[-:|–]?\s*(?:forbidden|not found|page not found|error|unauthori[sz]ed|"
    r"internal server error|bad gateway|service unavailable|gateway time-?out|bad request|gone)[^<]{0,40})?"
    r"|(?:access denied|forbidden|page not found|not found|error\b[^<]{0,40}|request rejected|service unavailable|"
    r"পৃষ্ঠাটি পাওয়া যায়নি|পাতাটি খুঁজে পাওয়া যায়নি))\s*$")
_TAGS = re.compile(r"<[^>]+>")


def _page_title(head_lower: str) -> str | None:
    start = head_lower.find("<title")
    if start < 0:
        return None
    start = head_lower.find(">", start)
    end = head_lower.find("</title>", start)
    return head_lower[start + 1:end] if start >= 0 and end > start else None


def challenge_reason(html: str) -> str | None:
    """CHALLENGE for a bot interstitial (Cloudflare "Just a moment…", cf-chl, DDoS-Guard…), ERROR_PAGE for a
    403/404/5xx wall, else None. Looks only at the head of the page: its <title> and the tell-tale script URLs
    (plain substring tests on the lower-cased head; this runs on every page, so no regex over the whole head)."""
    head = html[:60000].lower()
    title = _page_title(head)
    if title is not None and _CHALLENGE_TITLE.match(title):
        return CHALLENGE
    if any(m in head for m in _CHALLENGE_SCRIPTS) and "<article" not in head and len(_TAGS.sub("", head)) < 30000:
        return CHALLENGE
    if title is not None and _ERROR_TITLE.match(title):
        return ERROR_PAGE
    return None


# -- text helpers ----------------------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u3000]+")
_EDGE = "\u200b\u200c\u200d\u2060\ufeff \u00a0"


#: what _WS.sub would change: any whitespace but a lone space (a one-space run is replaced by one space)
_WS_CHANGES = re.compile(r"[\t\r\n\f\v\u00a0\u2000-\u200a\u202f\u3000]|  ")
_STRIP = _EDGE + "\t\r\n"


def _clean(text: str | None) -> str:
    if not text:
        return ""
    if _WS_CHANGES.search(text):
        text = _WS.sub(" ", text)
    return text.strip(_STRIP)


_BLOCK = {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2", "h3", "h4",
          "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tr",
          "td", "th", "figure", "figcaption", "br", "hr", "center", "address", "details", "summary", "form"}
_SKIP = {"script", "style", "noscript", "template", "iframe", "button", "svg", "select", "input", "textarea",
         "object", "embed", "canvas", "video", "audio", "picture", "img", "link", "meta", "head", "title"}
_JUNK_ATTR = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|sharethis|addtoany|a2a|related|relatedpost|more-?news|also-?read|"
    r"read-?more|advert|advertisement|ads|adsbygoogle|ad-?slot|ad-?container|banner|comments?|comment-?box|"
    r"disqus|fb-comments|newsletter|subscribe|print-?btn|breadcrumbs?|tags?|tag-?list|post-?tags|pagination|"
    r"popular|trending|most-?read|sidebar|widget|hidden-print|author-?box|social-?icons)(?:$|[\s_-])", re.I)


def _is_junk(el) -> bool:
    attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
    if not attrs.strip():
        return False
    return bool(_JUNK_ATTR.search(attrs))


def element_paragraphs(el, *, skip_junk: bool = True) -> list[str]:
    """Paragraph texts of an lxml element: block elements and <br> break lines; scripts, styles, forms and
    (optionally) elements whose class/id says share/related/ad/comment are skipped."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = _clean("".join(buf))
        buf.clear()
        if text:
            out.append(text)

    # an explicit stack, not recursion: a page may nest thousands of inline tags inside one paragraph.
    # (node, False) = enter the node; (node, True) = leave it (close its block, then its tail text follows)
    stack: list[tuple[Any, bool]] = [(el, False)]
    while stack:
        node, leaving = stack.pop()
        root = node is el
        if leaving:
            if isinstance(node.tag, str) and node.tag.lower().rsplit("}", 1)[-1] in _BLOCK:
                flush()
            if not root and node.tail:
                buf.append(node.tail)
            continue
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is not None:
            tag = tag.lower().rsplit("}", 1)[-1]
            if not (tag in _SKIP or (skip_junk and not root and _is_junk(node))):
                if tag in _BLOCK:
                    flush()
                if node.text:
                    buf.append(node.text)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
                continue
        if not root and node.tail:
            buf.append(node.tail)
    flush()
    return out


def _texts(sel: Selector, css: str | None) -> list[str]:
    """Values of a registry selector: `::attr(x)` as given, otherwise each matched element's whole text (a
    trailing `::text` is read as "the element's text", so inline tags inside a title or date line do not split it)."""
    if not css:
        return []
    try:
        if "::attr(" in css:
            return [v for v in (_clean(x) for x in sel.css(css).getall()) if v]
        plain = re.sub(r"::text\b", "", css)
        values = []
        for root in _css_nodes(sel, plain):
            if isinstance(root, str):
                text = _clean(root)
            else:
                text = _clean(" ".join(element_paragraphs(root, skip_junk=False)))
            if text:
                values.append(text)
        return values
    except Exception:  # a bad selector in a data file must not kill the page
        return []


@functools.lru_cache(maxsize=1024)
def _css_xpath(css: str) -> etree.XPath:
    return etree.XPath(_CSS_TRANSLATOR.css_to_xpath(css), namespaces=_XPATH_NAMESPACES, smart_strings=False)


def _css_nodes(sel: Selector, css: str) -> list:
    """What `[n.root for n in sel.css(css)]` gives (the same translation, namespaces and plain strings), without a
    parsel Selector around every node: the registry's selectors run on every page."""
    result = _css_xpath(css)(sel.root)
    return result if isinstance(result, list) else [result]


def _drop(sel: Selector, css: str) -> None:
    """`sel.css(css).drop()`: removes the matches in order (keeping their tails); like parsel, the first match that
    cannot be removed (a pseudo-element, the root) raises and leaves the rest."""
    for node in _css_nodes(sel, css):
        if isinstance(node, str):
            raise ValueError(f"cannot drop a pseudo-element ({css})")
        node.drop_tree()


def _elements(sel: Selector, css: str | None) -> list:
    if not css:
        return []
    try:
        return [n for n in _css_nodes(sel, re.sub(r"::text\b", "", css)) if not isinstance(n, str)]
    except Exception:
        return []


# -- structured data ---------------------------------------------------------------------------------------------------

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                  "reviewnewsarticle", "backgroundnewsarticle", "blogposting", "liveblogposting", "report",
                  "scholarlyarticle", "socialmediaposting", "techarticle"}


def _jsonld_objects(sel: Selector) -> list[dict]:
    out: list[dict] = []

    def walk(obj: Any) -> None:  # an explicit stack: JSON-LD may nest as deep as json.loads allows
        stack = [obj]
        while stack:
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(reversed(obj))
            elif isinstance(obj, dict):
                out.append(obj)
                main = obj.get("mainEntity")
                if isinstance(main, (dict, list)):
                    stack.append(main)
                if "@graph" in obj:
                    stack.append(obj["@graph"])

    for raw in sel.xpath('//script[contains(translate(@type, "JSONLD", "jsonld"), "ld+json")]/text()').getall():
        raw = raw.strip().rstrip(";")
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except RecursionError:  # nested deeper than the decoder goes: not structured data we can read
            continue
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw), strict=False)
            except (ValueError, RecursionError):
                continue
        walk(data)
    return out


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {str(x).lower() for x in t}
    return set()


def _jsonld_article(sel: Selector) -> dict | None:
    """The first NewsArticle-like object (a WebPage with a datePublished as a second choice), with @id
    references in `author` resolved against the rest of the graph."""
    objects = _jsonld_objects(sel)
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    found = next((o for o in objects if _types(o) & _ARTICLE_TYPES), None)
    if found is None:
        found = next((o for o in objects if "webpage" in _types(o) and o.get("datePublished")), None)
    if found is None:
        return None
    found = dict(found)
    if found.get("author") is not None:
        found["author"] = _resolve(found["author"], by_id)
    return found


def _flat(value: Any) -> list[Any]:
    """The non-list items of a JSON value, nested lists flattened in order (no recursion: any depth)."""
    out: list[Any] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(reversed(v))
        else:
            out.append(v)
    return out


def _resolve(value: Any, by_id: dict[str, dict]) -> Any:
    def one(v: Any) -> Any:
        if isinstance(v, dict) and "name" not in v and isinstance(v.get("@id"), str):
            return by_id.get(v["@id"], v)
        return v

    return [one(v) for v in _flat(value)] if isinstance(value, list) else one(value)


def _names(value: Any) -> list[str]:
    """Every name in a JSON-LD value: strings, lists of them, {"name": ...} objects (an explicit stack: any depth)."""
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _clean(v):
                out.append(_clean(v))
        elif isinstance(v, list):
            stack.extend(reversed(v))
        elif isinstance(v, dict):
            stack.append(v.get("name"))
    return out


def _is_organization(value: Any) -> bool:
    return isinstance(value, dict) and "organization" in _types(value) | {
        t.replace("newsmediaorganization", "organization") for t in _types(value)}


def _person_names(value: Any) -> list[str]:
    """Author names from JSON-LD, without Organization authors (that is the publisher, not a byline)."""
    return [n for v in _flat(value) if not _is_organization(v) for n in _names(v)]


_META_ATTRS = ("property", "name", "itemprop")
_META_INDEX: "weakref.WeakKeyDictionary[Any, dict[tuple[str, str], str]]" = weakref.WeakKeyDictionary()


def _meta_index(sel: Selector) -> dict[tuple[str, str], str]:
    """(attribute, value) → the content of the first <meta> in document order that has both, i.e. what
    `//meta[@attr="value"]/@content` gives first; built in one pass per parsed page (dropped when the tree
    changes, see _drop)."""
    root = sel.root
    index = _META_INDEX.get(root)
    if index is None:
        index = {}
        for el in root.iter("meta"):
            content = el.get("content")
            if content is None:
                continue
            for attr in _META_ATTRS:
                value = el.get(attr)
                if value is not None:
                    index.setdefault((attr, value), content)
        _META_INDEX[root] = index
    return index


def _meta(sel: Selector, *names: str) -> str | None:
    index = _meta_index(sel)
    for name in names:
        for attr in _META_ATTRS:
            value = index.get((attr, name))
            if value and _clean(value):
                return _clean(value)
    return None


# -- title -------------------------------------------------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·|/)\s+")


def strip_site_suffix(title: str, site_names: tuple[str, ...] = ()) -> str:
    """"এমপির ভাইকে … হত্যা | UKBDNEWS" → "এমপির ভাইকে … হত্যা". Only a short last part, or one naming the site."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    last = parts[-1].strip()
    sep = title[: title.rfind(last)].rstrip()[-2:].strip()
    names = {n.casefold() for n in site_names if n}
    is_site = last.casefold() in names or any(n and (n in last.casefold() or last.casefold() in n) for n in names)
    latin_short = bool(re.fullmatch(r"[A-Za-z0-9 .&'’-]{2,40}", last)) and bool(re.search("[\u0980-\u09ff]", title))
    # "… থাকতে হবে - সারজিস আলম" is a quote's speaker, not a site: only '|'-style separators strip short tails
    short_tail = sep in ("|", "::", "»", "·") and len(last.split()) <= 3
    if is_site or latin_short or short_tail:
        head = title[: title.rfind(last)].rstrip()
        head = re.sub(r"\s*(?:\||-|–|—|::|»|·|/)\s*$", "", head)
        return head or title
    return title


_NON_WORD = re.compile(r"\W+")


def _comparable(text: str) -> str:
    return _NON_WORD.sub("", nfc(text)).casefold()


def _in_chrome(el) -> bool:
    for anc in el.iterancestors():
        tag = anc.tag.lower() if isinstance(anc.tag, str) else ""
        if tag in ("header", "nav", "footer", "aside"):
            return True
    return False


def _generic_title(sel: Selector, ld: dict | None, site_names: tuple[str, ...]) -> str:
    og = _meta(sel, "og:title", "twitter:title")
    og_stripped = strip_site_suffix(og, site_names) if og else None
    h1s = []
    for node in sel.xpath("//h1"):
        if _in_chrome(node.root):
            continue
        text = _clean(" ".join(element_paragraphs(node.root, skip_junk=False)))
        if text and len(text) > 3:
            h1s.append(text)
    if og:
        for h in h1s:
            ch, co = _comparable(h), _comparable(og)
            if ch and (ch in co or co in ch):
                return h
    headline = _names(ld.get("headline")) if ld else []
    if headline:
        return strip_site_suffix(headline[0], site_names)
    if og_stripped:
        return og_stripped
    if h1s:
        return h1s[0]
    title = _clean(sel.xpath("//title/text()").get())
    return strip_site_suffix(title, site_names) if title else ""


# -- boilerplate in the body -----------------------------------------------------------------------------------------

def _n(s: str) -> str:
    return unicodedata.normalize("NFC", s)


_END_MARKERS = [_n(m) for m in [
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
_COMMENT_LINE = re.compile(_n(r"^(?:মন্তব্য|comments?)\s*\(\s*[\d০-৯]+\s*\)\s*$|^HTML Comment Box\b|"
                              r"^(?:\d+|[০-৯]+)\s*(?:টি)?\s*(?:মন্তব্য|comments?)\s*$"), re.I)
_READ_MORE_INLINE = re.compile(_n(r"^(?:আরও|আরো)\s+(?:পড়ুন|পড়ুন|দেখুন|পড়তে পারেন)\s*[:ঃ\-–]|^(?:Also read|Read more|Read also)\s*[:\-]"),
                               re.I)
_SECTION_LINE = re.compile(_n(r"^(?:বিভাগ|ক্যাটাগরি|শ্রেণি|Category|Section)\s*[:ঃ]\s*(?P<v>.{1,60})$"), re.I)
_AD_INLINE = re.compile(_n(r"\[\s*(?:বিজ্ঞাপন|advertisement|ads?)[\s_\-]*[\d০-৯]*\s*\]"), re.I)
_AD_LINE = re.compile(_n(r"^(?:বিজ্ঞাপন|advertisement|sponsored|স্পনসরড|ad)\s*$"), re.I)
_SHARE_LINE = re.compile(
    _n(r"^(?:(?:শেয়ার(?: করুন)?|share(?: this| on)?|facebook|twitter|x|whatsapp|linkedin|messenger|telegram|email|ই-মেইল|ইমেইল|print|প্রিন্ট|"
       r"copy link|কপি|pinterest|reddit|ফেসবুক|টুইটার|হোয়াটসঅ্যাপ|গুগল নিউজ|google news|ফলো করুন|follow us|"
       r"অনুসরণ করুন|সাবস্ক্রাইব|subscribe)[\s,|:•·/]*)+$"), re.I)
_FOLLOW_LINE = re.compile(_n(r"(?:গুগল নিউজ|google news|ফেসবুক পেজ|ইউটিউব চ্যানেল|হোয়াটসঅ্যাপ চ্যানেল).{0,40}"
                             r"(?:ফলো|follow|যুক্ত হোন|সাবস্ক্রাইব|subscribe)"), re.I)
_CREDIT = re.compile(
    _n(r"(?:^|(?<=[।.!?\"'’”)\s]))\s*(?P<label>তথ্যসূত্র|তথ্য সূত্র|সূত্র|সূত্রঃ|খবর|Source|Sources|Courtesy)\s*[:ঃ：]\s*"
       r"(?P<v>[^\n।:ঃ]{1,120}?|https?://\S+)\s*[।.]?\s*$"), re.I)
_DESK_CODE = re.compile(_n(r"(?<=[।.!?\"'’”])\s*[\u0985-\u09b9\u09bc-\u09cd\u09d7A-Z]{1,8}(?:[/-][\u0985-\u09cd\u09d7A-Z]{1,8})*"
                           r"[/-][\d০-৯]{1,3}\s*$"))


def credit_from(value: str) -> str | None:
    """The credited source as printed, without its label's leftovers: "তাস।" → "তাস", "আল-জাজিরা" → "আল-জাজিরা",
    a source URL stays the URL (the golden fixtures keep "https://thanhnien.vn/…"; `credit_domain` shortens it)."""
    value = _clean(value).strip(" ।,;:ঃ")
    if re.match(r"(?:https?://|www\.)\S+$", value):
        return value
    value = value.rstrip(".")
    return value or None


def credit_domain(source: str | None) -> str | None:
    """"https://www.thanhnien.vn/…" → "thanhnien.vn"; anything that is not a URL is returned unchanged."""
    if not source:
        return source
    url = re.match(r"(?:https?://|www\.)\S+", source)
    if not url:
        return source
    host = urlsplit(url.group(0) if "://" in url.group(0) else "http://" + url.group(0)).hostname or ""
    return host.removeprefix("www.") or source


def parse_credit(line: str) -> tuple[str, str | None]:
    """Split a paragraph into (text without the credit, credited source). "…করবে। সূত্র: তাস।" → ("…করবে।", "তাস")."""
    m = _CREDIT.search(line)
    if not m:
        return line, None
    source = credit_from(m.group("v"))
    if source is None or len(source.split()) > 8:
        return line, None
    return line[: m.start()].rstrip(), source


def _headline_like(p: str) -> bool:
    return len(p) < 160 and not re.search("[।?!]\\s*$", p) and "।" not in p


#: a desk/reporter sign-off closing the copy: "জেপি/এমএস", "এমএইচ/এএসএম/জিকেএস", "বিডি প্রতিদিন/কালাম" (initials or
#: the outlet's name, a slash, the sub-editor's name or initials). A code with digits ("এমআর-২") is not one.
_SIGN_WORD = "[\u0980-\u09e3A-Za-z][\u0980-\u09e3A-Za-z.]*"
_SIGN_PART = f"{_SIGN_WORD}(?: {_SIGN_WORD}){{0,2}}"
_SIGN_OFF = re.compile(f"^{_SIGN_PART}(?:\\s*/\\s*{_SIGN_PART})+$")
#: a byline line: "ক্রীড়া ডেস্ক", "অনলাইন ডেস্ক", "নিজস্ব প্রতিবেদক", "রাজশাহী প্রতিনিধি", "প্রতিনিধি, বগুড়া",
#: "স্টাফ রিপোর্টার", "আমাদের সংবাদদাতা"
_BYLINE_LINE = re.compile(_n(
    r"^(?:[^\s।,:;!?]+\s+){0,3}(?:ডেস্ক|প্রতিবেদক|সংবাদদাতা|প্রতিনিধি|রিপোর্টার|ডেস্ক রিপোর্ট)$"
    r"|^(?:নিজস্ব |বিশেষ |স্টাফ )?(?:প্রতিবেদক|সংবাদদাতা|প্রতিনিধি|রিপোর্টার)\s*,\s*[^\s।,:;!?]+(?:\s[^\s।,:;!?]+)?$"))


def is_sign_off(p: str) -> bool:
    return len(p) <= 40 and bool(_SIGN_OFF.match(p))


def is_byline_line(p: str) -> bool:
    return len(p) <= 40 and bool(_BYLINE_LINE.match(p))


@dataclass
class _BodyFacts:
    section: str | None = None
    credit: str | None = None
    byline: str | None = None  # a byline line found at the top of the body ("অনলাইন ডেস্ক")


def clean_paragraphs(paragraphs: list[str], *, title: str = "", authors: list[str] | tuple[str, ...] = (),
                     boilerplate: tuple[str, ...] = (), facts: _BodyFacts | None = None) -> list[str]:
    """Fold the paragraphs and take out page chrome (see the module docstring). Section and credit lines found on
    the way are recorded in `facts`."""
    facts = facts if facts is not None else _BodyFacts()
    prefixes = tuple(fold(b).strip() for b in boilerplate if b and b.strip())
    title_key = _comparable(title) if title else ""
    author_keys = {_comparable(a) for a in authors if a}
    items = [_clean(fold(p)) for p in paragraphs]
    items = [p for p in items if p and re.search(r"\w", p)]
    out: list[str] = []
    i = 0
    while i < len(items):
        p = _clean(_AD_INLINE.sub(" ", items[i]))
        rest = items[i + 1:]
        i += 1
        if not p or _AD_LINE.match(p):
            continue
        m = _SECTION_LINE.match(p)
        if m:
            facts.section = facts.section or _clean(m.group("v")).strip(" ।.")
            break  # the section line closes the article on the seed outlets
        if _COMMENT_LINE.search(p):
            break
        if _END_MARKER_RE.match(p):
            # a bare "আরও পড়ুন"/"সম্পর্কিত সংবাদ"/"মন্তব্য করুন": when what follows reads like a list of headlines
            # the article is over; mid-article it only introduces one linked headline
            block = []
            for r in rest:  # up to the next chrome marker
                if _END_MARKER_RE.match(r) or _SECTION_LINE.match(r) or _COMMENT_LINE.search(r):
                    break
                block.append(r)
            tail = block[1:] if block and _headline_like(block[0]) else block  # after the one linked headline
            if not tail or sum(_headline_like(r) for r in tail) >= 0.5 * len(tail):
                break
            if _headline_like(rest[0]):
                i += 1
            continue
        if _READ_MORE_INLINE.match(p):
            continue
        if _SHARE_LINE.match(p) or (len(p) < 120 and _FOLLOW_LINE.search(p)):
            continue
        if prefixes and p.startswith(prefixes):
            continue
        if title_key or author_keys:
            key = _comparable(p)
            if (title_key and key == title_key) or key in author_keys:
                continue
        if _is_dateline(p):
            continue
        text, credit = parse_credit(p)
        if credit:
            facts.credit = facts.credit or credit
            if not _clean(text):
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


_DIGIT = re.compile(r"\d")


def _is_dateline(p: str) -> bool:
    # every date parse_dateline finds without fetched_at has a (Unicode) digit: a line without one is not a date
    if len(p) > 140 or not _DIGIT.search(p):
        return False
    line = parse_dateline(p)
    if not line:
        return False
    residue = re.sub(r"[\d০-৯:,.|/()\-–\s]+", " ", p)
    words = [w for w in residue.split() if w]
    return len(words) <= 8


# -- dates -------------------------------------------------------------------------------------------------------------

def _parse_any(values: list[str], tz: str, fetched_at: datetime | None) -> DateLine:
    published = updated = None
    mismatch = False
    for v in values:
        machine = parse_machine_date(v, tz)
        if machine is not None:
            published = published or machine
            continue
        line = parse_dateline(v, tz, fetched_at=fetched_at)
        published = published or line.published
        updated = updated or line.updated
        mismatch = mismatch or line.calendar_mismatch
    return DateLine(published, updated, mismatch)


_DATE_HINT = re.compile(r"date|time|publish|posted|updated|byline|meta|info", re.I)
_LABEL_HINT = re.compile(_n(r"প্রকাশ|আপডেট|হালনাগাদ|সর্বশেষ|published|updated|posted"), re.I)
_TIME_HINT = re.compile(r"[\d০-৯]{1,2}\s*[:.]\s*[\d০-৯]{2}")


def _dateline_near_title(sel: Selector, title: str, tz: str, fetched_at: datetime | None) -> DateLine:
    """The byline/date line next to the headline: scan the elements after the h1 (document order) for a short
    text with a date and a clock or a প্রকাশ/আপডেট label. The masthead (Bangla-calendar date, no clock) and
    year-less body mentions never qualify."""
    h1 = _headline_element(sel, title)
    candidates = []
    if h1 is not None:
        seen = 0
        for el in h1.itersiblings():
            candidates.append(el)
            seen += 1
            if seen > 8:
                break
        parent = h1.getparent()
        if parent is not None:
            for el in parent.itersiblings():
                candidates.append(el)
                if len(candidates) > 16:
                    break
            for el in parent.itersiblings(preceding=True):  # some outlets print the date above the headline
                candidates.append(el)
                break
    for el in sel.xpath('//time[@datetime] | //*[@itemprop="datePublished" or @itemprop="dateModified"]'):
        # not the time stamps of a related-stories list or a sidebar
        if not _in_chrome(el.root) and not any(_is_junk(a) for a in el.root.iterancestors()):
            candidates.append(el.root)
    published = updated = None
    mismatch = False
    first = None  # index of the candidate that gave the first date
    for i, el in enumerate(candidates):
        if first is not None and (i - first > 2 or (published is not None and updated is not None)):
            break  # the published/updated pair sits in one line or in neighbouring elements, never further apart
        if not isinstance(el.tag, str):
            continue
        machine_hit = False
        for attr in ("datetime", "content", "data-published", "data-time"):
            value = el.get(attr)
            if value:
                dt = parse_machine_date(value, tz)
                if dt is not None:
                    if el.get("itemprop") == "dateModified":
                        updated = updated or dt
                    elif published is None:
                        published = dt
                    machine_hit = True
                    break
        if machine_hit:
            first = i if first is None else first
            continue
        for text in element_paragraphs(el, skip_junk=False)[:6]:
            if len(text) > 200 or looks_like_masthead(text):
                continue
            if not (_TIME_HINT.search(text) or _LABEL_HINT.search(text)):
                continue
            line = parse_dateline(text, tz, fetched_at=fetched_at)
            if not line:
                continue
            mismatch = mismatch or line.calendar_mismatch
            if first is None:
                first = i
                published, updated = line.published, line.updated
            elif line.updated is not None and updated is None:
                # a separate "আপডেট: …"/"শেষ আপডেট: …" element next to the published one (only a labelled or
                # second date counts: parse_dateline gives `updated` for nothing else)
                updated = line.updated
            elif published is None and line.published is not None:
                published = line.published
    return DateLine(published, updated, mismatch)


def _headline_element(sel: Selector, title: str):
    """The page's own headline element: the first h1 that agrees with the title, else an h2 that does (outlets
    that style the headline as h2 and keep h1 for the logo)."""
    key = _comparable(title) if title else ""
    for node in sel.xpath("//h1"):
        text = _comparable(node.xpath("string()").get() or "")
        if not key or (text and (text in key or key in text)):
            return node.root
    if key:
        for node in sel.xpath("//h2"):
            text = _comparable(node.xpath("string()").get() or "")
            if text and len(text) >= 0.8 * len(key) and (text in key or key in text) and not _in_chrome(node.root):
                return node.root
    return None


_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$)")


# -- language ----------------------------------------------------------------------------------------------------------

def detect_language(text: str, html_lang: str | None = None) -> str:
    letters = [c for c in text[:5000] if c.isalpha()]
    if letters:
        bn = sum(1 for c in letters if "\u0980" <= c <= "\u09ff")
        if bn >= 0.3 * len(letters):
            return "bn"
    if html_lang:
        return html_lang.split("-")[0].lower()
    return "en" if letters else "bn"


# -- outlet ------------------------------------------------------------------------------------------------------------

def _find_outlet(registry: Registry, sel: Selector | None, url: str | None, outlet: str | None) -> Outlet | None:
    if outlet:
        if outlet in registry:
            return registry.get(outlet)
    if url:
        found = registry.for_url(url)
        if found:
            return found
    if sel is not None:
        for candidate in (sel.xpath('//link[@rel="canonical"]/@href').get(), _meta(sel, "og:url")):
            if candidate and candidate.startswith(("http://", "https://", "//")):
                found = registry.for_url(candidate if "://" in candidate else "https:" + candidate)
                if found:
                    return found
    return None


# -- the extractor -----------------------------------------------------------------------------------------------------

def _trafilatura_paragraphs(html: str, url: str | None) -> list[str]:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover
        return []
    text = trafilatura.extract(html, url=url, favor_precision=True, include_comments=False, include_tables=False,
                               include_images=False, include_links=False, include_formatting=False,
                               output_format="txt", with_metadata=False, deduplicate=False)
    if not text:
        return []
    return [p for p in (_clean(x) for x in text.split("\n")) if p]


def _section_front(sel: Selector, ld: dict | None, paragraphs: list[str]) -> bool:
    """A listing/section front: many headline links and no article signal, or a body made of headlines."""
    if (ld is not None and _types(ld) & _ARTICLE_TYPES) or (_meta(sel, "og:type") or "").lower() == "article":
        return False
    if _meta(sel, "article:published_time"):
        return False
    links = [t for t in (_clean(x) for x in sel.xpath("//a//text()").getall()) if len(t) >= 25]
    body_chars = sum(len(p) for p in paragraphs)
    sentences = sum(1 for p in paragraphs if not _headline_like(p))
    if len(links) >= 12 and (body_chars < 60 * len(links) * 0.5 or sentences < 3):
        return True
    return bool(paragraphs) and sentences == 0 and len(paragraphs) >= 5


def extract(html: bytes | str, url: str | None = None, outlet: str | None = None, *,
            headers: dict | None = None, fetched_at: datetime | None = None, registry: Registry | None = None,
            declared_encoding: str | None = None) -> Extraction:
    """Extract the article of one page (see the module docstring). Raises NotAnArticle."""
    decoded = decode_html(html, headers, declared_encoding)
    if not decoded.usable:
        raise NotAnArticle(UNDECODABLE, ",".join(decoded.flags))
    text = decoded.text
    if not text.strip() or "<" not in text:
        raise NotAnArticle(NO_TEXT, "empty page")
    reason = challenge_reason(text)
    if reason:
        raise NotAnArticle(reason, "bot challenge" if reason == CHALLENGE else "error page")
    if looks_like_bijoy_page(text):  # whole-page Bijoy/SutonnyMJ text: to Unicode before anything reads it
        text = convert_bijoy_html(text)
        decoded = replace(decoded, flags=decoded.flags + (BIJOY_CONVERTED,))

    if registry is None:  # a bad outlet file raises (OutletError): never extract without the outlets' selectors
        registry = default_registry()
    sel = Selector(text=text, type="html")
    if deeper_than(sel.root):  # the parser has cut such a page: what is left is a fragment (bnwatch.html_depth)
        raise NotAnArticle(TOO_DEEP, f"nesting deeper than {MAX_DEPTH} elements")
    site = _find_outlet(registry, sel, url, outlet)
    tz = site.timezone if site else DEFAULT_TZ

    def machine(value: object) -> datetime | None:
        return parse_machine_date(value, tz, keep_offset=site is None)

    selectors = site.selectors if site else {}
    canonical = sel.xpath('//link[@rel="canonical"]/@href').get() or _meta(sel, "og:url")
    if canonical and url:
        canonical = urljoin(url, canonical)
    page_url = url or canonical
    ld = _jsonld_article(sel)
    site_names = tuple(x for x in (site.name if site else None, site.name_bn if site else None,
                                   _meta(sel, "og:site_name"), (site.domain if site else None),
                                   (urlsplit(page_url).hostname or "").removeprefix("www.") if page_url else None) if x)

    # title
    title = next(iter(_texts(sel, selectors.get("title"))), "") if selectors.get("title") else ""
    if not title:
        title = _generic_title(sel, ld, site_names)
    title = _clean(fold(title))

    # dates: selectors, structured data, meta, the dateline by the headline, the URL
    line = _parse_any(_texts(sel, selectors.get("published")), tz, fetched_at)
    published, updated = line.published, line.updated
    calendar_mismatch = line.calendar_mismatch
    if selectors.get("updated"):
        upd = _parse_any(_texts(sel, selectors.get("updated")), tz, fetched_at)
        updated = upd.updated or upd.published or updated
    ld_published = machine(ld.get("datePublished")) or machine(ld.get("dateCreated")) if ld else None
    if published is None:
        published = ld_published
    elif ld_published is not None and published.time() == datetime.min.time() and \
            ld_published.astimezone(published.tzinfo).date() == published.date():
        published = ld_published  # the printed line has only the day; structured data has the clock
    if updated is None and ld:
        updated = machine(ld.get("dateModified"))
    if published is None:
        published = machine(_meta(sel, "article:published_time", "datePublished", "pubdate",
                                             "publishdate", "publish-date", "dc.date", "DC.date.issued",
                                             "sailthru.date", "parsely-pub-date"))
    if updated is None:
        updated = machine(_meta(sel, "article:modified_time", "og:updated_time", "dateModified", "lastmod",
                                "last-modified"))
    if published is None:
        near = _dateline_near_title(sel, title, tz, fetched_at)
        calendar_mismatch = calendar_mismatch or near.calendar_mismatch
        published = near.published
        updated = updated or near.updated
    if published is None and page_url:
        m = _URL_DATE.search(urlsplit(page_url).path)
        if m:
            published = parse_machine_date(f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", tz)
    if updated is not None and published is not None and updated < published:
        updated = None

    # authors, section, credit
    authors = _texts(sel, selectors.get("authors")) if selectors.get("authors") else []
    if not authors and ld and not selectors.get("authors"):
        authors = _person_names(ld.get("author"))
    if not authors and not selectors.get("authors"):
        meta_author = _meta(sel, "author", "article:author", "dc.creator")
        if meta_author and not meta_author.startswith("http"):
            authors = [meta_author]
    if not authors and not selectors.get("authors"):
        authors = _generic_authors(sel, title)
    authors = _clean_authors(authors)
    section = next(iter(_texts(sel, selectors.get("section"))), None) if selectors.get("section") else None
    if not section and ld:
        sec = ld.get("articleSection")
        section = (sec[0] if isinstance(sec, list) and sec else sec) if sec else None
        section = _clean(section) if isinstance(section, str) else None
    if not section:
        section = _meta(sel, "article:section")
    credit = None
    if selectors.get("credit"):
        for value in _texts(sel, selectors["credit"]):
            _, credit = parse_credit(value)
            credit = credit or credit_from(re.sub(_n(r"^(?:তথ্যসূত্র|সূত্র|Source)\s*[:ঃ]?\s*"), "", value, flags=re.I))
            if credit:
                break

    # body: remove the outlet's drop list, then selectors → JSON-LD articleBody → trafilatura
    for css in site.drop if site else ():
        try:
            _drop(sel, css)
        except Exception:
            pass
        _META_INDEX.pop(sel.root, None)
    paragraphs: list[str] = []
    method = "selectors"
    for el in _elements(sel, selectors.get("body")):
        paragraphs.extend(element_paragraphs(el))
    if not paragraphs and ld and isinstance(ld.get("articleBody"), str) and len(ld["articleBody"]) > MIN_BODY_CHARS:
        method = "jsonld"
        paragraphs = [p for p in (_clean(x) for x in re.split(r"\n+|\r+", ld["articleBody"])) if p]
    if not paragraphs:
        method = "trafilatura"
        if site and page_url and site.article_urls and not site.is_article_url(page_url) and not ld:
            raise NotAnArticle(SECTION_FRONT, f"{page_url} is not an article URL of {site.id}")
        paragraphs = _trafilatura_paragraphs(text, page_url)

    facts = _BodyFacts()
    paragraphs = clean_paragraphs(paragraphs, title=title, authors=authors,
                                  boilerplate=site.boilerplate_text if site else (), facts=facts)
    if not section and facts.section:
        section = facts.section
    if not authors and not selectors.get("authors") and facts.byline:
        authors = _clean_authors([facts.byline])
    if not section:
        section = _section_line_anywhere(sel) or _generic_section(sel, title)
    credit = credit or facts.credit
    if not credit and not selectors.get("credit"):
        credit = _credit_anywhere(sel)

    body_chars = sum(len(p) for p in paragraphs)
    if method == "trafilatura" and _section_front(sel, ld, paragraphs):
        raise NotAnArticle(SECTION_FRONT, "a listing of headlines, no article")
    if body_chars < MIN_BODY_CHARS and not (title and body_chars >= 40 and method != "trafilatura"):
        raise NotAnArticle(NO_TEXT, f"{body_chars} characters of body text")

    html_lang = sel.xpath("/html/@lang").get()
    language = site.language if site and site.language else detect_language(title + " " + " ".join(paragraphs),
                                                                             html_lang)
    return Extraction(
        url=page_url,
        canonical_url=canonical or page_url,
        outlet=site.id if site else None,
        title=title,
        paragraphs=paragraphs,
        published_at=to_iso(published),
        updated_at=to_iso(updated),
        authors=authors,
        section=_clean(fold(section)).strip(" ।.") if section else None,
        credited_source=_clean(fold(credit)) if credit else None,
        language=language,
        method=method,
        decode=decoded,
        date_confidence=0.5 if calendar_mismatch else 1.0,
    )


_AUTHOR_LABEL = re.compile(_n(r"^(?:লেখক|প্রতিবেদক|প্রতিবেদন|রিপোর্ট|লিখেছেন|by|written by|published by|author)\s*[:ঃ]?\s+"),
                           re.I)


def _clean_authors(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = _clean(fold(_AUTHOR_LABEL.sub("", _clean(v))))
        if v and len(v) <= 80 and v not in out:
            out.append(v)
    return out


def _short_texts(sel: Selector, xpath: str, limit: int = 200):
    """(element, NFC text) for elements outside header/nav/footer whose text is short."""
    for node in sel.xpath(xpath)[:200]:
        el = node.root
        if isinstance(el, str) or _in_chrome(el):
            continue
        text = _clean(unicodedata.normalize("NFC", " ".join(element_paragraphs(el, skip_junk=False))))
        if text and len(text) <= limit:
            yield el, text


def _section_line_anywhere(sel: Selector) -> str | None:
    """"বিভাগ : আন্তর্জাতিক" printed under the article."""
    for _el, text in _short_texts(sel, "//body//*[starts-with(normalize-space(.), 'বিভাগ') or "
                                        "starts-with(normalize-space(.), 'Category')]", 100):
        m = _SECTION_LINE.match(text)
        if m:
            return _clean(m.group("v"))
    return None


def _generic_section(sel: Selector, title: str) -> str | None:
    """The category link by the headline, else the last breadcrumb that is neither home nor the headline."""
    for _el, text in _short_texts(sel, "//body//*[contains(concat(' ', normalize-space(@class), ' '), 'category') "
                                        "and not(self::li) and not(ancestor::*[contains(@class, 'breadcrumb')])]",
                                  40):
        if len(text.split()) <= 4:
            return text
    for node in sel.xpath("//*[contains(@class, 'breadcrumb')]"):
        items = [_clean(t) for t in node.xpath(".//a//text() | .//li//text()").getall()]
        items = [t for t in items if t and t not in "»>/|" and _comparable(t) != _comparable(title)]
        home = {"হোম", "প্রচ্ছদ", "home", "মূলপাতা", "প্রথম পাতা"}
        items = [t for t in items if t.casefold() not in home]
        if items and len(items[-1]) <= 40:
            return items[-1]
    return _section_link_by_headline(sel, title) or _jsonld_breadcrumb_section(sel, title)


def _jsonld_breadcrumb_section(sel: Selector, title: str) -> str | None:
    """The last JSON-LD BreadcrumbList item that is neither home nor the article itself (WordPress/Yoast pages:
    হোম › বাংলাদেশ › <headline>)."""
    for obj in _jsonld_objects(sel):
        if "breadcrumblist" not in _types(obj):
            continue
        items = obj.get("itemListElement")
        if not isinstance(items, list):
            continue
        names = []
        for item in sorted((i for i in items if isinstance(i, dict)), key=lambda i: str(i.get("position", "")).zfill(4)):
            inner = item.get("item")
            name = item.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
            if isinstance(name, str) and _clean(name):
                names.append(_clean(unicodedata.normalize("NFC", name)))
        names = [n for n in names if n.casefold() not in _HOME_WORDS and _comparable(n) != _comparable(title)
                 and not (title and len(n) > 40)]
        if names and len(names[-1]) <= 40:
            return names[-1]
    return None


_HOME_WORDS = {"হোম", "প্রচ্ছদ", "home", "মূলপাতা", "প্রথম পাতা"}


def _section_link_by_headline(sel: Selector, title: str) -> str | None:
    """The section link printed right above the headline (a kicker such as `<div><a href="/sport">খেলা</a></div>`
    before the h1): one short link text, nothing else in the element, no digits (not a date, not a counter)."""
    head = _headline_element(sel, title)
    if head is None:
        return None
    for el in list(head.itersiblings(preceding=True))[:2]:
        if not isinstance(el.tag, str) or el.tag.lower() in ("h1", "h2", "script", "style", "img", "figure"):
            continue
        links = [a for a in ([el] if el.tag.lower() == "a" else el.iter("a"))]
        if len(links) != 1:
            continue
        text = _clean(unicodedata.normalize("NFC", links[0].text_content()))
        whole = _clean(unicodedata.normalize("NFC", el.text_content()))
        if (text and text == whole and len(text) <= 30 and len(text.split()) <= 3 and not re.search(r"[\d০-৯]", text)
                and text.casefold() not in _HOME_WORDS and _comparable(text) != _comparable(title)):
            return text
    return None


def _credit_anywhere(sel: Selector) -> str | None:
    """A "সূত্র: …"/"তথ্যসূত্র : …"/"Source: …" line outside the body container."""
    for _el, text in _short_texts(sel, "//body//*[self::div or self::p or self::span or self::section or "
                                        "self::footer or self::small][starts-with(normalize-space(.), 'সূত্র') or "
                                        "starts-with(normalize-space(.), 'তথ্যসূত্র') or "
                                        "starts-with(normalize-space(.), 'Source')]", 240):
        _, credit = parse_credit(text)
        if credit:
            return credit
    return None


_AUTHOR_XPATH = ("//body//*[contains(@class, 'author') or contains(@class, 'byline') or contains(@class, 'reporter')"
                 " or @rel='author' or @itemprop='author']")


def _generic_authors(sel: Selector, title: str = "") -> list[str]:
    """The byline next to the headline: the first author/byline/reporter element with a short, date-free text."""
    for el, text in _short_texts(sel, _AUTHOR_XPATH, 80):
        if _JUNK_ATTR.search(el.get("class") or "") and "author" not in (el.get("class") or ""):
            continue
        if _TIME_HINT.search(text) or parse_dateline(text):
            continue
        return [text]
    head = _headline_element(sel, title) if title else None
    if head is not None:  # a byline line right under the headline ("ক্রীড়া ডেস্ক", "নিজস্ব প্রতিবেদক"), whatever its class
        for el in list(head.itersiblings())[:3]:
            if not isinstance(el.tag, str):
                continue
            for text in element_paragraphs(el, skip_junk=False)[:3]:
                text = _clean(unicodedata.normalize("NFC", text))
                if is_byline_line(text):
                    return [text]
    return []


def extract_page(html: bytes | str, url: str | None = None, outlet: str | None = None, *,
                 headers: dict | None = None, fetched_at: datetime | None = None, registry=None) -> dict:
    """The `bnwatch extract` contract: one JSON-ready dict with url, outlet, title, body (paragraphs joined by a
    blank line), published_at, updated_at (ISO 8601 with the outlet's offset, or None), authors, section,
    credited_source, language. Raises NotAnArticle for pages that hold no article."""
    return extract(html, url, outlet, headers=headers, fetched_at=fetched_at, registry=registry).as_dict()
