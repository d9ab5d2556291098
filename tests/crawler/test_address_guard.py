"""The crawler fetches only the outlet's own domains and never a host whose name resolves to a private, loopback or
link-local address (crawler/middlewares/redirect_guard.py, crawler/spiders/outlets.py; issue #16).

The decision is tested with an injected resolver function; one real crawl reaches a local HTTP server through a
host name the OS resolves to 127.0.0.1 (this machine's own name from /etc/hosts) and checks that nothing was
requested there and that the refusals were counted."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import urllib.request

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from bnwatch import metrics
from devtools.kafka_local import free_port
from bnwatch.outlets import Outlet, Registry
from crawler.middlewares.redirect_guard import (LOCALHOST, OFFSITE_REDIRECT, PRIVATE, RESOLVES_PRIVATE, HostResolver,
                                                RedirectGuardMiddleware, resolved_refusal)

DNS = {
    "intranet.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "v6loop.example": ["::1"],
    "mixed.example": ["93.184.215.14", "192.168.0.7"],  # one bad answer is enough
    "public.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "news.example": ["93.184.215.14"],
    "localhost": ["127.0.0.1", "::1"],
}


class FakeDNS:
    """An injected resolver function: answers from DNS, counts the lookups, fails for unknown names."""

    def __init__(self):
        self.lookups: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.lookups.append(host)
        if host not in DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return DNS[host]


async def _inline(fn, host):  # the lookup without the reactor's thread pool
    return fn(host)


def _guard(dns: FakeDNS, replay_hosts=None, clock=None) -> RedirectGuardMiddleware:
    registry = Registry([Outlet.from_dict({"id": "news", "name": "News", "domain": "news.example",
                                           "home": "https://news.example/", "timezone": "Asia/Dhaka"}),
                         Outlet.from_dict({"id": "local", "name": "Local", "domain": "127.0.0.1",
                                           "home": "http://127.0.0.1:8000/", "timezone": "Asia/Dhaka"})])
    resolver = HostResolver(lookup=dns, run_in_thread=_inline, **({"clock": clock} if clock else {}))
    return RedirectGuardMiddleware(registry=registry, resolver=resolver, replay_hosts=replay_hosts)


def _run(guard: RedirectGuardMiddleware, url: str, **meta):
    """The guard's answer for one request: None (allowed) or the IgnoreRequest it raised."""
    try:
        result = guard.process_request(Request(url, meta={"outlet": "news", **meta}))
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
    except IgnoreRequest as exc:
        return exc
    return result


def _refused(outlet: str, reason: str) -> float:
    return metrics.refused_requests.labels(outlet, reason)._value.get()


@pytest.mark.parametrize("host", ["intranet.example", "metadata.example", "v6loop.example", "mixed.example"])
def test_a_name_resolving_to_a_private_address_is_refused(host):
    dns = FakeDNS()
    before = _refused("news", RESOLVES_PRIVATE)
    result = _run(_guard(dns), f"http://{host}/news/1")
    assert isinstance(result, IgnoreRequest) and RESOLVES_PRIVATE in str(result)
    assert dns.lookups == [host]
    assert _refused("news", RESOLVES_PRIVATE) == before + 1


def test_localhost_is_refused_by_name_and_by_its_answer():
    dns = FakeDNS()
    result = _run(_guard(dns), "http://localhost:8080/admin")
    assert isinstance(result, IgnoreRequest) and LOCALHOST in str(result)
    assert resolved_refusal(DNS["localhost"]) == RESOLVES_PRIVATE


def test_the_outlets_own_name_is_checked_too_and_redirects_are_covered():
    dns = FakeDNS()
    DNS["cdn.news.example"] = ["127.0.0.1"]  # a subdomain of the outlet pointing at loopback (dangling record)
    try:
        result = _run(_guard(dns), "https://cdn.news.example/news/2")
        assert isinstance(result, IgnoreRequest) and RESOLVES_PRIVATE in str(result)
        hop = _run(_guard(dns), "http://intranet.example/x", redirect_urls=["https://news.example/news/3"])
        assert isinstance(hop, IgnoreRequest) and OFFSITE_REDIRECT in str(hop)
    finally:
        del DNS["cdn.news.example"]


def test_public_answers_unknown_names_replay_hosts_and_literal_outlet_addresses_pass():
    dns = FakeDNS()
    guard = _guard(dns, replay_hosts={"*.replayed.example": "127.0.0.1:8800"})
    assert _run(guard, "https://news.example/news/1") is None
    assert _run(guard, "https://public.example/a") is None
    assert _run(guard, "https://nxdomain.example/a") is None, "a failed lookup is not a refusal"
    assert _run(guard, "https://www.replayed.example/a") is None
    assert _run(guard, "http://127.0.0.1:8000/news/1", outlet="local") is None, "an outlet file's own address"
    assert "www.replayed.example" not in dns.lookups and "127.0.0.1" not in dns.lookups
    assert isinstance(_run(guard, "http://10.0.0.5/"), IgnoreRequest), "literal addresses still refused"
    assert PRIVATE in str(_run(guard, "http://10.0.0.5/"))


