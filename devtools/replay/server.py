"""The outlet replay: one local HTTP server that plays several outlet sites at once, chosen by the Host header.

The crawler keeps real URLs and sends https://dailyinqilab.com/x to http://127.0.0.1:PORT/x with
`Host: dailyinqilab.com` (crawler/handlers/replay.py, which only routes hosts and does not import this package). A request line with an absolute URL works too.

Control API (any Host, reserved path prefix /_replay/):

    GET  /_replay/state                     every article of every site, with visibility and version
    GET  /_replay/hosts                     {"dailyinqilab.com": "127.0.0.1:PORT", ...} for REPLAY_HOSTS
    POST /_replay/articles                  add: {"outlet", "title", "paragraphs", optional "section",
                                            "section_slug", "authors", "published", "updated" (ISO), "slug",
                                            "credit" ({"text", "source", "placement": "inline"|"line"}),
                                            "appears_at" (s after start) or "appears_in" (s from now)}
    POST /_replay/edit | PATCH /_replay/articles
                                            edit: {"url" or "slug" (+ "outlet"), any of "title", "paragraphs",
                                            "section", "authors", "credit", "updated" (default: now)}
    POST /_replay/challenge                 {"outlet", "path" (or "url"), optional "on" (default true)}: answer
                                            that path with the site's bot-challenge page (or stop doing so)
    POST /_replay/reset                     back to the default sites

Discovery documents and article pages carry Last-Modified and ETag and answer 304 to a matching If-None-Match
(or, without one, to an If-Modified-Since not older than Last-Modified). Article pages use a weak ETag of the
article's own content: chrome that changes around it (the masthead date, related lists) is not a change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import unicodedata
from datetime import datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import bndate
from .site import OUTLETS_DIR, Page, ReplayArticle, Site, build_default_sites

log = logging.getLogger(__name__)
CONTROL_PREFIX = "/_replay/"
DISCOVERY_KINDS = ("rss", "news_sitemap", "listing", "sitemap_index", "json_api")


class ReplayError(ValueError):
    """A control request that cannot be applied (unknown outlet or article, missing field)."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _to_epoch(value: float | datetime | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


