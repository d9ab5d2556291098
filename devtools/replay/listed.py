"""A replay of a given list of articles (e.g. a labelled set): each article served as a plain news page on its own
outlet's host, found through that outlet's sitemap, so the real crawler and stages can run over any article set.

Each outlet of the list becomes a `ListedSite` served by the ordinary ReplayServer (`ReplayServer(sites=...)`), and
an outlet registry folder (`write_registry`, for BNWATCH_OUTLETS_DIR) tells the crawler and the clean stage about
those hosts: a news sitemap at /sitemap.xml and article pages at /news/<id>. An outlet named like a registered one
(or whose article URLs are on its host) keeps that outlet's id, domain and time zone; any other gets an id made
from its name and the host of its article URLs.

The page carries the publication time exactly as the list gives it — a full ISO time, a date only, a time without
offset, or nothing — in JSON-LD `datePublished` and `article:published_time`, so the clean stage reads it as it
would read the real page: nothing is invented.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time as dtime
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

import yaml

from bnwatch.textnorm import nfc

from .site import ReplayArticle, Site

SITEMAP_PATH = "/sitemap.xml"
ARTICLE_PREFIX = "/news/"
DEFAULT_TIMEZONE = "Asia/Dhaka"


@dataclass(frozen=True)
class ListedOutlet:
    id: str
    name: str
    host: str
    timezone: str = DEFAULT_TIMEZONE

    def outlet_file(self) -> dict:
        """outlet.yaml of this outlet: the sitemap is its only discovery source; title and body selectors for the
        page layout ListedSite serves (as for any modelled outlet: a short feed-lead article is still read)."""
        return {"id": self.id, "name": self.name, "domain": self.host, "home": f"https://{self.host}/",
                "timezone": self.timezone, "language": "bn", "javascript": False,
                "discovery": [{"type": "sitemap", "url": f"https://{self.host}{SITEMAP_PATH}"}],
                "article_urls": [f"^https?://{re.escape(self.host)}{ARTICLE_PREFIX}[^/?#]+$"],
                "selectors": {"title": "main article h1::text", "body": "main article > p"}}


@dataclass
class ListedArticle(ReplayArticle):
    """`published_as`: the publication time as the list gives it (None: the page carries none). `published` is
    only its reading for ordering the sitemap (date only: midnight, no offset: the outlet's zone)."""

    published_as: str | None = None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower()) or "outlet"


def resolve_outlets(items: Iterable[dict], registry=None) -> dict[str, ListedOutlet]:
    """Outlet name → ListedOutlet for every `outlet` in `items` ({outlet, url?}): the registered outlet whose host
    serves the items' URLs or whose name it is, else one named after it on the items' most common URL host."""
    if registry is None:
        from bnwatch.outlets import default_registry

        registry = default_registry()
    hosts: dict[str, Counter] = {}
    for it in items:
        c = hosts.setdefault(it["outlet"], Counter())
        if it.get("url"):
            c[urlsplit(it["url"]).hostname or ""] += 1
    by_name = {o.name.casefold(): o for o in registry}
    out: dict[str, ListedOutlet] = {}
    for name, counter in hosts.items():
        found = (registry.for_url(f"https://{h}/") for h, _n in counter.most_common())
        known = next((o for o in found if o is not None), None) or by_name.get(name.casefold())
        if known is not None:
            out[name] = ListedOutlet(known.id, known.name, known.domain, known.timezone)
        elif counter:
            out[name] = ListedOutlet(_slug(name), name, counter.most_common(1)[0][0])
        else:
            raise ValueError(f"outlet {name!r}: not registered and no article URL to take a host from")
    ids = Counter(o.id for o in out.values())
    if any(n > 1 for n in ids.values()):
        raise ValueError(f"two outlet names resolve to one outlet id: {sorted(i for i, n in ids.items() if n > 1)}")
    return out


