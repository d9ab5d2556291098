"""Turn discovery documents (RSS/Atom feeds, sitemaps and sitemap indexes, listing pages, JSON APIs) into
candidate article URLs.

XML is parsed with entity resolution, DTD loading and network access off, so a feed with an XML bomb or an
external entity is refused instead of expanding. Every URL is made absolute and filtered by the outlet's
article URL patterns; sitemap indexes yield their child sitemaps as further discovery documents.

Sitemaps are read with Scrapy's own helpers, as SitemapSpider reads them: a gzipped body (a .xml.gz file, or one
served as application/x-gzip; `Content-Encoding: gzip` is already undone by Scrapy's HttpCompression middleware) is
gunzipped by scrapy.utils.gz.gunzip up to a maximum size, then parsed by scrapy.utils.sitemap.Sitemap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from bnwatch.outlets import DiscoverySource, Outlet

_PARSER_KW = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)
#: the sitemap protocol's limit on an uncompressed sitemap (sitemaps.org); the spider passes DOWNLOAD_MAXSIZE
SITEMAP_MAX_SIZE = 50 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b\x08"  # what scrapy.utils.gz.gzip_magic_number looks for


class DiscoveryError(ValueError):
    """A discovery document that cannot be parsed at all."""


@dataclass(frozen=True)
class Discovered:
    url: str
    #: publication/modification time the source gives (ISO or RFC 822 text, as found), used to detect changes
    stamp: str | None = None
    #: True when this is another discovery document (a child sitemap), not an article
    is_source: bool = False


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_root(body: bytes) -> lxml.etree._Element:
    if b"<!ENTITY" in body[:4096]:
        raise DiscoveryError("XML declares entities (refused: entity expansion / external entity risk)")
    parser = lxml.etree.XMLParser(**_PARSER_KW)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML: {exc}") from exc
    if root is None:
        raise DiscoveryError("empty XML document")
    # the quick scan above only sees the first 4 KB: a DOCTYPE behind a long comment declares its entities too
    # late for it. They are inert (never resolved), but such a document is refused all the same, wherever the
    # declaration is.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DiscoveryError("XML declares entities (refused: entity expansion / external entity risk)")
    return root


def _child_text(elem, *names: str) -> str | None:
    for child in elem:
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return None


def from_feed(body: bytes, base_url: str) -> list[Discovered]:
    """RSS 2.0 <item><link> or Atom <entry><link href>."""
    root = _xml_root(body)
    found = []
    for elem in root.iter():
        name = _local(elem.tag)
        if name == "item":
            link = _child_text(elem, "link") or _child_text(elem, "guid")
            stamp = _child_text(elem, "updated", "pubdate", "date")
        elif name == "entry":
            link = None
            for child in elem:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href")
                    break
            stamp = _child_text(elem, "updated", "published")
        else:
            continue
        if link:
            found.append(Discovered(urljoin(base_url, link.strip()), stamp))
    return found


class _NewsSitemap(Sitemap):
    """Scrapy's Sitemap, also keeping a Google News <news:publication_date>: it is nested one level deeper than
    the <loc>/<lastmod> Scrapy reads, and is the only date most news sitemaps give."""

    def _process_sitemap_element(self, elem):
        published = None
        for child in elem:
            if self._get_tag_name(child) == "news":
                for grandchild in child:
                    if self._get_tag_name(grandchild) == "publication_date" and (grandchild.text or "").strip():
                        published = grandchild.text.strip()
        d = super()._process_sitemap_element(elem)
        if d is not None and published:
            d["publication_date"] = published
        return d


def sitemap_body(body: bytes, max_size: int = SITEMAP_MAX_SIZE) -> bytes:
    """The XML of a sitemap response: gunzipped (at most `max_size` bytes) when the body is gzip data."""
    if body[:3] != _GZIP_MAGIC:
        return body
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:  # scrapy's max-size error
        raise DiscoveryError(f"gzipped sitemap larger than {max_size} bytes uncompressed") from exc
    except (OSError, EOFError) as exc:
        raise DiscoveryError(f"broken gzip data: {exc}") from exc


def from_sitemap(body: bytes, base_url: str, max_size: int = SITEMAP_MAX_SIZE) -> list[Discovered]:
    """<urlset> (incl. Google News sitemaps) or <sitemapindex>, plain or gzipped."""
    xml = sitemap_body(body, max_size)
    if b"<!ENTITY" in xml:
        raise DiscoveryError("XML declares entities (refused: entity expansion / external entity risk)")
    try:
        sitemap = _NewsSitemap(xml)
        entries = list(sitemap)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        raise DiscoveryError(f"not XML: {exc or 'no root element'}") from exc
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap: the root element is <{sitemap.type}>")
    return [Discovered(urljoin(base_url, d["loc"]), d.get("lastmod") or d.get("publication_date") or None,
                       is_source=(sitemap.type == "sitemapindex"))
            for d in entries if d.get("loc")]


def from_listing(body: bytes, base_url: str, css: str | None, encoding: str = "utf-8") -> list[Discovered]:
    sel = Selector(text=body.decode(encoding, errors="replace"))
    # select the link elements first: appending ::attr(href) to "a.x, a.y" would apply only to its last part
    hrefs = [h for el in sel.css(css or "a") for h in el.xpath("@href").getall()]
    return [Discovered(urljoin(base_url, h.strip())) for h in hrefs if h.strip()]


def from_json_api(body: bytes, base_url: str, path: str | None, link_field: str | None) -> list[Discovered]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DiscoveryError(f"not JSON: {exc}") from exc
    for key in (path or "").split("."):
        if key:
            data = data.get(key, []) if isinstance(data, dict) else []
    items = data if isinstance(data, list) else []
    field = link_field or "url"
    return [Discovered(urljoin(base_url, str(it[field]))) for it in items if isinstance(it, dict) and it.get(field)]


def discover(outlet: Outlet, source: DiscoverySource, body: bytes, base_url: str, *,
             max_size: int = SITEMAP_MAX_SIZE) -> list[Discovered]:
    """Article URLs (and child sitemaps) found in one fetched discovery document, de-duplicated, in order.
    `max_size` bounds a gzipped sitemap once uncompressed."""
    if source.type == "rss":
        found = from_feed(body, base_url)
    elif source.type == "sitemap":
        found = from_sitemap(body, base_url, max_size)
    elif source.type == "listing":
        found = from_listing(body, base_url, source.links)
    else:
        found = from_json_api(body, base_url, source.links, source.link_field)
    seen: set[str] = set()
    result = []
    for d in found:
        d_url = d.url.split("#", 1)[0]
        if d_url in seen or not (d.is_source or outlet.is_article_url(d_url)):
            continue
        seen.add(d_url)
        result.append(Discovered(d_url, d.stamp, d.is_source))
    return result
