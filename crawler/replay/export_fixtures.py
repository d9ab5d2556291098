"""Write the clean stage's golden fixtures from the outlet replay's own model.

    python -m crawler.replay.export_fixtures [--out tests/fixtures/outlets]

For every seed article and two non-matching articles per outlet it writes
`<out>/<outlet>/<slug>.html` — the exact page the replay serves at the fixed FIXTURE_NOW (so the masthead date
is stable) — and `<slug>.json`, the expected `bnwatch extract` output. The JSON comes from the model data
(the source of truth), never from running an extractor: title and paragraphs as served, folded with
bnwatch.textnorm.fold (NFC, invisible characters, NBSP → space, runs of spaces), the "[বিজ্ঞাপন_N]" ad
placeholder paragraphs left out, an inline credit kept in its paragraph, dates in the outlet's offset.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bnwatch.textnorm import fold

from . import bndate
from .server import ReplayServer
from .site import ReplayArticle, Site

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "outlets"
# after every modelled article (the latest is seed 001, 13 July 2025), so no masthead shows an article's date
FIXTURE_NOW = datetime(2025, 7, 20, 9, 0, tzinfo=ZoneInfo("Asia/Dhaka"))
PLACEHOLDER = re.compile(r"^\[বিজ্ঞাপন_\S+\]$")

# non-matching articles exported besides the seeds (by dataset row, see `origin` in the data)
JU, PA = "iamaber_jugantor_2024-08-12_13.csv", "iamaber_prothomalo_2024-01-02_03.csv"
EXTRA = {
    "dailyinqilab": [f"{JU} row 70 ", f"{JU} row 1 "],          # Kim look-alike (North Korea only); NBSP in body
    "somoyerkonthosor": [f"{PA} row 141 ", f"{PA} row 474 "],   # Ronaldo ("রুশ মডেল"); South Korea only
    "vietnamvn": [f"{PA} row 151 ", f"{JU} row 60 "],           # Zelensky (Russia only); Paris Olympics closing
}
# outlets modelled from research/outlets.md alone (West Bengal, international services, Cloudflare/API outlets)
EXTRA.update({
    "anandabazar": [f"{JU} row 51 ", f"{PA} row 174 "],        # Russia only; China only
    "sangbadpratidin": [f"{JU} row 447 ", f"{PA} row 474 "],   # Putin (Russia only); South Korea only
    "eisamay": [f"{PA} row 151 ", f"{JU} row 70 "],            # Zelensky (Russia only); Kim look-alike
    "bartaman": [f"{JU} row 449 ", f"{JU} row 636 "],          # Putin (Russia only); cricket
    "zee24ghanta": [f"{JU} row 450 ", f"{PA} row 597 "],       # Russia only; kabaddi
    "bbcbangla": [f"{PA} row 424 ", f"{JU} row 65 "],          # Russia only; cricket
    "dwbangla": [f"{PA} row 541 ", f"{JU} row 60 "],           # Russia only; Paris Olympics closing
    "voabangla": [f"{JU} row 195 ", f"{PA} row 33 "],          # Russia only; US delegation at the EC
    "cribangla": [f"{JU} row 447 ", f"{PA} row 174 "],         # Putin (Russia only); Xi on Taiwan
    "parstoday": [f"{JU} row 449 ", f"{PA} row 601 "],         # Putin (Russia only); Iran bombing
    "banglanews24": [f"{JU} row 51 ", f"{JU} row 65 "],        # Russia only; cricket
    "bonikbarta": [f"{PA} row 151 ", f"{PA} row 294 "],        # Russia only; BYD (China only)
    "kalbela": [f"{JU} row 70 ", f"{JU} row 1 "],              # Kim look-alike; NBSP in body
})
# JavaScript outlets (site.yaml `render: script`): the fixture page is the RENDERED page, as the crawler's browser
# (scrapy-playwright) hands it on, since the raw HTML carries no article text
EXTRA.update({
    "dhakapost": [f"{PA} row 3 ", f"{JU} row 65 "],            # op-ed, Russia only (/opinion/…); cricket
})


def fixture_page(server: ReplayServer, site: Site, a: ReplayArticle):
    """The page a fixture stores: as served, or as rendered by a browser for `render: script` sites."""
    return server.render(site.id, a.path, FIXTURE_NOW, dom=site.config.get("render") == "script")

# Bangladeshi outlets modelled on dataset rows (build_data.DATASET_OUTLETS)
EXTRA.update({
    "prothomalo": [f"{PA} row 424 ", f"{PA} row 323 "],        # Zelensky (Russia only); coaches from South Korea
    "kalerkantho": [f"{JU} row 195 ", f"{PA} row 565 "],       # Kursk (Russia only); cricket umpire
    "jugantor": [f"{JU} row 449 ", f"{JU} row 68 "],           # Putin (Russia only); Olympics, inline credit
    "bdpratidin": [f"{JU} row 266 ", f"{PA} row 604 "],        # Kursk (Russia only); road accident
    "samakal": [f"{PA} row 123 ", f"{JU} row 53 "],            # India's reserves (Russia); Ukraine only
    "ittefaq": [f"{JU} row 103 ", f"{JU} row 457 "],           # Rooppur loan (Russia); Olympics, inline credit
    "nayadiganta": [f"{PA} row 255 ", f"{JU} row 122 "],       # news digest (Russia); Korean factory
    "mzamin": [f"{PA} row 333 ", f"{PA} row 189 "],            # observers incl. Russia; Xi (China only)
    "bdnews24": [f"{PA} row 340 ", f"{JU} row 124 "],          # Asimov (born in Russia); college principal
    "banglatribune": [f"{PA} row 178 ", f"{PA} row 671 "],     # column (Russia); US debt (Ukraine only)
    "jagonews24": [f"{PA} row 590 ", f"{JU} row 272 "],        # business (Russia); entertainment
    "somoynews": [f"{PA} row 265 ", f"{JU} row 240 "],         # world in the new year (Russia); court
    "ajkerpatrika": [f"{PA} row 3 ", f"{JU} row 460 "],        # op-ed (Russia, Putin); cricket
    "deshrupantor": [f"{PA} row 250 ", f"{PA} row 23 "],       # editorial (Russia); cricket
    "khaborerkagoj": [f"{PA} row 245 ", f"{JU} row 430 "],     # column (Ukraine only); "রুশদ" in a name
})

def _clean(text: str) -> str:
    return fold(text).strip()


def expected_extract(site: Site, a: ReplayArticle) -> dict:
    """The `bnwatch extract` output for article `a` of `site`, from the model."""
    paragraphs = [_clean(p) for p in a.served_paragraphs() if not PLACEHOLDER.match(p.strip())]
    return {
        "url": site.url(a.path),
        "outlet": site.id,
        "title": _clean(a.title),
        "body": "\n\n".join(p for p in paragraphs if p),
        "published_at": bndate.iso(a.published.astimezone(site.tz)),
        "updated_at": bndate.iso(a.updated.astimezone(site.tz)),
        "authors": [_clean(n) for n in a.authors],
        "section": _clean(a.section) or None,
        "credited_source": _clean(a.credit["source"]) if a.credit else None,
        "language": "bn",
    }


def fixture_articles(site: Site) -> list[ReplayArticle]:
    seeds = [a for a in site.articles if a.kind == "seed"]
    extra = [next((a for a in site.articles if key in a.origin + " "), None) for key in EXTRA.get(site.id, [])]
    assert all(extra), f"{site.id}: a fixture article is missing from the data"
    return seeds + extra


def export(out: Path = OUT) -> list[Path]:
    server = ReplayServer(start_time=FIXTURE_NOW.timestamp() - 3600, clock=lambda: FIXTURE_NOW.timestamp())
    written: list[Path] = []
    index = ["# Golden fixtures for the clean stage", "",
             "Generated by `python -m crawler.replay.export_fixtures` from the outlet replay's model "
             f"(pages as served at {FIXTURE_NOW.isoformat()}). Do not edit by hand.", "",
             "| outlet | fixture | kind | origin |", "|---|---|---|---|"]
    for site in server.sites.values():
        folder = out / site.id
        folder.mkdir(parents=True, exist_ok=True)
        for a in fixture_articles(site):
            page = fixture_page(server, site, a)
            assert page.status == 200, (site.id, a.path, page.status)
            html_path = folder / f"{a.slug}.html"
            html_path.write_bytes(page.body)
            json_path = folder / f"{a.slug}.json"
            json_path.write_text(json.dumps(expected_extract(site, a), ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
            written += [html_path, json_path]
            index.append(f"| {site.id} | `{a.slug}` | {a.kind} | {a.origin} |")
    (out / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    for path in export(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
