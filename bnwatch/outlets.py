"""The outlet registry: one folder per outlet, crawler/outlets/<id>/outlet.yaml.

Outlets are data, not code. The crawler reads discovery sources and URL patterns from them; the clean stage
reads selectors, boilerplate and the time zone. Adding an outlet means adding one folder (its outlet.yaml, and
for the tests its replay model in replay/ and golden pages in golden/), never a spider class.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "crawler" / "outlets"
DISCOVERY_TYPES = {"rss", "sitemap", "listing", "json_api"}
OUTLET_FILE = "outlet.yaml"  # crawler/outlets/<id>/outlet.yaml


class OutletError(ValueError):
    """An outlet data file that is missing a required field or contradicts another one."""


@dataclass(frozen=True)
class DiscoverySource:
    """Where new article URLs come from: a feed, a (news) sitemap, a listing page or a JSON API.

    `links` is a CSS selector for listing pages (default: every <a href>), or for a JSON API a dotted path to the
    list of items and `link_field` the field holding the URL."""

    type: str
    url: str
    links: str | None = None
    link_field: str | None = None
    interval: float | None = None

    def url_for(self, tz: str, now: datetime | None = None) -> str:
        """The URL to fetch now: `{date}` (daily sitemaps, archives) becomes today's date, YYYY-MM-DD, in the
        outlet's own time zone, so a Dhaka daily sitemap rolls over at Dhaka midnight."""
        if "{date}" not in self.url:
            return self.url
        now = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(tz))
        return self.url.replace("{date}", now.strftime("%Y-%m-%d"))


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    domain: str
    home: str
    timezone: str
    country: str = ""
    name_bn: str = ""
    language: str = "bn"
    javascript: bool = False
    discovery: tuple[DiscoverySource, ...] = ()
    article_urls: tuple[str, ...] = ()
    selectors: dict[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    boilerplate_text: tuple[str, ...] = ()
    crawl: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @cached_property
    def _patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.article_urls]

    def is_article_url(self, url: str) -> bool:
        return any(p.search(url) for p in self._patterns)

    def owns_host(self, host: str) -> bool:
        host = host.lower().split(":")[0]
        for domain in (self.domain, *self.aliases):
            if host == domain or host.endswith("." + domain):
                return True
        return False

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> "Outlet":
        missing = [k for k in ("id", "name", "domain", "home", "timezone") if not data.get(k)]
        if missing:
            raise OutletError(f"{source}: missing required field(s): {', '.join(missing)}")
        sources = []
        for i, d in enumerate(data.get("discovery") or []):
            if d.get("type") not in DISCOVERY_TYPES:
                raise OutletError(f"{source}: discovery[{i}].type must be one of {sorted(DISCOVERY_TYPES)}")
            if not d.get("url"):
                raise OutletError(f"{source}: discovery[{i}].url is required")
            sources.append(DiscoverySource(**d))
        for p in data.get("article_urls") or []:
            try:
                re.compile(p)
            except re.error as exc:
                raise OutletError(f"{source}: bad article_urls pattern {p!r}: {exc}") from exc
        return cls(
            id=data["id"],
            name=data["name"],
            domain=data["domain"].lower(),
            home=data["home"],
            timezone=data["timezone"],
            country=data.get("country", ""),
            name_bn=data.get("name_bn", ""),
            language=data.get("language", "bn"),
            javascript=bool(data.get("javascript", False)),
            discovery=tuple(sources),
            article_urls=tuple(data.get("article_urls") or ()),
            selectors=dict(data.get("selectors") or {}),
            drop=tuple(data.get("drop") or ()),
            boilerplate_text=tuple(data.get("boilerplate_text") or ()),
            crawl=dict(data.get("crawl") or {}),
            aliases=tuple(a.lower() for a in data.get("aliases") or ()),
        )


def load_outlet_file(path: Path) -> Outlet:
    """One outlet data file; OutletError naming the file and its problem on one line."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OutletError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise OutletError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise OutletError(f"{path}: not valid YAML: {problem}{where}") from None
    if not isinstance(data, dict):
        raise OutletError(f"{path}: must be a mapping of outlet fields, got {type(data).__name__}")
    try:
        outlet = Outlet.from_dict(data, source=str(path))
    except OutletError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:  # wrong shapes: a list where a mapping goes, ...
        raise OutletError(f"{path}: {type(exc).__name__}: {exc}") from None
    try:
        ZoneInfo(str(outlet.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise OutletError(f"{path}: timezone: unknown time zone {outlet.timezone!r}") from None
    if outlet.id != path.parent.name:
        raise OutletError(f"{path}: id {outlet.id!r} must match its folder's name {path.parent.name!r}")
    return outlet


def outlet_files(directory: Path) -> list[Path]:
    """The `<id>/outlet.yaml` of every outlet folder. A YAML file left at the top (the layout before folders) or
    a folder without outlet.yaml is an error, not an outlet quietly skipped."""
    paths = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_file() and entry.suffix in (".yaml", ".yml"):
            raise OutletError(f"{entry}: an outlet is a folder: move it to {directory / entry.stem / OUTLET_FILE}")
        if entry.is_dir():
            if not (entry / OUTLET_FILE).is_file():
                raise OutletError(f"{entry}: outlet folder without {OUTLET_FILE}")
            paths.append(entry / OUTLET_FILE)
    return paths


class Registry:
    """All outlets, looked up by id or by the host of a URL. Rejects duplicate ids and domains."""

    def __init__(self, outlets: list[Outlet]):
        self._by_id: dict[str, Outlet] = {}
        domains: dict[str, str] = {}
        for o in outlets:
            if o.id in self._by_id:
                raise OutletError(f"duplicate outlet id {o.id!r}")
            for d in (o.domain, *o.aliases):
                if d in domains:
                    raise OutletError(f"domain {d!r} claimed by both {domains[d]!r} and {o.id!r}")
                domains[d] = o.id
            self._by_id[o.id] = o

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "Registry":
        """Every `<id>/outlet.yaml` in the directory. Raises OutletError (one line naming the directory or file
        and the problem) for a missing or empty directory, a stray file or folder, and any file that does not load:
        an outlet silently missing, or every outlet's selectors silently dropped, is worse than not starting."""
        directory = Path(directory or os.environ.get("BNWATCH_OUTLETS_DIR") or DEFAULT_DIR)
        if not directory.is_dir():
            raise OutletError(f"{directory}: no such directory (the outlet registry)")
        paths = outlet_files(directory)
        if not paths:
            raise OutletError(f"{directory}: no outlet folders (<id>/{OUTLET_FILE}) in the outlet registry")
        return cls([load_outlet_file(path) for path in paths])

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, outlet_id: str) -> bool:
        return outlet_id in self._by_id

    def get(self, outlet_id: str) -> Outlet:
        try:
            return self._by_id[outlet_id]
        except KeyError:
            raise KeyError(f"unknown outlet {outlet_id!r}") from None

    def for_url(self, url: str) -> Outlet | None:
        host = urlsplit(url).hostname or ""
        best = None
        for o in self._by_id.values():
            if o.owns_host(host) and (best is None or len(o.domain) > len(best.domain)):
                best = o
        return best


_default: Registry | None = None


def default_registry() -> Registry:
    global _default
    if _default is None:
        _default = Registry.load()
    return _default
