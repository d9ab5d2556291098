"""Build the outlet replay's article data (crawler/outlets/<outlet>/replay/articles.json) from the project's research
material, following each outlet's replay/build.yaml (builder, URL shape, dataset picks): adding an outlet is adding
its folder, not editing this file.

    python -m devtools.replay.build_data --source SOURCE

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

from .site import OUTLETS_DIR, model_dir

BUILD_FILE = "build.yaml"  # crawler/outlets/<outlet>/replay/build.yaml: builder, URL shape, dataset picks, golden
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


def build_inqilab(shared: Path, rows, spec: dict) -> dict:
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
    for seq, (pick, source) in enumerate(_picks(spec), start=len(seeds)):  # replay/build.yaml
        slug, section, authors, kind = pick["section_slug"], pick["section"], pick["authors"], pick["kind"]
        d = dataset_article(rows, source, pick["row"], seq)
        aid = _inqilab_id(d["published"], seq)
        articles.append({
            "slug": f"{slug}-{aid}", "path": f"/{slug}/news/{aid}", "section": nfc(section), "section_slug": slug,
            "title": d["title"], "authors": [nfc(a) for a in authors], "published": d["published"],
            "updated": d["updated"], "paragraphs": d["paragraphs"], "credit": None, "kind": kind,
            "matching": False, "origin": d["origin"], "inline_read_more": 1,
        })
    return {"outlet": "dailyinqilab", "articles": articles}


def _dateline_check(dt: datetime) -> str:
    from devtools.replay.bndate import dateline_inqilab
    return dateline_inqilab(dt)


def _uniqid(dt: datetime, seq: int) -> str:
    """PHP uniqid() of the publication moment: 8 hex digits of seconds + 5 of microseconds (real Somoyer Konthosor
    URLs end in one, e.g. /post/2024/07/15/66951693a9fbc)."""
    micro = int(hashlib.sha1(f"{dt.isoformat()}/{seq}".encode()).hexdigest()[:5], 16) % 1_000_000
    return f"{int(dt.timestamp()):08x}{micro:05x}"


def build_somoyer(shared: Path, rows, spec: dict) -> dict:
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
    for seq, (pick, source) in enumerate(_picks(spec), start=1):  # replay/build.yaml
        slug, section, authors, kind = pick["section_slug"], pick["section"], pick["authors"], pick["kind"]
        d = dataset_article(rows, source, pick["row"], seq)
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


def build_vietnam(shared: Path, rows, spec: dict) -> dict:
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
    for seq, (pick, source) in enumerate(_picks(spec), start=1):  # replay/build.yaml
        slug, kind = pick["url_slug"], pick["kind"]
        d = dataset_article(rows, source, pick["row"], seq)
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


def build(shared: Path, out: Path = OUTLETS_DIR) -> list[Path]:
    """Every outlet folder of the registry `out` with a replay/build.yaml: its replay/articles.json."""
    rows = {JUGANTOR: load_dataset(shared, JUGANTOR), PROTHOMALO: load_dataset(shared, PROTHOMALO)}
    return [write_site(build_outlet(outlet, shared, rows, out), out) for outlet in built_outlets(out)]


# ----------------------------------------------------------------------------------------------------------------
# URL parts of the outlets built from dataset rows

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


# Outlets built from dataset rows only (no seed: none of them has a Russia–North Korea article here), each from its
# replay/build.yaml: the URL shape (docs/research/outlets.md §1/§2), how its ids grow, and the picks (dataset, row,
# section slug, section as printed, byline, kind). Ids, bylines, sections and URL slugs are the replay's; title,
# body and date are the dataset row's (see `origin`).
DATASETS = {"jugantor": JUGANTOR, "prothomalo": PROTHOMALO}
ALPHABETS = {"lower": "abcdefghijklmnopqrstuvwxyz0123456789", "hex": "0123456789abcdef",
             "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"}
ID_EPOCH = datetime(2024, 1, 1, tzinfo=DHAKA)  # modelled CMS ids grow from here
MONTHS_BN_PLAIN = ["জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট", "সেপ্টেম্বর", "অক্টোবর",
                   "নভেম্বর", "ডিসেম্বর"]


def load_spec(outlet: str, outlets_dir: Path = OUTLETS_DIR) -> dict:
    """An outlet's replay/build.yaml."""
    import yaml

    return yaml.safe_load((model_dir(outlet, outlets_dir) / BUILD_FILE).read_text(encoding="utf-8"))


