"""Each outlet's replay/build.yaml is the data build_data.py builds its replay/articles.json from (the research
datasets are not in the repository): its picks, URL shape and golden list must reproduce the committed articles."""

from __future__ import annotations

import pytest

from devtools.replay.build_data import (DATASETS, DHAKA, built_outlets, dataset_url_id, dataset_url_path, load_spec,
                                        modelled_url)
from devtools.replay.site import Site

from .conftest import OUTLETS

BUILT = built_outlets()


def test_every_modelled_outlet_has_a_build_spec():
    assert BUILT == sorted(OUTLETS) and len(BUILT) >= 32


@pytest.mark.parametrize("outlet", BUILT)
def test_build_spec_reproduces_the_articles(outlet):
    spec, site = load_spec(outlet), Site.load(outlet)
    if spec["builder"] not in ("dataset", "modelled"):  # seed outlets: the seeds come first, then dataset picks
        assert spec["builder"] == outlet
        picked = [a for a in site.articles if a.kind != "seed"]
        assert len(picked) == len(spec["picks"]) and len(site.articles) > len(picked)
        for pick, article in zip(spec["picks"], picked):
            assert f"{DATASETS[pick['dataset']]} row {pick['row']} " in article.origin + " "
            assert article.kind == pick["kind"]
            if "url_slug" in pick:
                assert article.slug == pick["url_slug"]
            else:
                assert (article.section_slug, article.section, article.authors) == (
                    pick["section_slug"], pick["section"], pick["authors"])
        return
    assert len(spec["picks"]) == len(site.articles)
    first = 0 if spec["builder"] == "dataset" else 1
    for seq, (pick, article) in enumerate(zip(spec["picks"], site.articles), start=first):
        assert f"{DATASETS[pick['dataset']]} row {pick['row']} " in article.origin + " "
        assert (article.section_slug, article.authors, article.kind) == (pick["section_slug"], pick["authors"],
                                                                          pick["kind"])
        published = article.published.astimezone(DHAKA)  # the datasets' times are Dhaka time
        if spec["builder"] == "dataset":
            assert article.section == pick["section"]
            aid = dataset_url_id(spec, outlet, published, article.origin, seq)
            assert (article.slug, article.path) == (aid, dataset_url_path(spec, pick, aid, article.title, published))
        else:
            assert article.section == spec["sections"][pick["section_slug"]]
            assert (article.slug, article.path) == modelled_url(outlet, spec, pick, article.title, published, seq)


@pytest.mark.parametrize("outlet", BUILT)
def test_golden_picks_are_articles_of_the_outlet(outlet):
    site = Site.load(outlet)
    golden = load_spec(outlet).get("golden") or []
    assert len(golden) == 2
    for g in golden:
        key = f"{DATASETS[g['dataset']]} row {g['row']} "
        assert sum(key in a.origin + " " for a in site.articles) == 1, key