def test_answers_are_cached_for_the_ttl_and_failures_are_not():
    dns = FakeDNS()
    now = [1000.0]
    guard = _guard(dns, clock=lambda: now[0])
    for _ in range(3):
        assert isinstance(_run(guard, "http://intranet.example/"), IgnoreRequest)
        assert _run(guard, "https://public.example/") is None
        assert _run(guard, "https://nxdomain.example/") is None
    assert dns.lookups.count("intranet.example") == 1 and dns.lookups.count("public.example") == 1
    assert dns.lookups.count("nxdomain.example") == 3
    now[0] += guard.resolver.ttl + 1
    assert _run(guard, "https://public.example/") is None
    assert dns.lookups.count("public.example") == 2


# -- a real crawl ------------------------------------------------------------------------------------------------


def _loopback_name() -> str:
    """A host name (not *.localhost) that the OS resolver answers with a loopback address, e.g. the machine's own
    name in /etc/hosts."""
    for name in dict.fromkeys([socket.gethostname(), socket.getfqdn()]):
        if not name or name == "localhost" or name.endswith(".localhost") or "." in name and name[0].isdigit():
            continue
        try:
            answers = {info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)}
        except OSError:
            continue
        if answers and all(a.startswith("127.") for a in answers):
            return name
    pytest.skip("no host name here resolves to 127.0.0.1 only (the machine's name is not in /etc/hosts)")


def _metric(port: int, name: str, **labels: str) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return -1.0
    for m in re.finditer(rf"^{re.escape(name)}\{{([^}}]*)\}} (\S+)$", text, re.M):
        if dict(re.findall(r'(\w+)="([^"]*)"', m.group(1))) == labels:
            return float(m.group(2))
    return 0.0


def _urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</urlset>").encode()


def test_a_crawl_refuses_offsite_children_and_a_name_resolving_to_loopback(local_outlet, crawler_tools, tmp_path):
    name = _loopback_name()
    site = local_outlet()
    Page = crawler_tools.Page
    own = [site.article(n, f"খবর {n}", f"অনুচ্ছেদ {n}") for n in (1, 2)]
    site.article(9, "অন্য", "অন্য সাইট")
    by_name = f"http://{name}:{site.port}"
    index = (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{site.base}/sitemaps/1.xml</loc></sitemap>"
             f"<sitemap><loc>{by_name}/sitemaps/2.xml</loc></sitemap>"
             f"<sitemap><loc>http://sitemaps.example.net/3.xml</loc></sitemap></sitemapindex>").encode()
    site.pages["/sitemap-index.xml"] = Page(200, index, "application/xml")
    site.pages["/sitemaps/1.xml"] = Page(200, _urlset(own[:1]), "application/xml")
    site.pages["/sitemaps/2.xml"] = Page(200, _urlset([f"{by_name}/news/9"]), "application/xml")
    site.feed([own[1], f"{by_name}/news/9"])  # a feed listing a link on another host
    outlets = tmp_path / "outlets"
    (outlets / "localnews").mkdir(parents=True)  # one folder per outlet
    (outlets / "loopnews").mkdir()
    common = {"timezone": "Asia/Dhaka", "selectors": {"title": "h1.title::text", "body": "div.body > p"},
              "article_urls": [r"^http://[^/]+/news/\d+$"]}  # not anchored to the host: the spider must be
    (outlets / "localnews" / "outlet.yaml").write_text(json.dumps({
        "id": "localnews", "name": "Local News", "domain": "127.0.0.1", "home": site.base + "/",
        "discovery": [{"type": "sitemap", "url": site.base + "/sitemap-index.xml"},
                      {"type": "rss", "url": site.base + "/feed"}], **common}), encoding="utf-8")
    # an outlet whose own name resolves to loopback (and is not routed to the replay)
    (outlets / "loopnews" / "outlet.yaml").write_text(json.dumps({
        "id": "loopnews", "name": "Loop News", "domain": name, "home": by_name + "/",
        "discovery": [{"type": "rss", "url": by_name + "/feed"}], **common}), encoding="utf-8")
    port = free_port()
    env = crawler_tools.env(tmp_path, BNWATCH_OUTLETS_DIR=str(outlets), BNWATCH_METRICS_PORT=str(port))
    log = tmp_path / "crawl.log"
    proc = crawler_tools.start(["crawl", "--follow", "--poll-interval", "60"], env, log)
    try:
        crawler_tools.wait_for(lambda: _metric(port, "bnwatch_items_published_total", outlet="localnews") == 2, 40,
                               "the two articles on the outlet's own host")
        crawler_tools.wait_for(
            lambda: _metric(port, "bnwatch_refused_requests_total", outlet="loopnews", reason="resolves_private") >= 1,
            20, "the loopback name refused")
        assert _metric(port, "bnwatch_refused_requests_total", outlet="localnews", reason="offsite_link") == 3
        assert _metric(port, "bnwatch_refused_requests_total", outlet="localnews", reason="resolves_private") == 0
    finally:
        assert crawler_tools.stop(proc) == 0, log.read_text()[-3000:]
    assert sorted(crawler_tools.spool_urls(tmp_path)) == sorted(own)
    assert site.hits("/sitemaps/1.xml") and not site.hits("/sitemaps/2.xml"), "an off-domain child was requested"
    hosts = {h.get("Host", "").split(":")[0] for _t, _p, h in site.requests}
    assert hosts == {"127.0.0.1"}, f"requests reached the server through {hosts - {'127.0.0.1'}}"
    text = log.read_text()
    assert f"refused {by_name}/sitemaps/2.xml found in {site.base}/sitemap-index.xml" in text
    assert re.search(rf"refused request to {re.escape(by_name)}/\S+: resolves_private \({re.escape(name)} resolves "
                     r"to 127\.", text), text[-3000:]