class ReplayServer:
    """The outlet replay.

    `start_time` (epoch seconds or an aware datetime; default: when start() runs) is the moment `appears_at`
    counts from. `clock` (default time.time) lets tests and benchmarks drive time. `sites` defaults to
    build_default_sites(outlets, outlets_dir): every modelled outlet of the registry folder.
    """

    def __init__(self, port: int = 0, start_time: float | datetime | None = None, *, host: str = "127.0.0.1",
                 sites: dict[str, Site] | None = None, clock=time.time, outlets: tuple[str, ...] | None = None,
                 outlets_dir=OUTLETS_DIR):
        self.host = host
        self._requested_port = port
        self._outlets = outlets
        self._outlets_dir = outlets_dir
        self.sites: dict[str, Site] = sites if sites is not None else build_default_sites(outlets, outlets_dir)
        self.clock = clock
        self.start_time: float | None = _to_epoch(start_time)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> "ReplayServer":
        if self.start_time is None:
            self.start_time = self.clock()
        handler = type("BoundReplayHandler", (ReplayHandler,), {"replay": self})
        self._httpd = ThreadingHTTPServer((self.host, self._requested_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="outlet-replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Run in the calling thread (the standalone command)."""
        if self.start_time is None:
            self.start_time = self.clock()
        handler = type("BoundReplayHandler", (ReplayHandler,), {"replay": self})
        self._httpd = ThreadingHTTPServer((self.host, self._requested_port), handler)
        self._httpd.daemon_threads = True
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            return self._requested_port
        return self._httpd.server_address[1]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.address}"

    def hosts(self) -> dict[str, str]:
        """Host → replay address for every site (Scrapy's REPLAY_HOSTS)."""
        return {h: self.address for site in self.sites.values() for h in site.hosts}

    def replay_hosts_spec(self) -> str:
        """The same as a BNWATCH_REPLAY_HOSTS value."""
        return ",".join(f"{h}={a}" for h, a in self.hosts().items())

    # -- time ------------------------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock()

    def elapsed(self, now: float | None = None) -> float:
        start = self.start_time if self.start_time is not None else self.clock()
        return (self.clock() if now is None else now) - start

    # -- lookup ----------------------------------------------------------------------------------------------
    def site_for_host(self, host: str) -> Site | None:
        host = (host or "").lower().split(":")[0].rstrip(".")
        for site in self.sites.values():
            if host in site.hosts:
                return site
        return None

    def site(self, outlet: str) -> Site:
        try:
            return self.sites[outlet]
        except KeyError:
            raise ReplayError(f"unknown outlet {outlet!r}; known: {sorted(self.sites)}") from None

    def render(self, outlet: str, path: str, now: float | datetime | None = None, *,
               dom: bool | None = None) -> Page:
        """The page `outlet` shows at `path` (no HTTP; used by fixtures and tests). For a site with `render: script`
        (a JavaScript outlet) that is by default the article page as a browser's DOM shows it once the page's
        scripts ran; `dom=False` gives the raw HTML the server sends (what HTTP clients get)."""
        ts = _to_epoch(now) if now is not None else self.clock()
        site = self.site(outlet)
        if dom is None:
            dom = site.config.get("render") == "script"
        return site.respond(path, datetime.fromtimestamp(ts, site.tz), self.elapsed(ts), dom=dom)

    # -- control ---------------------------------------------------------------------------------------------
    def add_article(self, outlet: str, title: str, paragraphs: list[str], *, section: str | None = None,
                    section_slug: str | None = None, authors: list[str] | None = None,
                    published: datetime | str | None = None, updated: datetime | str | None = None,
                    slug: str | None = None, credit: dict[str, Any] | None = None,
                    appears_at: float | None = None, appears_in: float | None = None,
                    **extra: Any) -> dict[str, Any]:
        """Add an article to `outlet`; it shows up in that outlet's feed/sitemap/listings once it appears
        (default: now). Returns its state (url, slug, times…)."""
        site = self.site(outlet)
        if not title or not isinstance(paragraphs, list) or not paragraphs:
            raise ReplayError("title and a non-empty list of paragraphs are required")
        with self.lock:
            now = self.clock()
            elapsed = self.elapsed(now)
            if appears_at is None:
                appears_at = elapsed + (float(appears_in) if appears_in is not None else 0.0)
            appear_ts = (self.start_time or now) + float(appears_at)
            defaults = site.config.get("new_article") or {}
            published_dt = _as_dt(published, site) or datetime.fromtimestamp(int(appear_ts), site.tz)
            updated_dt = _as_dt(updated, site) or published_dt
            section_slug = section_slug or defaults.get("section_slug", "")
            new_slug, path = site.new_path(published_dt, section_slug, slug)
            if credit is not None and not isinstance(credit, dict):
                raise ReplayError("credit must be an object {text, source, placement}")
            art = ReplayArticle(
                outlet=outlet, slug=new_slug, path=path, title=_nfc(title), paragraphs=[_nfc(p) for p in paragraphs],
                published=published_dt, updated=updated_dt, section=_nfc(section or defaults.get("section", "")),
                section_slug=section_slug,
                authors=[_nfc(a) for a in (authors if authors is not None else defaults.get("authors", []))],
                credit=credit, kind=extra.get("kind", "added"), matching=extra.get("matching", extra.get("ru_nk")),
                origin=extra.get("origin", "control API"), source_name=extra.get("source_name", ""),
                appears_at=float(appears_at))
            art.last_modified = int(max(updated_dt.timestamp(), now))
            site.add(art)
            return self._state_of(site, art, elapsed)

    def edit_article(self, ref: str, *, outlet: str | None = None, title: str | None = None,
                     paragraphs: list[str] | None = None, updated: datetime | str | None = None,
                     **changes: Any) -> dict[str, Any]:
        """Change an article (by URL, path or slug): its update time becomes `updated` (default: now) and its
        version grows, so feeds, sitemaps and the page itself show the change."""
        with self.lock:
            site, art = self._find(ref, outlet)
            now = self.clock()
            new: dict[str, Any] = {}
            if title is not None:
                new["title"] = _nfc(title)
            if paragraphs is not None:
                if not isinstance(paragraphs, list) or not paragraphs:
                    raise ReplayError("paragraphs must be a non-empty list")
                new["paragraphs"] = [_nfc(p) for p in paragraphs]
            for key in ("section", "section_slug", "authors", "credit", "source_name"):
                if key in changes:
                    new[key] = changes[key]
            new["updated"] = _as_dt(updated, site) or datetime.fromtimestamp(int(now), site.tz)
            site.edit(art, new)
            art.last_modified = max(art.last_modified, int(now))
            return self._state_of(site, art, self.elapsed(now))

    def set_challenge(self, outlet: str, path: str, on: bool = True) -> dict[str, Any]:
        """Serve `outlet`'s bot-challenge page (site.yaml `challenge`) at `path` (a path or a full URL), or stop."""
        site = self.site(outlet)
        if not (site.config.get("challenge") or {}).get("file"):
            raise ReplayError(f"{outlet} has no challenge page configured")
        if path.startswith(("http://", "https://")):
            parts = urlsplit(path)
            path = parts.path + ("?" + parts.query if parts.query else "")
        with self.lock, site.lock:
            (site.challenge_paths.add if on else site.challenge_paths.discard)(path)
            return {"outlet": outlet, "challenged": sorted(site.challenge_paths)}

    def reset(self) -> None:
        with self.lock:
            self.sites = build_default_sites(self._outlets, self._outlets_dir)

    def _find(self, ref: str, outlet: str | None) -> tuple[Site, ReplayArticle]:
        sites = [self.site(outlet)] if outlet else list(self.sites.values())
        if not outlet and ref.startswith("http"):
            host_site = self.site_for_host(urlsplit(ref).hostname or "")
            if host_site is not None:
                sites = [host_site]
                ref = urlsplit(ref).path
        for site in sites:
            art = site.find(ref)
            if art is not None:
                return site, art
        raise ReplayError(f"no article {ref!r}")

    def _state_of(self, site: Site, art: ReplayArticle, elapsed: float) -> dict[str, Any]:
        return {"outlet": site.id, "url": site.url(art.path), "slug": art.slug, "title": art.title,
                "published": bndate.iso(art.published), "updated": bndate.iso(art.updated),
                "appears_at": art.appears_at, "visible": art.appears_at <= elapsed, "version": art.version,
                "kind": art.kind, "matching": art.matching, "ru_nk": bool(art.matching), "section": art.section}

    def articles(self, visible_only: bool = True) -> list[dict[str, Any]]:
        """Every article (by default: every visible one) of every site: outlet, url, slug, title, published,
        updated, appears_at, visible, version, kind, section and `ru_nk` (True for the Russia–North Korea
        stories, the seeds; False for the dataset picks; articles added without `matching` count as False)."""
        with self.lock:
            elapsed = self.elapsed()
            return [self._state_of(s, a, elapsed) for s in self.sites.values() for a in s.articles
                    if not visible_only or a.appears_at <= elapsed]

    def state(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock()
            elapsed = self.elapsed(now)
            return {
                "start_time": self.start_time, "now": now, "elapsed": elapsed, "address": self.address,
                "sites": {
                    sid: {"name": s.name, "base_url": s.base_url, "hosts": list(s.hosts),
                          "discovery": [s.url(p) for p, r in s.routes.items() if r["kind"] in
                                        DISCOVERY_KINDS],
                          "articles": [self._state_of(s, a, elapsed) for a in s.articles]}
                    for sid, s in self.sites.items()},
            }


def _as_dt(value: datetime | str | None, site: Site) -> datetime | None:
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=site.tz)
    return dt.replace(microsecond=0)


class ReplayHandler(BaseHTTPRequestHandler):
    replay: ReplayServer  # set on the bound subclass
    server_version = "nginx"
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet by default; DEBUG logs every request
        log.debug("%s %s", self.address_string(), fmt % args)

    # -- plumbing --------------------------------------------------------------------------------------------
    def _target(self) -> tuple[str, str, str]:
        raw = self.path
        if raw.startswith(("http://", "https://")):
            parts = urlsplit(raw)
            return parts.netloc, parts.path or "/", parts.query
        parts = urlsplit(raw)
        return self.headers.get("Host", ""), parts.path or "/", parts.query

    def _send(self, status: int, body: bytes, content_type: str, headers: list[tuple[str, str]] = (),
              head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if not head and status not in (204, 304):
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False, indent=1).encode(), "application/json; charset=utf-8")

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            raise ReplayError(f"body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ReplayError("body must be a JSON object")
        return data

    # -- methods ---------------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._safely(self._get, head=True)

    def do_GET(self) -> None:
        self._safely(self._get, head=False)

    def _safely(self, fn, **kw) -> None:
        try:
            fn(**kw)
        except Exception as exc:  # a model bug must show up as a 500, not as a dropped connection
            log.exception("replay error on %s", self.path)
            self._send(500, f"replay error: {exc}\n".encode(), "text/plain; charset=utf-8")

    def do_POST(self) -> None:
        self._control("POST")

    def do_PATCH(self) -> None:
        self._control("PATCH")

    def _get(self, head: bool) -> None:
        host, path, query = self._target()
        if path.startswith(CONTROL_PREFIX):
            if path == CONTROL_PREFIX + "state":
                return self._json(200, self.replay.state())
            if path == CONTROL_PREFIX + "hosts":
                return self._json(200, self.replay.hosts())
            return self._json(404, {"error": f"unknown control path {path}"})
        site = self.replay.site_for_host(host)
        if site is None:
            return self._index(host, path, head)
        page = self.replay.render(site.id, path + ("?" + query if query else ""), dom=False)
        headers = list(page.headers)
        if page.last_modified is not None:
            headers.append(("Last-Modified", bndate.http_date(page.last_modified)))
        etag = page.etag
        if page.status == 200 and etag is None and page.content_type.split(";")[0] != "text/plain":
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:20] + '"'
        if etag:
            headers.append(("ETag", etag))
        if page.status == 200 and self._not_modified(etag, page.last_modified):
            return self._send(304, b"", page.content_type, headers, head=True)
        headers.append(("Cache-Control", "max-age=60"))
        self._send(page.status, page.body, page.content_type, headers, head=head)

    def _not_modified(self, etag: str | None, last_modified: int | None) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if not etag:
                return False
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or etag.removeprefix("W/") in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and last_modified is not None:
            try:
                since = parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
            return last_modified <= since
        return False

    def _index(self, host: str, path: str, head: bool) -> None:
        if path != "/":
            return self._send(404, f"unknown host {host!r}\n".encode(), "text/plain; charset=utf-8", head=head)
        rows = "".join(
            f"<li>{s.name}: hosts {', '.join(s.hosts)}; discovery "
            f"{', '.join(s.url(p) for p, r in s.routes.items() if r['kind'] in DISCOVERY_KINDS)}</li>"
            for s in self.replay.sites.values())
        body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>bnwatch outlet replay</title></head><body>"
                f"<h1>bnwatch outlet replay</h1><p>Send the outlet's host in the Host header.</p><ul>{rows}</ul>"
                f"<p>Control: GET /_replay/state, POST /_replay/articles, POST /_replay/edit</p></body></html>")
        self._send(200, body.encode(), "text/html; charset=utf-8", head=head)

    def _control(self, method: str) -> None:
        _host, path, _query = self._target()
        try:
            if path == CONTROL_PREFIX + "articles" and method == "POST":
                data = self._read_json()
                outlet = data.pop("outlet", None)
                if not outlet:
                    raise ReplayError("outlet is required")
                title, paragraphs = data.pop("title", None), data.pop("paragraphs", None)
                return self._json(201, self.replay.add_article(outlet, title, paragraphs, **data))
            if (path == CONTROL_PREFIX + "edit" and method == "POST") or \
                    (path == CONTROL_PREFIX + "articles" and method == "PATCH"):
                data = self._read_json()
                ref = data.pop("url", None) or data.pop("slug", None)
                if not ref:
                    raise ReplayError("url or slug is required")
                return self._json(200, self.replay.edit_article(ref, **data))
            if path == CONTROL_PREFIX + "challenge" and method == "POST":
                data = self._read_json()
                ref = data.get("path") or data.get("url")
                if not data.get("outlet") or not ref:
                    raise ReplayError("outlet and path (or url) are required")
                return self._json(200, self.replay.set_challenge(data["outlet"], ref, bool(data.get("on", True))))
            if path == CONTROL_PREFIX + "reset" and method == "POST":
                self.replay.reset()
                return self._json(200, {"ok": True})
            return self._json(404, {"error": f"unknown control request {method} {path}"})
        except ReplayError as exc:
            return self._json(400, {"error": str(exc)})
        except (TypeError, ValueError) as exc:
            return self._json(400, {"error": f"bad request: {exc}"})
