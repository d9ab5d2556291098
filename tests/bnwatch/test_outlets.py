"""The outlet registry: every data file loads, ids and domains are unique, dated discovery URLs roll over at the
outlet's own midnight."""

from datetime import datetime, timezone

import pytest

from bnwatch.outlets import DiscoverySource, Outlet, OutletError, Registry


def test_the_registry_has_at_least_thirty_outlets_with_discovery_and_patterns():
    registry = Registry.load()
    assert len(registry) >= 30
    for outlet in registry:
        assert outlet.discovery, outlet.id
        assert outlet.article_urls, outlet.id
        assert outlet.timezone in ("Asia/Dhaka", "Asia/Kolkata", "Asia/Ho_Chi_Minh"), outlet.id
    assert {"dailyinqilab", "somoyerkonthosor", "vietnamvn"} <= {o.id for o in registry}


def test_daily_sitemap_url_uses_the_outlets_own_date():
    source = DiscoverySource(type="sitemap", url="https://www.prothomalo.com/sitemap/sitemap-daily-{date}.xml")
    # 18:15 UTC on 23 November is already 00:15 on 24 November in Dhaka (UTC+6), still 23:45 in Kolkata (UTC+5:30)
    now = datetime(2026, 11, 23, 18, 15, tzinfo=timezone.utc)
    assert source.url_for("Asia/Dhaka", now).endswith("sitemap-daily-2026-11-24.xml")
    assert source.url_for("Asia/Kolkata", now).endswith("sitemap-daily-2026-11-23.xml")
    plain = DiscoverySource(type="rss", url="https://www.prothomalo.com/feed/")
    assert plain.url_for("Asia/Dhaka", now) == plain.url


def test_duplicate_domains_are_refused():
    a = Outlet.from_dict({"id": "a", "name": "A", "domain": "example.com", "home": "https://example.com/",
                          "timezone": "Asia/Dhaka"})
    b = Outlet.from_dict({"id": "b", "name": "B", "domain": "example.com", "home": "https://example.com/",
                          "timezone": "Asia/Dhaka"})
    with pytest.raises(OutletError, match="claimed by both"):
        Registry([a, b])


def test_missing_fields_are_a_clear_error():
    with pytest.raises(OutletError, match="missing required field"):
        Outlet.from_dict({"id": "x", "name": "X"}, source="x.yaml")


def _registry_with(tmp_path, outlet_id="ok", folder=None):
    """A registry folder with one good outlet folder (its folder named `folder`, default the id)."""
    directory = tmp_path / "outlets"
    (directory / (folder or outlet_id)).mkdir(parents=True)
    (directory / (folder or outlet_id) / "outlet.yaml").write_text(
        f"id: {outlet_id}\nname: OK\ndomain: ok.example\nhome: https://ok.example/\ntimezone: Asia/Dhaka\n",
        encoding="utf-8")
    return directory


def test_an_outlet_is_a_folder_named_by_its_id(tmp_path):
    assert [o.id for o in Registry.load(_registry_with(tmp_path))] == ["ok"]
    wrong = _registry_with(tmp_path / "b", "ok", folder="other")
    with pytest.raises(OutletError, match=r"other/outlet\.yaml: id 'ok' must match its folder's name 'other'$"):
        Registry.load(wrong)


def test_a_stray_file_or_an_empty_folder_in_the_registry_is_an_error(tmp_path):
    directory = _registry_with(tmp_path)
    (directory / "old.yaml").write_text("id: old\n", encoding="utf-8")  # the layout before folders
    with pytest.raises(OutletError, match=r"old\.yaml: an outlet is a folder: move it to .*old/outlet\.yaml$"):
        Registry.load(directory)
    (directory / "old.yaml").unlink()
    (directory / "half").mkdir()
    with pytest.raises(OutletError, match=r"half: outlet folder without outlet\.yaml$"):
        Registry.load(directory)


def test_an_empty_registry_is_an_error(tmp_path):
    (tmp_path / "outlets").mkdir()
    with pytest.raises(OutletError, match=r"no outlet folders \(<id>/outlet\.yaml\)"):
        Registry.load(tmp_path / "outlets")