def built_outlets(outlets_dir: Path = OUTLETS_DIR) -> list[str]:
    return sorted(p.parent.parent.name for p in Path(outlets_dir).glob(f"*/replay/{BUILD_FILE}"))


def build_outlet(outlet: str, shared: Path, rows, outlets_dir: Path = OUTLETS_DIR) -> dict:
    spec = load_spec(outlet, outlets_dir)
    builder = spec["builder"]
    if builder == "dataset":
        return build_dataset_outlet(outlet, rows, spec)
    if builder == "modelled":
        return build_modelled(outlet, rows, spec)
    seeded = {"dailyinqilab": build_inqilab, "somoyerkonthosor": build_somoyer, "vietnamvn": build_vietnam}
    if builder not in seeded:
        raise ValueError(f"{outlet}: replay/{BUILD_FILE}: unknown builder {builder!r}")
    return seeded[builder](shared, rows, spec)


def _picks(spec: dict):
    """(pick, dataset file name) for every pick of a build spec."""
    for pick in spec["picks"]:
        yield pick, DATASETS[pick["dataset"]]


def dataset_url_id(spec: dict, outlet: str, published: datetime, origin: str, seq: int) -> str:
    """The id in a `dataset` outlet's URL: a CMS auto-increment growing with the publication time (`numeric`,
    base and articles per day) or a digest of the article's origin (`hex`, `lower`, `alnum`, `ajp`; length)."""
    kind = spec["url"]["id"][0]
    local = published.astimezone(DHAKA)
    if kind == "numeric":
        _, base, per_day = spec["url"]["id"]
        minutes = (local - ID_EPOCH).total_seconds() / 60
        return str(base + int(minutes * per_day / 1440) + seq)
    seed, n = f"{outlet}/{origin}", spec["url"]["id"][1]
    if kind == "ajp":
        return "ajp" + _digest_id(seed, ALPHABETS["lower"], n)
    return _digest_id(seed, ALPHABETS[kind], n)


def dataset_url_path(spec: dict, pick: dict, aid: str, title: str, published: datetime) -> str:
    local = published.astimezone(DHAKA)
    return spec["url"]["path"].format(section_slug=pick["section_slug"], id=aid, yyyy=f"{local:%Y}",
                                      mm=f"{local:%m}", dd=f"{local:%d}", date=f"{local:%Y-%m-%d}",
                                      title_slug=title_slug(title))


def build_dataset_outlet(outlet: str, rows, spec: dict) -> dict:
    articles = []
    for seq, (pick, source) in enumerate(_picks(spec)):
        d = dataset_article(rows, source, pick["row"], seq)
        aid = dataset_url_id(spec, outlet, d["published"], d["origin"], seq)
        # a credit the row's own text ends with ("… তথ্যসূত্র: আনন্দবাজার পত্রিকা") stays inline, as printed
        credit = None
        m = re.search(r"\s((?:তথ্যসূত্র|সূত্র)\s*:\s*[^।:]{2,40}?)[।\s]*$", d["paragraphs"][-1])
        if m:
            head, credit = _split_inline_credit(d["paragraphs"][-1], m.group(1).split(":")[0].rstrip() + ":")
            d["paragraphs"] = [*d["paragraphs"][:-1], head]
        articles.append({
            "slug": aid, "path": dataset_url_path(spec, pick, aid, d["title"], d["published"]),
            "section": nfc(pick["section"]), "section_slug": pick["section_slug"], "title": d["title"],
            "authors": [nfc(a) for a in pick["authors"]], "published": d["published"], "updated": d["updated"],
            "paragraphs": d["paragraphs"], "credit": credit, "kind": pick["kind"], "matching": False,
            "origin": d["origin"],
        })
    return {"outlet": outlet, "articles": articles}


def _token(key: str, length: int, alphabet: str) -> str:
    """A deterministic id string (hex ids, BBC/Bonik Barta/CRI style alphanumerics) from a key."""
    n = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    out = []
    for _ in range(length):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


def _bn_slug(title: str) -> str:
    """DW-style slug from a Bengali headline, percent-encoded as it travels in URLs."""
    from urllib.parse import quote
    words = re.findall(r"[\u0980-\u09ff\w]+", nfc(title))
    return quote("-".join(words[:8]))


