"""Turn discovery documents (RSS/Atom feeds, sitemaps and sitemap indexes, listing pages, JSON APIs) into
candidate article URLs.

XML is parsed with entity resolution, DTD loading and network access off, so a feed with an XML bomb or an
external entity is refused instead of expanding. Every URL is made absolute and filtered by the outlet's
article URL patterns; sitemap indexes yield their child sitemaps as further discovery documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
from parsel import Selector

from bnwatch.outlets import DiscoverySource, Outlet

_PARSER_KW = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


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


def from_sitemap(body: bytes, base_url: str) -> list[Discovered]:
    """<urlset> (incl. Google News sitemaps) or <sitemapindex>."""
    root = _xml_root(body)
    kind = _local(root.tag)
    found = []
    for elem in root:
        name = _local(elem.tag)
        if name not in ("url", "sitemap"):
            continue
        loc = _child_text(elem, "loc")
        if not loc:
            continue
        stamp = _child_text(elem, "lastmod")
        if stamp is None:
            for child in elem:
                if _local(child.tag) == "news":
                    stamp = _child_text(child, "publication_date")
        found.append(Discovered(urljoin(base_url, loc), stamp, is_source=(kind == "sitemapindex")))
    return found


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


def discover(outlet: Outlet, source: DiscoverySource, body: bytes, base_url: str) -> list[Discovered]:
    """Article URLs (and child sitemaps) found in one fetched discovery document, de-duplicated, in order."""
    if source.type == "rss":
        found = from_feed(body, base_url)
    elif source.type == "sitemap":
        found = from_sitemap(body, base_url)
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
