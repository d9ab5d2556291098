"""Every registered outlet, Fundus-style, parametrised over the registry.

One folder per outlet, crawler/outlets/<id>/: its outlet.yaml, its replay model (replay/), its golden pages
(golden/<slug>.html + the expected extraction, <slug>.json) and, where the repository has one, real stored pages
(real/, with a provenance README listing what each page must yield). Nothing here names an outlet: a new folder is
tested by adding it, which test_adding_an_outlet_is_adding_one_folder proves on a copy.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bnwatch.outlets import DiscoverySource, Outlet, Registry
from consumers.clean.extract import NotAnArticle, extract_page
from crawler.challenge import challenge_reason
from crawler.discovery import discover
from tests.fixtures.paths import OUTLETS_DIR

FIELDS = ("url", "outlet", "title", "body", "published_at", "updated_at", "authors", "section", "credited_source",
          "language")
#: golden pages are exported as served at this moment (devtools/replay/export_fixtures.py FIXTURE_NOW)
SERVED_AT = datetime.fromisoformat("2025-07-20T09:00:00+06:00")
MODEL_FILES = ("site.yaml", "articles.json", "build.yaml")
CHECKS_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


# -- what the tests read from an outlet folder (shared by the registry tests and the new-outlet proof) -------------

def golden_pages(outlets_dir: Path, registry: Registry) -> list[tuple[str, Path]]:
    """(outlet id, <slug>.json) of every golden page of every registered outlet."""
    return [(o.id, p) for o in registry for p in sorted((outlets_dir / o.id / "golden").glob("*.json"))]


def real_pages(outlets_dir: Path, registry: Registry) -> list[tuple[str, str, dict]]:
    """(outlet id, file name, what it must yield) from each outlet's real/README.md."""
    found = []
    for o in registry:
        readme = outlets_dir / o.id / "real" / "README.md"
        if readme.is_file():
            block = CHECKS_BLOCK.search(readme.read_text(encoding="utf-8"))
            assert block, f"{readme}: no ```yaml block listing what each page yields"
            found += [(o.id, name, spec) for name, spec in yaml.safe_load(block.group(1))["pages"].items()]
    return found


def check_golden(json_path: Path, registry: Registry, how: str) -> None:
    """The golden page extracts to its expected JSON, field for field; with how="page" the outlet and URL come
    from the page itself (its canonical link), not from the caller."""
    expected = json.loads(json_path.read_text(encoding="utf-8"))
    html = json_path.with_suffix(".html").read_bytes()
    url = expected["url"] if how == "url" else None
    got = extract_page(html, url=url, fetched_at=SERVED_AT, registry=registry)
    assert list(got) == list(FIELDS)
    for name in FIELDS:
        assert got[name] == expected[name], name


def discovered_links(outlet: Outlet, kind: str, url: str, body: bytes) -> list:
    """What the crawler finds on a discovery page: through the outlet's own source of that kind (its `links`
    selector), or for a kind it does not register, every link its article_urls keep."""
    own = [s for s in outlet.discovery if s.type == kind]
    source = DiscoverySource(type=kind, url=url, links=own[0].links if own else None)
    return discover(outlet, source, body, url)


def check_real(outlet: Outlet, folder: Path, name: str, spec: dict) -> None:
    body = (folder / name).read_bytes()
    if "challenge" in spec:
        assert challenge_reason(200, body) == spec["challenge"]
    if "article_links" in spec:
        found = discovered_links(outlet, spec["kind"], spec["url"], body)
        urls = [d.url for d in found]
        assert len(urls) >= spec["article_links"]["at_least"] > 0
        assert len(urls) == len(set(urls))
        assert all(outlet.is_article_url(u) for u in urls)
        assert set(spec["article_links"].get("include") or ()) <= set(urls)
        if "first_stamp" in spec:
            assert found[0].stamp == spec["first_stamp"]
    if "verdict" in spec:
        with pytest.raises(NotAnArticle) as refused:
            extract_page(body, url=spec["url"], registry=Registry([outlet]))
        assert refused.value.reason == spec["verdict"]


# -- the registry ------------------------------------------------------------------------------------------------

REGISTRY = Registry.load(OUTLETS_DIR)
OUTLET_IDS = sorted(o.id for o in REGISTRY)
GOLDEN = golden_pages(OUTLETS_DIR, REGISTRY)
REAL = real_pages(OUTLETS_DIR, REGISTRY)


