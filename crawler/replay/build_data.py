"""Build the outlet replay's article data (crawler/replay/data/<outlet>.json) from /work/shared.

    python -m crawler.replay.build_data [--shared /work/shared]

The replay itself never reads /work/shared: the generated JSON is committed. Every article records where its text
came from (`origin`). Sources:

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
    for site in (build_inqilab(shared, rows), build_somoyer(shared, rows), build_vietnam(shared, rows)):
        for a in site["articles"]:
            assert a["matching"] == is_ru_nk(a["title"] + " " + " ".join(a["paragraphs"])), a["slug"]
        site = {"generated_by": "crawler/replay/build_data.py", **site}
        path = out / f"{site['outlet']}.json"
        path.write_text(json.dumps(_jsonable(site), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default="/work/shared", type=Path)
    ap.add_argument("--out", default=DATA_DIR, type=Path)
    args = ap.parse_args(argv)
    for path in build(args.shared, args.out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