def page_slug(item_id: str) -> str:
    """The last path segment of an item's page: its id with anything but letters, digits, _ and - made a '-' (an id
    such as 'set_2024#503' must not become a URL fragment)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(item_id))


def _reading(value: str | None, tz: ZoneInfo, fallback: datetime) -> datetime:
    if not value:
        return fallback
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if len(value) <= 10:
        dt = datetime.combine(dt.date(), dtime.min)
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


class ListedSite(Site):
    """One outlet of the list: plain article pages (headline, one <p> a paragraph, JSON-LD) and a news sitemap."""

    @classmethod
    def build(cls, outlet: ListedOutlet, articles: list[dict], now: datetime | None = None) -> "ListedSite":
        """`articles`: {id, title, paragraphs, published (str|None)}; the page's path is /news/<page_slug(id)>."""
        tz = ZoneInfo(outlet.timezone)
        now = (now or datetime.now(tz)).replace(microsecond=0)
        config = {"id": outlet.id, "name": outlet.name, "base_url": f"https://{outlet.host}", "hosts": [outlet.host],
                  "timezone": outlet.timezone, "dateline": "ascii_ymd", "masthead": "none",
                  "robots": "User-agent: *\nAllow: /\n",
                  "routes": [{"path": SITEMAP_PATH, "kind": "news_sitemap", "publication": outlet.name}]}
        arts, slugs = [], Counter(page_slug(a["id"]) for a in articles)
        if any(n > 1 for n in slugs.values()):
            raise ValueError(f"{outlet.id}: item ids that give one page slug: {[s for s, n in slugs.items() if n > 1]}")
        for a in articles:
            raw = a.get("published") or None
            dt = _reading(raw, tz, now)
            art = ListedArticle(outlet=outlet.id, slug=page_slug(a["id"]), path=ARTICLE_PREFIX + page_slug(a["id"]),
                                title=nfc(a["title"] or ""), paragraphs=[nfc(p) for p in a.get("paragraphs") or []],
                                published=dt, updated=dt, kind="listed", origin="listed", published_as=raw)
            art.last_modified = int(dt.timestamp())
            arts.append(art)
        return cls(config, {}, arts)

    def news_sitemap(self, route: dict, elapsed: float, day: str | None = None) -> bytes:
        rows = []
        for a in self.visible(elapsed):
            stamp = f"\n    <lastmod>{xml_escape(a.published_as)}</lastmod>" if a.published_as else ""
            rows.append(f"  <url>\n    <loc>{xml_escape(self.url(a.path))}</loc>{stamp}\n  </url>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "\n".join(rows) + ("\n" if rows else "") + "</urlset>\n").encode("utf-8")

    def article_page(self, a: ListedArticle, now: datetime, elapsed: float, dom: bool = False) -> bytes:
        e = html.escape
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
              "mainEntityOfPage": self.url(a.path), "inLanguage": "bn",
              "publisher": {"@type": "Organization", "name": self.name}}
        meta = ""
        if a.published_as:
            ld["datePublished"] = a.published_as
            meta = f'<meta property="article:published_time" content="{e(a.published_as)}">'
        body = "".join(f"<p>{e(p)}</p>\n" for p in a.paragraphs)
        ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        page = (
            f"<!doctype html><html lang='bn'><head><meta charset='utf-8'><title>{e(a.title)} | {e(self.name)}</title>"
            f"<link rel='canonical' href='{e(self.url(a.path))}'>{meta}"
            f"<script type='application/ld+json'>{ld_json}</script>"
            f"</head><body><header><a href='/'>{e(self.name)}</a> <nav><a href='/national'>জাতীয়</a> "
            "<a href='/world'>আন্তর্জাতিক</a> <a href='/sports'>খেলা</a></nav></header>"
            f"<main><article><h1>{e(a.title)}</h1>\n{body}</article></main>"
            f"<footer>© {e(self.name)}। সর্বস্বত্ব সংরক্ষিত।</footer></body></html>")
        return page.encode("utf-8")


def listed_sites(items: Iterable[dict], outlets: dict[str, ListedOutlet],
                 now: datetime | None = None) -> dict[str, ListedSite]:
    """outlet id → ListedSite for `items` ({id, outlet (name), title, paragraphs, published_at}), for
    `ReplayServer(sites=...)`."""
    grouped: dict[str, list[dict]] = {}
    for it in items:
        grouped.setdefault(it["outlet"], []).append(
            {"id": it["id"], "title": it["title"], "paragraphs": it.get("paragraphs") or [],
             "published": it.get("published_at")})
    return {outlets[name].id: ListedSite.build(outlets[name], arts, now) for name, arts in grouped.items()}


def write_registry(folder: Path, outlets: Iterable[ListedOutlet]) -> Path:
    """An outlet registry (BNWATCH_OUTLETS_DIR) holding exactly these outlets: <id>/outlet.yaml each."""
    folder = Path(folder)
    for o in outlets:
        (folder / o.id).mkdir(parents=True, exist_ok=True)
        (folder / o.id / "outlet.yaml").write_text(yaml.safe_dump(o.outlet_file(), allow_unicode=True, sort_keys=False),
                                                   encoding="utf-8")
    return folder


def article_url(outlet: ListedOutlet, item_id: str) -> str:
    """Where an item is served (what the crawler fetches and the alerts name)."""
    return f"https://{outlet.host}{ARTICLE_PREFIX}{page_slug(item_id)}"


__all__ = ["ListedOutlet", "ListedArticle", "ListedSite", "resolve_outlets", "listed_sites", "write_registry",
           "article_url", "page_slug"]
