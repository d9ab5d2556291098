"""Build the outlet replay's article data (crawler/replay/data/<outlet>.json) from the project's research material.

    python -m crawler.replay.build_data --source SOURCE

SOURCE (required, no default) is the research folder handed to the project with its brief (`shared/`, kept outside
the repository): `seeds/` (the five seed articles, also copied to tests/fixtures/seeds/) and `corpus/datasets/` (two
CSV datasets from iamaber/bangla-news-scraper @ 66b7693614: `Jugantor/jugantor_articles.csv`, `Prothomalo/data.csv`;
not copied into the repository, only this developer tool reads them). The replay itself never reads SOURCE: the
generated JSON is committed. Every article records where its text came from (`origin`). Sources:

* the five seed articles (text copies of real pages, with their chrome) go to their real outlets: seeds 000, 002 and
  004 to Daily Inqilab, 001 to Somoyer Konthosor, 003 to vietnam.vn (Thanh Nien credit). Title, dateline and body
  paragraphs are taken from the seed text as printed; what the seed text does not show (URL ids, seed 001's and 003's
  headline, seed 001's and 003's time of day) is filled in by hand below and marked in `notes`.
* non-matching articles picked by row from the two CSV datasets (Jugantor 2024-08-12/13, Prothom Alo 2024-01-02/03):
  sports, national news and near misses (Russia-only, Korea-only, China-only). Their text and date are the dataset's;
  re-homing them on another outlet, the time of day for Jugantor rows (the dataset has dates only), paragraphing of
  Jugantor bodies (the dataset has none: every three sentences) and the URL are the replay's.

Every non-seed pick is checked not to be a Russia–North Korea story (no Russia term together with a North Korea term).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
DHAKA = ZoneInfo("Asia/Dhaka")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

JUGANTOR = "iamaber_jugantor_2024-08-12_13.csv"
PROTHOMALO = "iamaber_prothomalo_2024-01-02_03.csv"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


RUSSIA = re.compile(nfc("রাশিয়|রুশ|মস্কো|পুতিন|ক্রেমলিন|ল্যাভরভ|রাশিয়ান"))
NORTH_KOREA = re.compile(nfc("উত্তর কোরিয়|উত্তর কোরীয়|পিয়ংইয়ং|কিম জং|কেসিএনএ|ডিপিআরকে"))


def is_ru_nk(text: str) -> bool:
    text = nfc(text)
    return bool(RUSSIA.search(text) and NORTH_KOREA.search(text))


# ----------------------------------------------------------------------------------------------------------------
# seeds

def _seed(shared: Path, prefix: str) -> list[str]:
    [path] = sorted((shared / "seeds").glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8").split("\n"), path.name


def _text_lines(lines: list[str]) -> list[str]:
    """Non-blank lines (NBSP-only lines are the seeds' <p>&nbsp;</p> spacers)."""
    return [ln.strip() for ln in lines if ln.replace("\xa0", " ").strip()]


def _split_inline_credit(paragraph: str, label: str) -> tuple[str, dict]:
    head, sep, tail = paragraph.rpartition(" " + label)
    assert sep, (label, paragraph[-80:])
    text = label + tail
    source = re.sub(r"^(?:তথ্যসূত্র|সূত্র|Source)\s*:\s*", "", text).rstrip("। ").strip()
    return head.rstrip(), {"text": text, "source": source, "placement": "inline"}


def seed_inqilab(shared: Path, prefix: str) -> dict:
    lines, name = _seed(shared, prefix)
    body_end = next(i for i, ln in enumerate(lines) if ln.startswith("বিভাগ :"))
    dateline_at = next(i for i, ln in enumerate(lines) if "| আপডেট:" in ln)
    title_at = 2 if prefix == "004" else 0
    author_line = next((ln for ln in lines[:dateline_at] if ln.startswith("Daily Inqilab ")), None)
    paragraphs = _text_lines(lines[dateline_at + 1:body_end])
    credit = None
    for label in ("তথ্যসূত্র :", "সূত্র:"):
        if label in paragraphs[-1]:
            paragraphs[-1], credit = _split_inline_credit(paragraphs[-1], label)
            break
    return {
        "title": lines[title_at].strip(),
        "authors": [author_line.removeprefix("Daily Inqilab ").strip()] if author_line else [],
        "dateline": lines[dateline_at].strip(),
        "paragraphs": paragraphs,
        "credit": credit,
        "origin": f"seed {name}",
    }


def seed_somoyer(shared: Path) -> dict:
    lines, name = _seed(shared, "001")
    text = lines[0].strip()
    # the seed's text copy lost the paragraph breaks: a danda directly followed by a letter marks each join
    paragraphs = [p for p in re.split(r"(?<=।)(?=\S)", text)]
    assert paragraphs[-1] == "এমআর-২", paragraphs[-1]  # the desk's sign-off, its own paragraph on the page
    source_line = next(ln for ln in lines if ln.startswith("Source:"))
    return {
        "paragraphs": paragraphs,
        "credit": {"text": source_line.strip(), "source": source_line.removeprefix("Source:").strip(),
                   "placement": "line", "label": "Source:"},
        "origin": f"seed {name}",
    }


def seed_vietnam(shared: Path) -> dict:
    lines, name = _seed(shared, "003")
    body = _text_lines(lines[: next(i for i, ln in enumerate(lines) if ln.startswith("সূত্র:"))])
    assert body[-1] == "[বিজ্ঞাপন_২]"
    caption = body[2]
    related = body[5]
    assert caption.startswith("১৯ জুন, ২০২৪ তারিখে") and related.endswith("সরবরাহ করছে?")
    paragraphs = [p for p in body if p not in (caption, related)]
    source_line = next(ln for ln in lines if ln.startswith("সূত্র:")).strip()
    url = source_line.removeprefix("সূত্র:").strip()
    return {
        "paragraphs": paragraphs,  # ends with the "[বিজ্ঞাপন_২]" placeholder paragraph, as served
        "caption": {"text": caption, "after": 2},
        "inline_related": {"title": related, "after": 4},
        "credit": {"text": source_line, "source": url, "placement": "line", "label": "সূত্র:", "href": url},
        "origin": f"seed {name}",
    }


# ----------------------------------------------------------------------------------------------------------------
# datasets

def load_dataset(shared: Path, name: str) -> list[dict]:
    csv.field_size_limit(10**9)
    with (shared / "corpus" / "datasets" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sentences_to_paragraphs(body: str, per: int = 3) -> list[str]:
    sentences = [s.strip() for s in re.split(r"(?<=[।?!])\s+", body.strip()) if s.strip()]
    return [" ".join(sentences[i:i + per]) for i in range(0, len(sentences), per)]


def dataset_article(rows: dict[str, list[dict]], source: str, row: int, seq: int) -> dict:
    r = rows[source][row]
    if source == JUGANTOR:
        title, body = r["Headline"], r["Body"]
        day = datetime.strptime(r["Date"], "%Y/%m/%d")
        # the dataset has the day only: a deterministic time of day from the row number
        published = day.replace(hour=7 + (row * 7) % 14, minute=(row * 23) % 60, tzinfo=DHAKA)
        paragraphs = [p for line in body.split("\n") for p in _sentences_to_paragraphs(line)]
        origin = f"dataset {JUGANTOR} row {row} (jugantor.com); time of day and paragraphing by the replay"
        credit_name = "যুগান্তর"
    else:
        title, body = r["Headline"], r["Article Body"]
        # to the minute: the outlets print minutes only
        published = datetime.strptime(r["Date Published"][:16], "%Y-%m-%d %H:%M").replace(tzinfo=DHAKA)
        paragraphs = [ln.strip() for ln in body.split("\n") if ln.strip()]
        origin = f"dataset {PROTHOMALO} row {row} (prothomalo.com)"
        credit_name = "প্রথম আলো"
    title = " ".join(title.split())
    assert title and paragraphs, (source, row)
    assert not is_ru_nk(title + " " + body), f"{source} row {row} is a Russia–North Korea story"
    # a few articles get a later update time so published != updated is exercised
    updated = published + timedelta(minutes=37) if seq % 3 == 1 else published
    return {"title": title, "paragraphs": paragraphs, "published": published, "updated": updated,
            "origin": origin, "credit_name": credit_name}


# ----------------------------------------------------------------------------------------------------------------
# outlets

def _inqilab_id(published: datetime, seq: int) -> int:
    # ids grow with time (roughly 310 articles a day), like a CMS auto-increment
    return 620000 + (published.date() - datetime(2024, 1, 1).date()).days * 310 + 17 * seq + 3


def build_inqilab(shared: Path, rows) -> dict:
    seeds = [
        # (seed, section, published, updated) — the datelines as printed in each seed
        ("000", datetime(2024, 11, 30, 19, 35, tzinfo=DHAKA), datetime(2024, 11, 30, 19, 35, tzinfo=DHAKA)),
        ("002", datetime(2024, 8, 17, 11, 46, tzinfo=DHAKA), datetime(2024, 8, 17, 11, 46, tzinfo=DHAKA)),
        ("004", datetime(2024, 11, 12, 11, 31, tzinfo=DHAKA), datetime(2024, 11, 12, 11, 31, tzinfo=DHAKA)),
    ]
    articles = []
    for seq, (prefix, published, updated) in enumerate(seeds):
        s = seed_inqilab(shared, prefix)
        assert s["dateline"].startswith(_dateline_check(published)), (prefix, s["dateline"])
        aid = _inqilab_id(published, seq)
        articles.append({
            "slug": f"international-{aid}", "path": f"/international/news/{aid}",
            "section": "আন্তর্জাতিক", "section_slug": "international",
            "title": s["title"], "authors": s["authors"], "published": published, "updated": updated,
            "paragraphs": s["paragraphs"], "credit": s["credit"], "kind": "seed", "matching": True,
            "origin": s["origin"],
            "notes": "URL id is the replay's (ids grow with time); everything else as printed in the seed",
        })
    picks = [
        # (dataset, row, section slug, section, authors, kind)
        (JUGANTOR, 51, "international", "আন্তর্জাতিক", ["ইনকিলাব ডেস্ক"], "near-miss: Russia only"),
        (JUGANTOR, 447, "international", "আন্তর্জাতিক", ["ইনকিলাব ডেস্ক"], "near-miss: Russia only (Putin)"),
        (JUGANTOR, 70, "international", "আন্তর্জাতিক", ["অনলাইন ডেস্ক"], "near-miss: North Korea only (Kim look-alike)"),
        (JUGANTOR, 267, "international", "আন্তর্জাতিক", ["ইনকিলাব ডেস্ক"], "near-miss: China only"),
        (JUGANTOR, 635, "sports", "খেলাধুলা", ["স্পোর্টস ডেস্ক"], "sports (Olympics medal table)"),
        (JUGANTOR, 65, "sports", "খেলাধুলা", ["স্পোর্টস রিপোর্টার"], "sports (cricket)"),
        (JUGANTOR, 0, "bangladesh", "জাতীয়", ["স্টাফ রিপোর্টার"], "national"),
        (JUGANTOR, 1, "bangladesh", "জাতীয়", ["স্টাফ রিপোর্টার"], "national (NBSP in body)"),
        (JUGANTOR, 209, "politics", "রাজনীতি", ["কূটনৈতিক সংবাদদাতা"], "politics (foreign relations: India, US, China)"),
        (PROTHOMALO, 355, "sports", "খেলাধুলা", ["স্পোর্টস ডেস্ক"], "sports (women's cricket)"),
        (PROTHOMALO, 86, "bangladesh", "জাতীয়", ["স্টাফ রিপোর্টার"], "national (railway)"),
    ]
    for seq, (source, row, slug, section, authors, kind) in enumerate(picks, start=len(seeds)):
        d = dataset_article(rows, source, row, seq)
        aid = _inqilab_id(d["published"], seq)
        articles.append({
            "slug": f"{slug}-{aid}", "path": f"/{slug}/news/{aid}", "section": nfc(section), "section_slug": slug,
            "title": d["title"], "authors": [nfc(a) for a in authors], "published": d["published"],
            "updated": d["updated"], "paragraphs": d["paragraphs"], "credit": None, "kind": kind,
            "matching": False, "origin": d["origin"], "inline_read_more": 1,
        })
    return {"outlet": "dailyinqilab", "articles": articles}


def _dateline_check(dt: datetime) -> str:
    from crawler.replay.bndate import dateline_inqilab
    return dateline_inqilab(dt)


def _uniqid(dt: datetime, seq: int) -> str:
    """PHP uniqid() of the publication moment: 8 hex digits of seconds + 5 of microseconds (real Somoyer Konthosor
    URLs end in one, e.g. /post/2024/07/15/66951693a9fbc)."""
    micro = int(hashlib.sha1(f"{dt.isoformat()}/{seq}".encode()).hexdigest()[:5], 16) % 1_000_000
    return f"{int(dt.timestamp()):08x}{micro:05x}"


def build_somoyer(shared: Path, rows) -> dict:
    s = seed_somoyer(shared)
    # Lavrov met Kim on Saturday 12 July 2025 (the body says শনিবার; the related items on the page are from 12 July);
    # the seed shows no dateline, so the time is the replay's
    published = datetime(2025, 7, 13, 10, 12, tzinfo=DHAKA)
    updated = datetime(2025, 7, 13, 10, 40, tzinfo=DHAKA)
    uid = _uniqid(published, 0)
    articles = [{
        "slug": uid, "path": f"/post/{published:%Y/%m/%d}/{uid}", "section": "আন্তর্জাতিক",
        "section_slug": "international",
        "title": nfc("রাশিয়ার যেকোনো পদক্ষেপে নিঃশর্ত সমর্থন দেবে উত্তর কোরিয়া: কিম"),
        "authors": [], "published": published, "updated": updated, "paragraphs": s["paragraphs"],
        "credit": s["credit"], "kind": "seed", "matching": True, "origin": s["origin"],
        "notes": "the seed has no visible title line or dateline: headline, date and time are the replay's "
                 "(headline written from the first paragraph; date from the Lavrov–Kim meeting, Saturday 12 July "
                 "2025); paragraph breaks restored where the seed's copy joined sentences without a space",
    }]
    picks = [
        (JUGANTOR, 450, "international", "আন্তর্জাতিক", [], "near-miss: Russia only"),
        (JUGANTOR, 682, "international", "আন্তর্জাতিক", [], "near-miss: Russia only"),
        (PROTHOMALO, 174, "international", "আন্তর্জাতিক", [], "near-miss: China only"),
        (PROTHOMALO, 474, "international", "আন্তর্জাতিক", [], "near-miss: South Korea only"),
        (PROTHOMALO, 0, "sports", "খেলাধুলা", ["স্পোর্টস ডেস্ক"], "sports (football)"),
        (PROTHOMALO, 141, "sports", "খেলাধুলা", ["স্পোর্টস ডেস্ক"], "sports (mentions a Russian model)"),
        (JUGANTOR, 72, "sports", "খেলাধুলা", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (PROTHOMALO, 2, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "national (headline has a line break)"),
        (PROTHOMALO, 1, "politics", "রাজনীতি", ["জেলা প্রতিনিধি"], "politics (election)"),
    ]
    for seq, (source, row, slug, section, authors, kind) in enumerate(picks, start=1):
        d = dataset_article(rows, source, row, seq)
        uid = _uniqid(d["published"], seq)
        articles.append({
            "slug": uid, "path": f"/post/{d['published']:%Y/%m/%d}/{uid}", "section": nfc(section),
            "section_slug": slug, "title": d["title"], "authors": [nfc(a) for a in authors],
            "published": d["published"], "updated": d["updated"], "paragraphs": d["paragraphs"],
            # the CMS prints its own name as "Source:" under every article (seed 001)
            "credit": dict(s["credit"]), "kind": kind, "matching": False, "origin": d["origin"],
            "inline_read_more": 2,
        })
    return {"outlet": "somoyerkonthosor", "articles": articles}


def build_vietnam(shared: Path, rows) -> dict:
    s = seed_vietnam(shared)
    # Thanh Nien's article id 185241130071849144 encodes 2024-11-30 07:18:49 (Vietnam time); vietnam.vn's copy is
    # given a time shortly after
    published = datetime(2024, 11, 30, 8, 41, tzinfo=HANOI)
    articles = [{
        "slug": "lanh-dao-trieu-tien-kim-jong-un-noi-nga-co-quyen-tu-ve",
        "path": "/bn/lanh-dao-trieu-tien-kim-jong-un-noi-nga-co-quyen-tu-ve", "section": "বিশ্ব",
        "section_slug": "the-gioi",
        "title": nfc("উত্তর কোরিয়ার নেতা কিম জং-উন বলেছেন রাশিয়ার আত্মরক্ষার অধিকার রয়েছে"),
        "authors": [], "published": published, "updated": published, "paragraphs": s["paragraphs"],
        "caption": s["caption"], "inline_related": {
            **s["inline_related"],
            "path": "/bn/trieu-tien-cung-cap-cho-nga-phao-tu-hanh-va-phao-phan-luc-co-lon"},
        "source_name": "Thanh Nien", "credit": s["credit"], "kind": "seed", "matching": True, "origin": s["origin"],
        "notes": "the seed has no visible title line: the headline translates the source's slug (Lãnh đạo Triều Tiên "
                 "Kim Jong-un nói Nga có quyền tự vệ); slug and time of day are the replay's",
    }]
    picks = [
        (PROTHOMALO, 151, "tong-thong-zelensky-tuyen-bo-tra-dua-nga-trong-nam-2024", "near-miss: Russia only"),
        (PROTHOMALO, 298, "nga-ban-ha-9-ten-lua-cua-ukraine-o-belgorod", "near-miss: Russia only"),
        (PROTHOMALO, 541, "tan-cong-lon-vao-khu-vuc-bien-gioi-nga-va-crimea", "near-miss: Russia only"),
        (PROTHOMALO, 48, "trung-quoc-ap-dung-chien-luoc-moi-ngan-dong-nhan-dan-te-giam-gia", "near-miss: China only"),
        (PROTHOMALO, 571, "ngan-hang-trung-uong-trung-quoc-cho-vay-50-ty-usd-lai-suat-thap", "near-miss: China only"),
        (PROTHOMALO, 294, "byd-cua-trung-quoc-ban-duoc-3-trieu-xe", "near-miss: China only (business)"),
        (PROTHOMALO, 373, "wayne-rooney-bi-sa-thai-sau-15-tran", "sports (football)"),
        (PROTHOMALO, 11, "van-dong-vien-olympic-uganda-bi-sat-hai-o-kenya", "sports (athletics)"),
        (JUGANTOR, 60, "be-mac-hoanh-trang-olympic-paris-2024", "sports (Olympics)"),
    ]
    for seq, (source, row, slug, kind) in enumerate(picks, start=1):
        d = dataset_article(rows, source, row, seq)
        section, section_slug = ("খেলাধুলা", "the-thao") if kind.startswith("sports") else ("বিশ্ব", "the-gioi")
        # vietnam.vn runs in Vietnam time; the dataset times are Dhaka time
        published, updated = d["published"].astimezone(HANOI), d["updated"].astimezone(HANOI)
        name = d["credit_name"]
        articles.append({
            "slug": slug, "path": f"/bn/{slug}", "section": nfc(section), "section_slug": section_slug,
            "title": d["title"], "authors": [], "published": published, "updated": updated,
            # machine-translated copies carry the "[বিজ্ঞাপন_১]"/"[বিজ্ঞাপন_২]" ad placeholders as paragraphs
            "paragraphs": ["[বিজ্ঞাপন_১]", *d["paragraphs"], "[বিজ্ঞাপন_২]"],
            "source_name": {"যুগান্তর": "Jugantor", "প্রথম আলো": "Prothom Alo"}[name],
            "credit": {"text": f"সূত্র: {name}", "source": name, "placement": "line", "label": "সূত্র:"},
            "kind": kind, "matching": False, "origin": d["origin"],
        })
    return {"outlet": "vietnamvn", "articles": articles}


def _jsonable(obj):
    if isinstance(obj, datetime):
        return obj.isoformat(timespec="seconds")
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    return obj


def build(shared: Path, out: Path = DATA_DIR) -> list[Path]:
    rows = {JUGANTOR: load_dataset(shared, JUGANTOR), PROTHOMALO: load_dataset(shared, PROTHOMALO)}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for site in (build_inqilab(shared, rows), build_somoyer(shared, rows), build_vietnam(shared, rows),
                 *(b(shared, rows) for b in SITE_BUILDERS)):
        for a in site["articles"]:
            assert a["matching"] == is_ru_nk(a["title"] + " " + " ".join(a["paragraphs"])), a["slug"]
        site = {"generated_by": "crawler/replay/build_data.py", **site}
        path = out / f"{site['outlet']}.json"
        path.write_text(json.dumps(_jsonable(site), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


# ----------------------------------------------------------------------------------------------------------------
# Bangladeshi outlets modelled on dataset rows only (no seed: none of them has a Russia–North Korea article here).
# Each entry: URL shape (research/outlets.md §1/§2, real examples in the comments), how its ids grow, and the picks
# (dataset, row, section slug, section as printed, byline, kind). Ids, bylines, sections and URL slugs are the
# replay's; title, body and date are the dataset row's (see `origin`).

def title_slug(title: str, words: int = 7) -> str:
    """A headline as Bengali CMSs put it in a URL: its first words joined by hyphens, percent-encoded UTF-8
    (real: /opinion/article/368956/<bn-slug>, /775078/<pct-encoded slug>, /article/1237/শপথে-আসতে-পারেন-…)."""
    from urllib.parse import quote
    clean = re.sub(r"[^\w\s\u0980-\u09ff]", " ", nfc(title)).replace("।", " ")
    return quote("-".join(clean.split()[:words]) or "news", safe="-")


def _digest_id(seed: str, alphabet: str, n: int) -> str:
    value = int(hashlib.sha1(seed.encode()).hexdigest(), 16)
    out = []
    for _ in range(n):
        value, r = divmod(value, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


JU, PA = JUGANTOR, PROTHOMALO
DATASET_OUTLETS: dict[str, dict] = {
    # /politics/zu3pf2pkeo, /opinion/column/xtadlctjhd: section path + 10-char id
    "prothomalo": {"path": "/{section_slug}/{id}", "id": ("lower", 10), "picks": [
        (PA, 424, "world", "বিশ্ব", ["প্রথম আলো ডেস্ক"], "near-miss: Russia only (Zelensky on Crimea)"),
        (PA, 323, "bangladesh", "বাংলাদেশ", ["নিজস্ব প্রতিবেদক"], "near-miss: South Korea only (coaches from Korea)"),
        (PA, 59, "world", "বিশ্ব", ["প্রথম আলো ডেস্ক"], "international (Japan earthquake)"),
        (PA, 253, "sports", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
        (PA, 481, "sports", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (football)"),
        (PA, 556, "politics", "রাজনীতি", ["নিজস্ব প্রতিবেদক"], "politics"),
        (PA, 568, "bangladesh", "বাংলাদেশ", ["নিজস্ব প্রতিবেদক"], "national (election security)"),
    ]},
    # /online/world/2025/11/16/1606902
    "kalerkantho": {"path": "/online/{section_slug}/{yyyy}/{mm}/{dd}/{id}", "id": ("numeric", 1340000, 420), "picks": [
        (JU, 195, "world", "বিশ্ব", ["অনলাইন ডেস্ক"], "near-miss: Russia only (Ukrainian troops in Kursk)"),
        (JU, 679, "world", "বিশ্ব", ["অনলাইন ডেস্ক"], "near-miss: Ukraine only"),
        (PA, 456, "world", "বিশ্ব", ["অনলাইন ডেস্ক"], "international (Japan earthquake)"),
        (JU, 638, "sport", "খেলাধুলা", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
        (PA, 565, "sport", "খেলাধুলা", ["ক্রীড়া ডেস্ক"], "sports (cricket umpire)"),
        (JU, 20, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "national (banking)"),
        (PA, 276, "Politics", "রাজনীতি", ["নিজস্ব প্রতিবেদক"], "politics"),
    ]},
    # /international/1143899: section + numeric id
    "jugantor": {"path": "/{section_slug}/{id}", "id": ("numeric", 780000, 330), "picks": [
        (JU, 449, "international", "আন্তর্জাতিক", ["যুগান্তর ডেস্ক"], "near-miss: Russia only (Putin on Kursk)"),
        (JU, 232, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "near-miss: South Korea only (Olympic medal table)"),
        (PA, 361, "international", "আন্তর্জাতিক", ["যুগান্তর ডেস্ক"], "international (Japan runway collision)"),
        (JU, 68, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (Olympics)"),
        (JU, 231, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (Olympics)"),
        (JU, 376, "national", "জাতীয়", ["যুগান্তর প্রতিবেদন"], "national (chief justice)"),
        (JU, 212, "national", "জাতীয়", ["যুগান্তর প্রতিবেদন"], "national (court)"),
    ]},
    # /international-news/2026/08/22/1291187
    "bdpratidin": {"path": "/{section_slug}/{yyyy}/{mm}/{dd}/{id}", "id": ("numeric", 950000, 360), "picks": [
        (JU, 266, "international-news", "আন্তর্জাতিক", ["প্রতিদিন ডেস্ক"], "near-miss: Russia only (Kursk incursion)"),
        (PA, 492, "international-news", "আন্তর্জাতিক", ["প্রতিদিন ডেস্ক"], "international (Japan earthquake)"),
        (JU, 455, "sports", "খেলা", ["ক্রীড়া প্রতিবেদক"], "sports (cricket)"),
        (PA, 673, "sports", "খেলা", ["ক্রীড়া প্রতিবেদক"], "sports (cricket)"),
        (JU, 44, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "national (arms amnesty)"),
        (PA, 604, "country", "দেশগ্রাম", ["প্রতিনিধি, বগুড়া"], "national (road accident)"),
    ]},
    # /opinion/article/368956/<bn-slug>
    "samakal": {"path": "/{section_slug}/article/{id}/{title_slug}", "id": ("numeric", 220000, 260), "picks": [
        (PA, 123, "economics", "অর্থনীতি", ["সমকাল ডেস্ক"], "near-miss: Russia only (economy)"),
        (JU, 53, "international", "বিশ্ব", ["সমকাল ডেস্ক"], "near-miss: Ukraine only"),
        (PA, 142, "international", "বিশ্ব", ["সমকাল ডেস্ক"], "international (Japan tsunami)"),
        (JU, 639, "sports", "খেলা", ["খেলা ডেস্ক"], "sports (cricket)"),
        (PA, 610, "sports", "খেলা", ["খেলা ডেস্ক"], "sports (cricket)"),
        (JU, 164, "bangladesh", "বাংলাদেশ", ["চট্টগ্রাম ব্যুরো"], "national (university)"),
        (PA, 484, "bangladesh", "বাংলাদেশ", ["সাভার প্রতিনিধি"], "national (admissions)"),
    ]},
    # /775078/<pct-encoded slug>
    "ittefaq": {"path": "/{id}/{title_slug}", "id": ("numeric", 665000, 280), "picks": [
        (JU, 103, "national", "জাতীয়", ["ইত্তেফাক রিপোর্ট"], "near-miss: Russia only (Rooppur loan)"),
        (PA, 413, "world", "বিদেশ", ["ইত্তেফাক ডেস্ক"], "international (Japan runway fire)"),
        (JU, 457, "sports", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (Olympics)"),
        (PA, 44, "sports", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
        (JU, 92, "politics", "রাজনীতি", ["ইত্তেফাক রিপোর্ট"], "politics"),
        (PA, 460, "politics", "রাজনীতি", ["জয়পুরহাট প্রতিনিধি"], "politics (election camps)"),
    ]},
    # /[a-z-]+/\d+/… (section, numeric id, slug)
    "nayadiganta": {"path": "/{section_slug}/{id}/{title_slug}", "id": ("numeric", 810000, 300), "picks": [
        (PA, 255, "international", "আন্তর্জাতিক", ["নয়া দিগন্ত অনলাইন"], "near-miss: Russia only (news digest)"),
        (JU, 122, "national", "জাতীয়", ["বগুড়া অফিস"], "near-miss: Korea only (Korean dyeing factory)"),
        (PA, 132, "international", "আন্তর্জাতিক", ["নয়া দিগন্ত অনলাইন"], "international (Iran)"),
        (JU, 233, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (Olympics)"),
        (PA, 291, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (football)"),
        (JU, 88, "politics", "রাজনীতি", ["নিজস্ব প্রতিবেদক"], "politics"),
    ]},
    # /article/{id}/{slug} (real: /article/1237/শপথে-আসতে-পারেন-…)
    "mzamin": {"path": "/article/{id}/{title_slug}", "id": ("numeric", 95000, 190), "picks": [
        (PA, 333, "politics", "রাজনীতি", ["স্টাফ রিপোর্টার"], "near-miss: Russia only (election observers)"),
        (PA, 189, "international", "আন্তর্জাতিক", ["মানবজমিন ডেস্ক"], "near-miss: China only"),
        (JU, 630, "sports", "খেলা", ["স্পোর্টস রিপোর্টার"], "sports (cricket)"),
        (PA, 670, "sports", "খেলা", ["স্পোর্টস রিপোর্টার"], "sports (cricket)"),
        (JU, 192, "politics", "রাজনীতি", ["অনলাইন ডেস্ক"], "politics"),
        (PA, 628, "bangladesh", "বাংলারজমিন", ["খুলনা প্রতিনিধি"], "politics (district)"),
    ]},
    # /samagrabangladesh/d9b792e7bc83: section + 12-hex id
    "bdnews24": {"path": "/{section_slug}/{id}", "id": ("hex", 12), "picks": [
        (PA, 340, "world", "বিশ্ব", ["বিডিনিউজ টোয়েন্টিফোর ডটকম"], "near-miss: Russia only (born in Russia)"),
        (PA, 347, "glitz", "গ্লিটজ", ["গ্লিটজ ডেস্ক"], "international (Japan earthquake, film star)"),
        (JU, 632, "sport", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (PA, 704, "sport", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (JU, 124, "samagrabangladesh", "সমগ্র বাংলাদেশ", ["রাজশাহী প্রতিনিধি"], "national (college)"),
        (PA, 572, "economy", "অর্থনীতি", ["নিজস্ব প্রতিবেদক"], "national (revenue board)"),
    ]},
    # /foreign/asia/950894/<pct-encoded slug>
    "banglatribune": {"path": "/{section_slug}/{id}/{title_slug}", "id": ("numeric", 830000, 240), "picks": [
        (PA, 178, "columns", "মত-দ্বিমত", ["মোহাম্মদ তৌহিদ হোসেন"], "near-miss: Russia only (column)"),
        (PA, 671, "foreign/america", "বিদেশ", ["বিদেশ ডেস্ক"], "near-miss: Ukraine only (US debt)"),
        (PA, 680, "foreign/europe", "বিদেশ", ["বিদেশ ডেস্ক"], "international (England)"),
        (JU, 462, "sport/cricket", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (PA, 546, "sport/cricket", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (JU, 312, "national", "জাতীয়", ["স্টাফ রিপোর্টার"], "national (metro rail)"),
        (PA, 596, "country", "সারাদেশ", ["জেলা প্রতিনিধি"], "national (district)"),
    ]},
    # /international/news/NNNNNN
    "jagonews24": {"path": "/{section_slug}/news/{id}", "id": ("numeric", 905000, 400), "picks": [
        (PA, 590, "economy", "অর্থনীতি", ["নিজস্ব প্রতিবেদক"], "near-miss: Russia only (business)"),
        (PA, 61, "international", "আন্তর্জাতিক", ["আন্তর্জাতিক ডেস্ক"], "international (Japan earthquake)"),
        (JU, 459, "sports", "খেলাধুলা", ["স্পোর্টস ডেস্ক"], "sports (cricket board)"),
        (JU, 272, "entertainment", "বিনোদন", ["বিনোদন ডেস্ক"], "entertainment"),
        (JU, 80, "politics", "রাজনীতি", ["নিজস্ব প্রতিবেদক"], "politics"),
        (JU, 96, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "national (crime)"),
    ]},
    # no real article URL in the research: /news/{date}/{8-char id} is the replay's model
    "somoynews": {"path": "/news/{date}/{id}", "id": ("alnum", 8), "picks": [
        (PA, 265, "international", "আন্তর্জাতিক", ["আন্তর্জাতিক ডেস্ক"], "near-miss: Russia only (world in the new year)"),
        (PA, 366, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (JU, 248, "sports", "খেলা", ["স্পোর্টস ডেস্ক"], "sports (world records)"),
        (JU, 240, "law-courts", "আইন-আদালত", ["নিজস্ব প্রতিবেদক"], "national (court)"),
        (JU, 256, "politics", "রাজনীতি", ["জেলা প্রতিনিধি"], "politics"),
        (PA, 84, "politics", "রাজনীতি", ["নিজস্ব প্রতিবেদক"], "politics (police)"),
    ]},
    # /op-ed/{subcat}/{slug}: two-level section + slug (the slug's shape is the replay's)
    "ajkerpatrika": {"path": "/{section_slug}/{id}", "id": ("ajp", 10), "picks": [
        (PA, 3, "op-ed/views", "মতামত", ["সৈয়দ বদরুল আহ্‌সান"], "near-miss: Russia only (op-ed)"),
        (JU, 380, "world/americas", "বিশ্ব", ["আজকের পত্রিকা ডেস্ক"], "international (technology)"),
        (JU, 460, "sports/cricket", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
        (PA, 652, "sports/cricket", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (cricket rankings)"),
        (JU, 172, "bangladesh/dhaka", "বাংলাদেশ", ["নিজস্ব প্রতিবেদক"], "national (university)"),
        (PA, 440, "bangladesh/dhaka", "বাংলাদেশ", ["নিজস্ব প্রতিবেদক"], "national (textbooks)"),
    ]},
    # no real article URL in the research: /{section}/{yyyy}/{mm}/{dd}/{id} is the replay's model
    "deshrupantor": {"path": "/{section_slug}/{yyyy}/{mm}/{dd}/{id}", "id": ("numeric", 480000, 210), "picks": [
        (PA, 250, "editorial", "সম্পাদকীয়", [], "near-miss: Russia only (editorial)"),
        (PA, 160, "international", "আন্তর্জাতিক", ["আন্তর্জাতিক ডেস্ক"], "international (history)"),
        (JU, 465, "sports", "খেলা", ["খেলা ডেস্ক"], "sports (cricket)"),
        (PA, 23, "sports", "খেলা", ["খেলা ডেস্ক"], "sports (cricket)"),
        (JU, 104, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "national (campus)"),
        (PA, 224, "national", "জাতীয়", ["কুষ্টিয়া প্রতিনিধি"], "national (missing banker)"),
    ]},
    # /opinion/933297, /national/933663: section + numeric id (corpus/pages/khaborerkagoj/listing_opinion.html)
    "khaborerkagoj": {"path": "/{section_slug}/{id}", "id": ("numeric", 745000, 250), "picks": [
        (PA, 245, "opinion", "মতামত", ["মোস্তফা কামাল"], "near-miss: Ukraine only (column)"),
        (JU, 430, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "near-miss: 'রুশ' only inside a name (রুশদ)"),
        (JU, 640, "sports", "খেলা", ["ক্রীড়া প্রতিবেদক"], "sports (cricket)"),
        (PA, 385, "sports", "খেলা", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
        (JU, 400, "politics", "রাজনীতি", ["অনলাইন ডেস্ক"], "politics"),
        (PA, 272, "national", "জাতীয়", ["নিজস্ব প্রতিবেদক"], "national (university)"),
    ]},
}


def _dataset_outlet_id(spec: dict, outlet: str, d: dict, seq: int) -> str:
    kind = spec["id"][0]
    local = d["published"].astimezone(DHAKA)
    if kind == "numeric":
        _, base, per_day = spec["id"]
        # CMS auto-increment: grows with the publication time (per_day articles a day), unique per pick
        minutes = (local - datetime(2024, 1, 1, tzinfo=DHAKA)).total_seconds() / 60
        return str(base + int(minutes * per_day / 1440) + seq)
    seed = f"{outlet}/{d['origin']}"
    if kind == "hex":
        return _digest_id(seed, "0123456789abcdef", spec["id"][1])
    if kind == "lower":
        return _digest_id(seed, "abcdefghijklmnopqrstuvwxyz0123456789", spec["id"][1])
    if kind == "alnum":
        return _digest_id(seed, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", spec["id"][1])
    if kind == "ajp":
        return "ajp" + _digest_id(seed, "abcdefghijklmnopqrstuvwxyz0123456789", spec["id"][1])
    raise ValueError(kind)


def build_dataset_outlet(outlet: str, rows) -> dict:
    spec = DATASET_OUTLETS[outlet]
    articles = []
    for seq, (source, row, slug, section, authors, kind) in enumerate(spec["picks"]):
        d = dataset_article(rows, source, row, seq)
        aid = _dataset_outlet_id(spec, outlet, d, seq)
        # a credit the row's own text ends with ("… তথ্যসূত্র: আনন্দবাজার পত্রিকা") stays inline, as printed
        credit = None
        m = re.search(r"\s((?:তথ্যসূত্র|সূত্র)\s*:\s*[^।:]{2,40}?)[।\s]*$", d["paragraphs"][-1])
        if m:
            head, credit = _split_inline_credit(d["paragraphs"][-1], m.group(1).split(":")[0].rstrip() + ":")
            d["paragraphs"] = [*d["paragraphs"][:-1], head]
        local = d["published"].astimezone(DHAKA)
        path = spec["path"].format(section_slug=slug, id=aid, yyyy=f"{local:%Y}", mm=f"{local:%m}",
                                   dd=f"{local:%d}", date=f"{local:%Y-%m-%d}", title_slug=title_slug(d["title"]))
        articles.append({
            "slug": aid, "path": path, "section": nfc(section), "section_slug": slug, "title": d["title"],
            "authors": [nfc(a) for a in authors], "published": d["published"], "updated": d["updated"],
            "paragraphs": d["paragraphs"], "credit": credit, "kind": kind, "matching": False, "origin": d["origin"],
        })
    return {"outlet": outlet, "articles": articles}


SITE_BUILDERS = [lambda shared, rows, o=o: build_dataset_outlet(o, rows) for o in DATASET_OUTLETS]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, type=Path,
                    help="the research folder with seeds/ and corpus/datasets/ (see the module docstring)")
    ap.add_argument("--out", default=DATA_DIR, type=Path)
    args = ap.parse_args(argv)
    if not (args.source / "seeds").is_dir() or not (args.source / "corpus" / "datasets").is_dir():
        print(f"build_data: --source {args.source} has no seeds/ and corpus/datasets/ folders", file=sys.stderr)
        return 2
    for path in build(args.source, args.out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0



# ----------------------------------------------------------------------------------------------------------------
# outlets modelled from research/outlets.md alone (no seed article): West Bengal papers, international Bengali
# services, Cloudflare/API Bangladeshi outlets. Every article is a dataset pick (none is a Russia–North Korea story);
# its URL follows the outlet's real URL shape (`path` below), with the replay's own ids and slugs.

KOLKATA = ZoneInfo("Asia/Kolkata")

# English URL slugs (written by hand from the headlines) for outlets whose real URLs carry one
SLUGS = {
    (JUGANTOR, 51): "ukraine-troops-advance-30-km-inside-russia",
    (JUGANTOR, 70): "kim-jong-un-and-trump-lookalikes-at-paris-olympics",
    (JUGANTOR, 60): "paris-olympics-ends-with-grand-closing-ceremony",
    (JUGANTOR, 56): "akhilesh-yadav-warns-centre-on-bangladesh-issue",
    (JUGANTOR, 62): "heavy-rain-kills-20-in-rajasthan",
    (JUGANTOR, 447): "putin-vows-befitting-response-to-ukraine",
    (JUGANTOR, 68): "west-indies-pacer-family-wins-two-olympic-golds",
    (JUGANTOR, 265): "trump-campaign-hacked",
    (JUGANTOR, 186): "foreign-affairs-adviser-on-india-ties",
    (JUGANTOR, 450): "ukraine-captures-28-russian-villages-zelensky-warns",
    (JUGANTOR, 61): "biden-says-gaza-ceasefire-possible-before-term-ends",
    (JUGANTOR, 449): "putin-warns-of-response-to-ukraine-incursion",
    (JUGANTOR, 455): "bangladesh-india-series-schedule-announced",
    (PROTHOMALO, 123): "india-forex-reserves-rise-58-billion-dollars-in-a-year",
    (PROTHOMALO, 174): "xi-says-china-taiwan-reunification-inevitable",
    (PROTHOMALO, 474): "south-korea-opposition-leader-lee-jae-myung-stabbed",
    (PROTHOMALO, 310): "isro-xposat-launched-to-study-black-holes",
    (PROTHOMALO, 189): "xi-wants-to-advance-ties-with-us",
    (PROTHOMALO, 151): "zelensky-vows-revenge-against-russia-in-2024",
    (PROTHOMALO, 591): "india-lose-six-wickets-without-a-run-test-record",
    (PROTHOMALO, 482): "india-plans-to-lift-onion-export-ban",
    (PROTHOMALO, 597): "bangladeshi-liton-in-indian-pro-kabaddi",
}

MONTHS_BN_PLAIN = ["জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট", "সেপ্টেম্বর", "অক্টোবর",
                   "নভেম্বর", "ডিসেম্বর"]


def _token(key: str, length: int, alphabet: str) -> str:
    """A deterministic id string (hex ids, BBC/Bonik Barta/CRI style alphanumerics) from a key."""
    n = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    out = []
    for _ in range(length):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _bn_slug(title: str) -> str:
    """DW-style slug from a Bengali headline, percent-encoded as it travels in URLs."""
    from urllib.parse import quote
    words = re.findall(r"[\u0980-\u09ff\w]+", nfc(title))
    return quote("-".join(words[:8]))


def _numeric_id(base: int, per_day: int, epoch: datetime, published: datetime, seq: int) -> int:
    # CMS auto-increment ids that grow with time
    return base + (published.date() - epoch.date()).days * per_day + 37 * seq + 11


OUTLET_SPECS = {
    # id: (time zone, {section slug: section label}, picks [(dataset, row, section slug, authors, kind)])
    "anandabazar": (KOLKATA, {"international": "আন্তর্জাতিক", "india": "দেশ", "sport": "খেলা", "business": "ব্যবসা"}, [
        (JUGANTOR, 51, "international", ["সংবাদ সংস্থা"], "near-miss: Russia only"),
        (JUGANTOR, 70, "international", ["সংবাদ সংস্থা"], "near-miss: North Korea only (Kim look-alike)"),
        (PROTHOMALO, 174, "international", [], "near-miss: China only"),
        (JUGANTOR, 60, "sport", ["নিজস্ব সংবাদদাতা"], "sports (Olympics)"),
        (JUGANTOR, 56, "india", ["সংবাদ সংস্থা"], "India (Akhilesh Yadav on Bangladesh)"),
        (PROTHOMALO, 123, "business", [], "business (India's reserves)"),
        (JUGANTOR, 455, "sport", ["নিজস্ব সংবাদদাতা"], "sports (Bangladesh–India series)"),
    ]),
    "sangbadpratidin": (KOLKATA, {"world": "দেশ-বিদেশ", "india": "দেশ", "sports": "খেলা", "science": "বিজ্ঞান"}, [
        (JUGANTOR, 447, "world", ["Sayani Sen"], "near-miss: Russia only (Putin)"),
        (PROTHOMALO, 474, "world", ["Sayani Sen"], "near-miss: South Korea only"),
        (PROTHOMALO, 189, "world", ["Sulaya Singha"], "near-miss: China only"),
        (JUGANTOR, 68, "sports", ["Arpan Das"], "sports (Olympics)"),
        (JUGANTOR, 62, "india", ["Sulaya Singha"], "India (Rajasthan rain)"),
        (PROTHOMALO, 310, "science", ["Sayani Sen"], "science (ISRO)"),
    ]),
    "eisamay": (KOLKATA, {"international-news": "আন্তর্জাতিক", "nation": "দেশ", "sports": "খেলা", "business": "ব্যবসা"}, [
        (PROTHOMALO, 151, "international-news", ["এই সময় ডিজিটাল ডেস্ক"], "near-miss: Russia only"),
        (JUGANTOR, 70, "international-news", ["এই সময় ডিজিটাল ডেস্ক"], "near-miss: North Korea only (Kim look-alike)"),
        (JUGANTOR, 265, "international-news", ["এই সময় ডিজিটাল ডেস্ক"], "near-miss: USA only"),
        (PROTHOMALO, 591, "sports", ["এই সময় ডিজিটাল ডেস্ক"], "sports (cricket)"),
        (PROTHOMALO, 482, "business", ["এই সময় ডিজিটাল ডেস্ক"], "business (onion exports)"),
        (JUGANTOR, 186, "nation", ["এই সময় ডিজিটাল ডেস্ক"], "India–Bangladesh"),
    ]),
    "bartaman": (KOLKATA, {"15": "বিদেশ", "14": "দেশ", "18": "খেলা"}, [
        (JUGANTOR, 449, "15", [], "near-miss: Russia only (Putin)"),
        (PROTHOMALO, 474, "15", [], "near-miss: South Korea only"),
        (JUGANTOR, 267, "15", [], "near-miss: China only"),
        (JUGANTOR, 636, "18", [], "sports (cricket)"),
        (JUGANTOR, 34, "14", [], "India (Sheikh Hasina's flight)"),
        (PROTHOMALO, 551, "14", [], "India (crime)"),
    ]),
    "zee24ghanta": (KOLKATA, {"world": "দেশ-বিদেশ", "nation": "দেশ", "sports": "খেলা"}, [
        (JUGANTOR, 450, "world", ["Sudip Dey"], "near-miss: Russia only"),
        (JUGANTOR, 70, "world", ["Sudip Dey"], "near-miss: North Korea only (Kim look-alike)"),
        (JUGANTOR, 61, "world", ["Sayan Bhattacharya"], "near-miss: USA / Middle East"),
        (PROTHOMALO, 597, "sports", ["Sayan Bhattacharya"], "sports (kabaddi)"),
        (PROTHOMALO, 310, "nation", ["Sudip Dey"], "India (ISRO)"),
        (JUGANTOR, 56, "nation", ["Sudip Dey"], "India (Akhilesh Yadav on Bangladesh)"),
    ]),
    "bbcbangla": (DHAKA, {"world": "বিশ্ব", "bangladesh": "বাংলাদেশ", "sport": "খেলা"}, [
        (PROTHOMALO, 424, "world", [], "near-miss: Russia only"),
        (PROTHOMALO, 474, "world", [], "near-miss: South Korea only"),
        (PROTHOMALO, 601, "world", [], "near-miss: Iran only"),
        (JUGANTOR, 65, "sport", [], "sports (cricket)"),
        (JUGANTOR, 16, "bangladesh", [], "Bangladesh (media)"),
        (PROTHOMALO, 77, "bangladesh", [], "Bangladesh–US"),
    ]),
    "dwbangla": (DHAKA, {"বিশ্ব": "বিশ্ব", "বাংলাদেশ": "বাংলাদেশ", "খেলা": "খেলা"}, [
        (PROTHOMALO, 541, "বিশ্ব", [], "near-miss: Russia only"),
        (JUGANTOR, 70, "বিশ্ব", [], "near-miss: North Korea only (Kim look-alike)"),
        (JUGANTOR, 267, "বিশ্ব", [], "near-miss: China only"),
        (JUGANTOR, 60, "খেলা", [], "sports (Olympics)"),
        (PROTHOMALO, 393, "বাংলাদেশ", [], "Bangladesh (postal votes from the UK)"),
        (PROTHOMALO, 696, "বিশ্ব", [], "world (UK)"),
    ]),
    "voabangla": (DHAKA, {"world": "বিশ্ব", "bangladesh": "বাংলাদেশ", "usa": "যুক্তরাষ্ট্র", "sports": "খেলা"}, [
        (JUGANTOR, 195, "world", [], "near-miss: Russia only"),
        (PROTHOMALO, 474, "world", [], "near-miss: South Korea only"),
        (PROTHOMALO, 610, "sports", [], "sports (cricket)"),
        (PROTHOMALO, 33, "bangladesh", [], "Bangladesh–US (election)"),
        (PROTHOMALO, 662, "usa", [], "USA (Trump)"),
        (JUGANTOR, 407, "usa", [], "USA (consular services)"),
    ]),
    "cribangla": (DHAKA, {"news": "খবর", "currentevents": "চলতি ঘটনা"}, [
        (JUGANTOR, 447, "news", [], "near-miss: Russia only (Putin)"),
        (PROTHOMALO, 174, "news", [], "near-miss: China only"),
        (PROTHOMALO, 189, "news", [], "near-miss: China–US"),
        (JUGANTOR, 635, "currentevents", [], "sports (Olympics medal table)"),
        (PROTHOMALO, 294, "currentevents", [], "business (BYD)"),
        (JUGANTOR, 62, "news", [], "India (Rajasthan rain)"),
    ]),
    "parstoday": (DHAKA, {"world": "বিশ্ব", "iran": "ইরান", "sports": "খেলাধুলা"}, [
        (JUGANTOR, 449, "world", [], "near-miss: Russia only (Putin)"),
        (PROTHOMALO, 601, "iran", [], "near-miss: Iran only"),
        (PROTHOMALO, 132, "iran", [], "Iran (executions)"),
        (JUGANTOR, 451, "world", [], "near-miss: Iran–UK"),
        (JUGANTOR, 680, "world", [], "world (US submarine)"),
        (JUGANTOR, 60, "sports", [], "sports (Olympics)"),
    ]),
    "banglanews24": (DHAKA, {"international": "আন্তর্জাতিক", "national": "জাতীয়", "sports": "খেলা", "politics": "রাজনীতি"}, [
        (JUGANTOR, 51, "international", ["ডেস্ক রিপোর্ট"], "near-miss: Russia only"),
        (JUGANTOR, 70, "international", ["ডেস্ক রিপোর্ট"], "near-miss: North Korea only (Kim look-alike)"),
        (JUGANTOR, 65, "sports", ["স্পোর্টস ডেস্ক"], "sports (cricket)"),
        (JUGANTOR, 407, "national", ["স্টাফ করেসপন্ডেন্ট"], "national (US consular services)"),
        (JUGANTOR, 308, "politics", ["স্টাফ করেসপন্ডেন্ট"], "politics (Hefazat)"),
        (PROTHOMALO, 86, "national", ["স্টাফ করেসপন্ডেন্ট"], "national (railway)"),
    ]),
    "bonikbarta": (DHAKA, {"bangladesh": "বাংলাদেশ", "international": "আন্তর্জাতিক", "economy": "অর্থনীতি", "sports": "খেলা"}, [
        (PROTHOMALO, 151, "international", ["বণিক বার্তা ডেস্ক"], "near-miss: Russia only"),
        (PROTHOMALO, 474, "international", ["বণিক বার্তা ডেস্ক"], "near-miss: South Korea only"),
        (PROTHOMALO, 294, "economy", ["বণিক বার্তা ডেস্ক"], "near-miss: China only (business)"),
        (PROTHOMALO, 123, "economy", ["বণিক বার্তা ডেস্ক"], "economy (India's reserves)"),
        (JUGANTOR, 455, "sports", ["ক্রীড়া প্রতিবেদক"], "sports (cricket)"),
        (PROTHOMALO, 86, "bangladesh", ["নিজস্ব প্রতিবেদক"], "national (railway)"),
    ]),
    "kalbela": (DHAKA, {"international": "বিশ্ব", "national": "জাতীয়", "sports": "খেলাধুলা", "politics": "রাজনীতি"}, [
        (JUGANTOR, 195, "international", ["কালবেলা ডেস্ক"], "near-miss: Russia only"),
        (JUGANTOR, 70, "international", ["কালবেলা ডেস্ক"], "near-miss: North Korea only (Kim look-alike)"),
        (JUGANTOR, 177, "sports", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
        (JUGANTOR, 1, "national", ["নিজস্ব প্রতিবেদক"], "national (NBSP in body)"),
        (JUGANTOR, 553, "politics", ["নিজস্ব প্রতিবেদক"], "politics"),
        (PROTHOMALO, 2, "national", ["নিজস্ব প্রতিবেদক"], "national"),
    ]),
}


def _path(outlet: str, d: dict, slug_sec: str, seq: int, source: str, row: int) -> tuple[str, str]:
    """(slug, path) in the outlet's real URL shape (research/outlets.md §1 and §2.19–2.29)."""
    pub = d["published"]
    key = f"{outlet}/{source}/{row}"
    en = SLUGS.get((source, row), "news")
    if outlet == "anandabazar":  # /international/<english-slug>-dgtl/cid/1532145
        cid = _numeric_id(1490000, 620, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return str(cid), f"/{slug_sec}/{en}-dgtl/cid/{cid}"
    if outlet == "sangbadpratidin":  # WordPress: /world/<english-slug>/
        return en, f"/{slug_sec}/{en}/"
    if outlet == "eisamay":  # Times Internet: /international-news/<slug>/articleshow/112345678.cms
        aid = _numeric_id(106400000, 26000, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return str(aid), f"/{slug_sec}/{en}/articleshow/{aid}.cms"
    if outlet == "bartaman":  # detailNews.php?cID=15&nID=486741
        nid = _numeric_id(440000, 210, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return str(nid), f"/detailNews.php?cID={slug_sec}&nID={nid}"
    if outlet == "zee24ghanta":  # /bengali/world/<slug>_633917.html
        aid = _numeric_id(520000, 160, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return str(aid), f"/bengali/{slug_sec}/{en}_{aid}.html"
    if outlet == "bbcbangla":  # /bengali/articles/czj0lzj4j79o
        aid = "c" + _token(key, 10, LOWER) + "o"
        return aid, f"/bengali/articles/{aid}"
    if outlet == "dwbangla":  # /bn/<bengali-slug>/a-69912345
        aid = _numeric_id(67850000, 1700, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return f"a-{aid}", f"/bn/{_bn_slug(d['title'])}/a-{aid}"
    if outlet == "voabangla":  # Pangea CMS: /a/7712345.html
        aid = _numeric_id(7420000, 450, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return str(aid), f"/a/{aid}.html"
    if outlet == "cribangla":  # /2024/11/10/ARTIOaYerPeOTxezwrYN8oad241110.shtml
        local = pub.astimezone(DHAKA)
        aid = f"ARTI{_token(key, 20, ALNUM)}{local:%y%m%d}"
        return aid, f"/{local:%Y/%m/%d}/{aid}.shtml"
    if outlet == "parstoday":  # /bn/news/world-i145231
        aid = _numeric_id(132000, 60, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return f"{slug_sec}-i{aid}", f"/bn/news/{slug_sec}-i{aid}"
    if outlet == "banglanews24":  # /details/019a89160306 (12 hex digits)
        aid = _token(key, 12, "0123456789abcdef")
        return aid, f"/details/{aid}"
    if outlet == "bonikbarta":  # /bangladesh/ac9sX9QLknhAVQQq/
        aid = _token(key, 16, ALNUM)
        return aid, f"/{slug_sec}/{aid}/"
    if outlet == "kalbela":  # /politics/63190
        aid = _numeric_id(98000, 120, datetime(2024, 1, 1, tzinfo=DHAKA), pub, seq)
        return str(aid), f"/{slug_sec}/{aid}"
    raise KeyError(outlet)


def build_modelled(rows, outlet: str) -> dict:
    tz, sections, picks = OUTLET_SPECS[outlet]
    articles = []
    for seq, (source, row, slug_sec, authors, kind) in enumerate(picks, start=1):
        d = dataset_article(rows, source, row, seq)
        published, updated = d["published"].astimezone(tz), d["updated"].astimezone(tz)
        slug, path = _path(outlet, d, slug_sec, seq, source, row)
        paragraphs = list(d["paragraphs"])
        if outlet == "cribangla":
            # CRI's dateline opens the first paragraph: "নভেম্বর ১০:" (month and day; the year is in the URL only)
            paragraphs[0] = f"{MONTHS_BN_PLAIN[published.month - 1]} {bndate_digits(published.day)}: {paragraphs[0]}"
        art = {
            "slug": slug, "path": path, "section": nfc(sections[slug_sec]), "section_slug": slug_sec,
            "title": d["title"], "authors": [nfc(a) for a in authors], "published": published, "updated": updated,
            "paragraphs": [nfc(p) for p in paragraphs], "credit": None, "kind": kind, "matching": False,
            "origin": d["origin"],
        }
        if outlet in ("bbcbangla", "banglanews24", "kalbela"):
            art["inline_read_more"] = 2
        if outlet == "cribangla":
            # every CRI page credits the service itself under the headline
            art["credit"] = {"text": "সূত্র: CRI", "source": "CRI", "placement": "line", "label": "সূত্র:"}
            art["notes"] = "the opening 'month day:' dateline of the first paragraph is the replay's, in CRI's style"
        articles.append(art)
    return {"outlet": outlet, "articles": articles}


def bndate_digits(value) -> str:
    return str(value).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))


# outlets of research/outlets.md §2.19–2.29 and §2.23b (West Bengal, international services, Cloudflare/API)
SITE_BUILDERS += [lambda shared, rows, o=o: build_modelled(rows, o) for o in OUTLET_SPECS]


# ----------------------------------------------------------------------------------------------------------------
# JavaScript outlets: their article pages are rendered by scripts in the browser (site.yaml `render: script`)

# Dhaka Post (research/outlets.md §2.13, §3.8: Next.js App Router; /opinion/432453 = section + numeric id)
DHAKAPOST_SPEC = (DHAKA, {"opinion": "মতামত", "international": "আন্তর্জাতিক", "sports": "খেলাধুলা",
                          "national": "জাতীয়", "politics": "রাজনীতি"}, [
    (PROTHOMALO, 151, "international", ["ঢাকা পোস্ট ডেস্ক"], "near-miss: Russia only"),
    (JUGANTOR, 70, "international", ["ঢাকা পোস্ট ডেস্ক"], "near-miss: North Korea only (Kim look-alike)"),
    (PROTHOMALO, 3, "opinion", ["সৈয়দ বদরুল আহ্‌সান"], "near-miss: Russia only (op-ed)"),
    (JUGANTOR, 65, "sports", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
    (PROTHOMALO, 591, "sports", ["ক্রীড়া ডেস্ক"], "sports (cricket)"),
    (JUGANTOR, 376, "national", ["নিজস্ব প্রতিবেদক"], "national (chief justice)"),
    (PROTHOMALO, 556, "politics", ["নিজস্ব প্রতিবেদক"], "politics"),
])


def build_dhakapost(rows) -> dict:
    tz, sections, picks = DHAKAPOST_SPEC
    articles = []
    for seq, (source, row, slug_sec, authors, kind) in enumerate(picks, start=1):
        d = dataset_article(rows, source, row, seq)
        published, updated = d["published"].astimezone(tz), d["updated"].astimezone(tz)
        aid = _numeric_id(432000, 450, datetime(2024, 1, 1, tzinfo=DHAKA), published, seq)
        articles.append({
            "slug": str(aid), "path": f"/{slug_sec}/{aid}", "section": nfc(sections[slug_sec]),
            "section_slug": slug_sec, "title": d["title"], "authors": [nfc(a) for a in authors],
            "published": published, "updated": updated, "paragraphs": [nfc(p) for p in d["paragraphs"]],
            "credit": None, "kind": kind, "matching": False, "origin": d["origin"],
        })
    return {"outlet": "dhakapost", "articles": articles}


SITE_BUILDERS += [lambda shared, rows: build_dhakapost(rows)]


def write_site(site: dict, out: Path = DATA_DIR) -> Path:
    """Write one outlet's data file (as build() does for all of them)."""
    for a in site["articles"]:
        assert a["matching"] == is_ru_nk(a["title"] + " " + " ".join(a["paragraphs"])), a["slug"]
    site = {"generated_by": "crawler/replay/build_data.py", **site}
    path = out / f"{site['outlet']}.json"
    path.write_text(json.dumps(_jsonable(site), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