def test_the_parametrised_sets_are_filled():
    """An empty or partial folder must fail here, not collect nothing."""
    assert len(OUTLET_IDS) >= 32
    assert len(GOLDEN) >= 64 and {o for o, _ in GOLDEN} == set(OUTLET_IDS)
    assert len(REAL) >= 7 and len({o for o, _, _ in REAL}) >= 5


@pytest.mark.parametrize("outlet_id", OUTLET_IDS)
def test_every_outlet_is_one_complete_folder(outlet_id):
    folder = OUTLETS_DIR / outlet_id
    assert (folder / "outlet.yaml").is_file()
    for name in MODEL_FILES:
        assert (folder / "replay" / name).is_file(), f"{outlet_id}: replay/{name} missing"
    golden = sorted((folder / "golden").glob("*.json"))
    assert len(golden) >= 2
    for path in golden:
        assert path.with_suffix(".html").is_file(), path.name
        expected = json.loads(path.read_text(encoding="utf-8"))
        assert expected["outlet"] == outlet_id and REGISTRY.for_url(expected["url"]).id == outlet_id
    real = folder / "real"
    if real.is_dir():  # every real page has its provenance row and is checked
        readme = (real / "README.md").read_text(encoding="utf-8")
        checked = {name for o, name, _ in REAL if o == outlet_id}
        for page in real.iterdir():
            if page.name != "README.md":
                assert f"| `{page.name}` |" in readme and page.name in checked, page.name


@pytest.mark.parametrize("how", ["url", "page"])
@pytest.mark.parametrize("outlet_id,golden", GOLDEN, ids=[f"{o}/{p.stem}" for o, p in GOLDEN])
def test_golden_page_extracts_to_its_expected_json(outlet_id, golden, how):
    check_golden(golden, REGISTRY, how)


@pytest.mark.parametrize("outlet_id,name,spec", REAL, ids=[f"{o}/{n}" for o, n, _ in REAL])
def test_real_page_yields_what_its_readme_lists(outlet_id, name, spec):
    check_real(REGISTRY.get(outlet_id), OUTLETS_DIR / outlet_id / "real", name, spec)


# -- adding an outlet ---------------------------------------------------------------------------------------------

def test_adding_an_outlet_is_adding_one_folder(tmp_path):
    """A copy of one outlet's folder under a new id, in a registry of its own, is loaded, served by the replay and
    checked by the golden and real-page checks above: no code names it."""
    from devtools.replay.export_fixtures import FIXTURE_NOW, expected_extract, fixture_articles, fixture_page
    from devtools.replay.server import ReplayServer

    registry_dir, new = tmp_path / "outlets", "kkdemo"
    shutil.copytree(OUTLETS_DIR / "kalerkantho", registry_dir / new)
    shutil.copytree(OUTLETS_DIR / "jugantor", registry_dir / "jugantor")  # a neighbour: ids and domains stay unique
    # the new outlet's own data names it: its id, and the outlet its golden pages expect
    outlet_file = registry_dir / new / "outlet.yaml"
    outlet_file.write_text(re.sub(r"(?m)^id: kalerkantho$", f"id: {new}", outlet_file.read_text(encoding="utf-8")),
                           encoding="utf-8")
    for path in (registry_dir / new / "golden").glob("*.json"):
        expected = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**expected, "outlet": new}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    registry = Registry.load(registry_dir)
    assert sorted(o.id for o in registry) == ["jugantor", new]

    # the replay serves it, and its golden pages are the pages the replay serves
    server = ReplayServer(start_time=FIXTURE_NOW.timestamp() - 3600, clock=lambda: FIXTURE_NOW.timestamp(),
                          outlets_dir=registry_dir)
    assert sorted(server.sites) == ["jugantor", new]
    site = server.sites[new]
    articles = fixture_articles(site, registry_dir)
    assert len(articles) == 2
    for article in articles:
        golden = registry_dir / new / "golden" / f"{article.slug}.json"
        assert fixture_page(server, site, article).body == golden.with_suffix(".html").read_bytes()
        assert expected_extract(site, article) == json.loads(golden.read_text(encoding="utf-8"))

    # the registry-wide checks pick it up
    cases = golden_pages(registry_dir, registry)
    assert {o for o, _ in cases} == {"jugantor", new} and len(cases) == 4
    for _, path in cases:
        check_golden(path, registry, "url")
        check_golden(path, registry, "page")
    real = real_pages(registry_dir, registry)
    assert [(o, n) for o, n, _ in real] == [(new, "rss_world_derived.xml")]
    for o, name, spec in real:
        check_real(registry.get(o), registry_dir / o / "real", name, spec)
