"""Every field of extraction on every stored page, to prove a speed change changes nothing: dump before, dump
after, compare. Pages: every article page the outlet replay serves (with its outlet and URL, as the clean stage
sees it) and every golden, real and corpus page in the repository (outlet found from the page); each with the
outlet files and with none (the generic path, the URL moved to an unknown host), plus both content fingerprints
(v2 on lxml, the crawler's v3 on lexbor).

    python bench/extract_diff.py dump before.json      # … change bnwatch/extract …
    python bench/extract_diff.py dump after.json
    python bench/extract_diff.py compare before.json after.json   # exit 1 when a field differs

`method` (which rung gave the body) is reported apart: a faster rung may take a page over, the fields may not move.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FETCHED_AT = datetime(2024, 12, 1, tzinfo=timezone.utc)  # fixed: relative dates ("২ ঘণ্টা আগে") stay comparable


def stored_pages() -> list[tuple[str, str | None, str | None, bytes]]:
    """(key, outlet, url, html) of every page: replay articles first, then the stored HTML files."""
    from consume_throughput import replay_pages

    pages = [(f"replay:{u}", o, u, b) for o, u, b in replay_pages()]
    files = sorted(ROOT.glob("crawler/outlets/*/*/*.htm*")) + sorted((ROOT / "tests" / "fixtures").glob("**/*.htm*"))
    pages += [(str(p.relative_to(ROOT)), None, None, p.read_bytes()) for p in files if "/replay/" not in str(p)]
    return pages


def fields(html: bytes, outlet: str | None, url: str | None, registry) -> dict:
    from bnwatch.extract import NotAnArticle, extract_article

    try:
        ex = extract_article(html, outlet, url, registry=registry, fetched_at=FETCHED_AT,
                             headers={"content-type": "text/html; charset=utf-8"} if outlet else None)
    except NotAnArticle as exc:
        return {"not_an_article": exc.reason}
    return {**ex.as_dict(), "paragraphs": ex.paragraphs, "method": ex.method, "canonical_url": ex.canonical_url,
            "decode_flags": list(ex.decode.flags) if ex.decode else None, "date_confidence": ex.date_confidence}


def dump(out: Path) -> None:
    from bnwatch.extract import fingerprint
    try:
        from bnwatch.extract import fingerprint_v3
    except ImportError:  # a dump of a release before v3 lived beside v2
        from bnwatch.extract.lexbor_fingerprint import fingerprint_v3
    from bnwatch.outlets import Registry

    registry, empty = Registry.load(), Registry([])
    result = {}
    for key, outlet, url, html in stored_pages():
        generic_url = url.replace("https://", "https://mirror.example.") if url else None
        with_files = fields(html, outlet, url, registry)
        site = registry.get(outlet or with_files.get("outlet")) if (outlet or with_files.get("outlet")) else None
        result[key] = {"outlet_files": with_files,
                       "generic": fields(html, "unknown" if outlet else None, generic_url, empty),
                       "fingerprint": fingerprint(html, site) if site else None,
                       "fingerprint_v3": fingerprint_v3(html, site) if site else None}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    print(f"{len(result)} pages → {out}")


def compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    differing, moved = 0, {}
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            differing += 1
            print(f"only in {'after' if key in b else 'before'}: {key}")
            continue
        for version in ("fingerprint", "fingerprint_v3"):
            if a[key].get(version) != b[key].get(version):
                differing += 1
                print(f"{version}: {key}")
        for side in ("outlet_files", "generic"):
            x, y = dict(a[key][side]), dict(b[key][side])
            mx, my = x.pop("method", None), y.pop("method", None)
            changed = sorted(f for f in set(x) | set(y) if x.get(f) != y.get(f))
            if changed:
                differing += 1
                print(f"{side}: {key}: {', '.join(changed)}")
            elif mx != my:
                moved[f"{mx} → {my}"] = moved.get(f"{mx} → {my}", 0) + 1
    print(f"{len(a)} pages × (outlet files, generic): {differing} differ; body rung changed only: "
          + (", ".join(f"{k} ({v})" for k, v in moved.items()) or "none"))
    return 1 if differing else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("dump", help="write every field of every stored page").add_argument("out", type=Path)
    cmp_ = sub.add_parser("compare", help="list what differs between two dumps")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.command == "dump":
        dump(args.out)
    else:
        for path in (args.before, args.after):
            if not path.is_file():
                print(f"extract_diff: no such dump: {path}", file=sys.stderr)
                sys.exit(2)
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