def modelled_url(outlet: str, spec: dict, pick: dict, title: str, published: datetime, seq: int) -> tuple[str, str]:
    """(slug, path) in the outlet's real URL shape, from build.yaml `url`: `id` a CMS auto-increment (`numeric`,
    base, per day, from 2024-01-01) or a digest token (`token`, length, alphabet); `slug` and `path` templates over
    {id}, {section_slug}, {en} (the pick's English `url_slug`), {bn_slug}, {yyyy}/{mm}/{dd}/{yymmdd} (Dhaka)."""
    url = spec["url"]
    aid = ""
    if url.get("id"):
        kind, a, b = url["id"]
        if kind == "numeric":  # CMS auto-increment ids that grow with time
            aid = str(a + (published.date() - ID_EPOCH.date()).days * b + 37 * seq + 11)
        else:
            aid = _token(f"{outlet}/{DATASETS[pick['dataset']]}/{pick['row']}", a, ALPHABETS[b])
    local = published.astimezone(DHAKA)
    values = {"id": aid, "section_slug": pick["section_slug"], "en": pick.get("url_slug") or "news",
              "yyyy": f"{local:%Y}", "mm": f"{local:%m}", "dd": f"{local:%d}", "yymmdd": f"{local:%y%m%d}"}
    if "{bn_slug}" in url["path"]:
        values["bn_slug"] = _bn_slug(title)
    return url["slug"].format(**values), url["path"].format(**values)


def build_modelled(outlet: str, rows, spec: dict) -> dict:
    tz, sections = ZoneInfo(spec["timezone"]), spec["sections"]
    articles = []
    for seq, (pick, source) in enumerate(_picks(spec), start=1):
        d = dataset_article(rows, source, pick["row"], seq)
        published, updated = d["published"].astimezone(tz), d["updated"].astimezone(tz)
        slug, path = modelled_url(outlet, spec, pick, d["title"], d["published"], seq)
        paragraphs = list(d["paragraphs"])
        if spec.get("dateline_in_first_paragraph"):
            # CRI's dateline opens the first paragraph: "নভেম্বর ১০:" (month and day; the year is in the URL only)
            paragraphs[0] = f"{MONTHS_BN_PLAIN[published.month - 1]} {bndate_digits(published.day)}: {paragraphs[0]}"
        art = {
            "slug": slug, "path": path, "section": nfc(sections[pick["section_slug"]]),
            "section_slug": pick["section_slug"], "title": d["title"], "authors": [nfc(a) for a in pick["authors"]],
            "published": published, "updated": updated, "paragraphs": [nfc(p) for p in paragraphs],
            "credit": None, "kind": pick["kind"], "matching": False, "origin": d["origin"],
        }
        if spec.get("inline_read_more"):
            art["inline_read_more"] = spec["inline_read_more"]
        if spec.get("credit"):  # a credit every page of the outlet carries (CRI credits itself under the headline)
            art["credit"] = dict(spec["credit"])
        if spec.get("notes"):
            art["notes"] = spec["notes"]
        articles.append(art)
    return {"outlet": outlet, "articles": articles}


def bndate_digits(value) -> str:
    return str(value).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))


def write_site(site: dict, out: Path = OUTLETS_DIR) -> Path:
    """Write one outlet's replay/articles.json in the registry folder `out`."""
    for a in site["articles"]:
        assert a["matching"] == is_ru_nk(a["title"] + " " + " ".join(a["paragraphs"])), a["slug"]
    site = {"generated_by": "devtools/replay/build_data.py", **site}
    path = model_dir(site["outlet"], out) / "articles.json"
    path.write_text(json.dumps(_jsonable(site), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, type=Path,
                    help="the research folder with seeds/ and corpus/datasets/ (see the module docstring)")
    ap.add_argument("--out", default=OUTLETS_DIR, type=Path, help="the outlet registry folder")
    args = ap.parse_args(argv)
    if not (args.source / "seeds").is_dir() or not (args.source / "corpus" / "datasets").is_dir():
        print(f"build_data: --source {args.source} has no seeds/ and corpus/datasets/ folders", file=sys.stderr)
        return 2
    for path in build(args.source, args.out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
