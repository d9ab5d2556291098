"""Atom feeds (RFC 4287) of alerts, served over HTTP from the delivery outbox.

- `/feeds/subscribers/<name>.atom`: what was delivered to that subscriber's `atom` channel(s). "Sending" to an atom
  channel (`AtomSender`) just marks the delivery delivered: the entry then appears in the feed. If the channel
  has a `token`, the request needs `?token=<token>` (else 403).
- `/feeds/rules/<rule>.atom` (`*` = every rule): every story of that rule that the outbox holds (any subscriber,
  any channel).

One entry per story (its newest version): id `tag:bnwatch,2026:story/<story_id>` (stable, so a reader updates the
entry when a new version arrives), Bengali title, `updated`, `published` (first seen), a link to the first
article, one link per article (`rel="related"`), the rule as category, and the Bengali summary as HTML content
(titles, outlets, times, links, evidence). Responses carry `ETag` (a hash of the bytes) and `Last-Modified`;
`If-None-Match` (or, without it, `If-Modified-Since`) answers 304 when nothing changed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from bnwatch.records import Alert, RecordError
from consumers.notify.channels import DELIVERED, Message, SendResult
from consumers.notify.store import Delivery, OutboxStore
from consumers.notify.subscriptions import ChannelConfig, Subscriptions
from consumers.notify.text import alert_doc, alert_title, render, rule_name

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
TAG = "tag:bnwatch,2026:"


class AtomSender:
    """Publishing to a feed is recording the delivery; readers pull it from the feed server."""

    type = "atom"

    def send(self, message: Message, channel: ChannelConfig) -> SendResult:
        return SendResult(DELIVERED, None)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_of(value: str | None, fallback: float) -> str:
    try:
        dt = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return _iso(fallback)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_time(d: Delivery) -> float:
    return d.delivered_at or d.created_at


def build_feed(rows: list[Delivery], *, feed_id: str, title: str, self_url: str,
               outlet_names: Mapping[str, str] | None = None) -> tuple[bytes, float]:
    """The feed document and its last modification time (the newest entry's, 0 when empty)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "bn"})
    updated = max((entry_time(d) for d in rows), default=0.0)
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", _iso(updated))
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    author = sub(feed, "author")
    sub(author, "name", "bnwatch")
    sub(feed, "generator", "bnwatch")
    for d in rows:
        try:
            alert = Alert.from_json(d.alert)
        except RecordError:
            log.warning("feed: stored alert of %s unreadable, skipped", d.id)
            continue
        entry = sub(feed, "entry")
        sub(entry, "id", TAG + "story/" + quote(d.story_id, safe=""))
        sub(entry, "title", f"[{rule_name(alert.rule)}] {alert_title(alert)}")
        sub(entry, "updated", _iso(entry_time(d)))
        sub(entry, "published", _iso_of(alert.first_seen, entry_time(d)))
        articles = [a for a in alert.articles if isinstance(a, Mapping) and a.get("url")]
        if articles:
            sub(entry, "link", rel="alternate", type="text/html", href=str(articles[0]["url"]))
            for a in articles[1:]:
                sub(entry, "link", rel="related", type="text/html", href=str(a["url"]),
                    title=str(a.get("title") or ""))
        sub(entry, "category", term=alert.rule, label=rule_name(alert.rule))
        doc = alert_doc(alert, outlet_names)
        sub(entry, "content", render(doc, "html").replace("\n", "<br/>\n"), type="html")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body, updated


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(headers: Mapping[str, str], etag: str, last_modified: float) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if since is not None:
            if since.tzinfo is None:
                since = since.replace(tzinfo=timezone.utc)
            return int(last_modified) <= since.timestamp()
    return False


class FeedServer:
    """Serves the feeds from `store` on host:port (port 0 picks one) in a daemon thread."""

    def __init__(self, store: OutboxStore, subscriptions: Subscriptions, *, host: str = "127.0.0.1", port: int = 0,
                 base_url: str | None = None, outlet_names: Mapping[str, str] | None = None,
                 max_entries: int = 100):
        self.store = store
        self.subscriptions = subscriptions
        self.host = host
        self.port = port
        self._base = base_url
        self.outlet_names = dict(outlet_names or {})
        self.max_entries = max_entries
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return (self._base or f"http://{self.host}:{self.port}").rstrip("/")

    def rule_url(self, rule: str) -> str:
        return f"{self.base_url}/feeds/rules/{quote(rule, safe='')}.atom"

    def subscriber_url(self, name: str, token: str | None = None) -> str:
        url = f"{self.base_url}/feeds/subscribers/{quote(name, safe='')}.atom"
        return url + (f"?token={quote(token, safe='')}" if token else "")

    # ------------------------------------------------------------------ routing

    def render(self, path: str, query: Mapping[str, list[str]]) -> tuple[int, bytes, float]:
        """(status, body, last modified) for a GET of `path`."""
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if len(parts) != 3 or parts[0] != "feeds" or not parts[2].endswith(".atom"):
            return 404, b"not found\n", 0.0
        kind, name = parts[1], parts[2][: -len(".atom")]
        if kind == "rules" and name:
            rows = self.store.feed_rows(rule=name, status=None, limit=self.max_entries)
            title = "bnwatch: " + ("সব নিয়ম" if name == "*" else rule_name(name))
            body, updated = build_feed(rows, feed_id=TAG + "feeds/rules/" + quote(name, safe=""), title=title,
                                       self_url=self.rule_url(name), outlet_names=self.outlet_names)
            return 200, body, updated
        if kind == "subscribers" and name:
            self.subscriptions.maybe_reload()
            sub = self.subscriptions.get(name)
            feeds = [c for c in sub.channels if c.type == "atom"] if sub else []
            if not feeds:
                return 404, b"no such feed\n", 0.0
            tokens = [c.secret for c in feeds if c.secret]
            given = (query.get("token") or [""])[0]
            if tokens and not any(hmac.compare_digest(given.encode(), t.encode()) for t in tokens):
                return 403, b"token required\n", 0.0
            limit = max(int(c.options.get("max_entries", 50)) for c in feeds)
            rows = self.store.feed_rows(subscriber=name, channel_type="atom", limit=limit)
            title = next((c.options.get("title") for c in feeds if c.options.get("title")), None)
            body, updated = build_feed(rows, feed_id=TAG + "feeds/subscribers/" + quote(name, safe=""),
                                       title=title or f"bnwatch: {name}", self_url=self.subscriber_url(name),
                                       outlet_names=self.outlet_names)
            return 200, body, updated
        return 404, b"not found\n", 0.0

    def start(self) -> "FeedServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, head: bool) -> None:
                url = urlsplit(self.path)
                try:
                    status, body, updated = server.render(url.path, parse_qs(url.query))
                except Exception:  # noqa: BLE001 - a feed error must not kill the server thread
                    log.exception("feed %s failed", url.path)
                    status, body, updated = 500, b"internal error\n", 0.0
                headers: dict[str, str] = {}
                if status == 200:
                    etag = etag_of(body)
                    headers = {"ETag": etag, "Last-Modified": formatdate(int(updated), usegmt=True),
                               "Cache-Control": "no-cache", "Content-Type": CONTENT_TYPE}
                    if not_modified(self.headers, etag, updated):
                        status, body = 304, b""
                else:
                    headers = {"Content-Type": "text/plain; charset=utf-8"}
                self.send_response(status)
                for k, v in headers.items():
                    if status == 304 and k == "Content-Type":
                        continue
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head and status != 304:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                self._serve(head=False)

            def do_HEAD(self) -> None:  # noqa: N802 - http.server API
                self._serve(head=True)

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("feed: " + fmt, *args)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="notify-feeds",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(5)
            self._server = None

    def __enter__(self) -> "FeedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

