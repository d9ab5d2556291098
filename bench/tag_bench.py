"""Milliseconds per article for the tag stage (matcher + default rule, TagStage.process) and the stories index, over
the labelled set; optionally side by side with an earlier version of consumers/tag read from git.

    .venv/bin/python bench/tag_bench.py [--repeat 5] [--baseline 24f0c91]

`--baseline REV` materialises consumers/tag from that commit (`git show`, read-only) into a temporary package and
times it in the same process on the same articles, so before/after figures come from one run. 24f0c91 is the
pre-optimisation matcher (per-unit passes through bnwatch.textnorm.fold, dict-table translate, asdict).
The 'typical article' rows time the labelled article of median length on its own (the issue's < 1 ms target).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bnwatch.records import Article  # noqa: E402
from consumers.stories.index import StoryIndex  # noqa: E402
from consumers.stories.stage import article_features  # noqa: E402
from consumers.tag import matcher as current_matcher  # noqa: E402
from consumers.tag import stage as current_stage  # noqa: E402

TAG_FILES = ("__init__.py", "gazetteer.py", "gazetteer.yaml", "matcher.py", "rules.py", "stage.py")


def load_revision(rev: str, tmp: Path):
    """consumers/tag at `rev` as an importable package `_tag_<rev>`; returns (matcher module, stage module)."""
    name = f"_tag_{rev.replace('-', '_').replace('.', '_')}"
    pkg = tmp / name
    pkg.mkdir(parents=True, exist_ok=True)
    for f in TAG_FILES:
        blob = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:consumers/tag/{f}"], check=True,
                              capture_output=True).stdout
        (pkg / f).write_bytes(blob)
    spec = importlib.util.spec_from_file_location(name, pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return sys.modules[f"{name}.matcher"], sys.modules[f"{name}.stage"]


def time_impl(matcher_mod, stage_mod, arts, typical, repeat: int) -> dict:
    t0 = time.perf_counter()
    matcher = matcher_mod.Matcher()
    build = time.perf_counter() - t0
    stage = stage_mod.TagStage(matcher=matcher)
    for a in arts[:10]:
        stage.process(a)  # warm-up
    per: list[float] = []
    for _ in range(repeat):
        for a in arts:
            t = time.perf_counter()
            stage.process(a)
            per.append((time.perf_counter() - t) * 1000)
    typ: list[float] = []
    for _ in range(200):
        t = time.perf_counter()
        stage.process(typical)
        typ.append((time.perf_counter() - t) * 1000)
    return {"build": build * 1000, "per": per, "typ": typ, "out": [stage.process(a)[0] for a in arts]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", help="git revision of consumers/tag to time alongside the working tree")
    ap.add_argument("--labelled", default=str(ROOT / "tests/fixtures/labelled/labelled.jsonl"))
    args = ap.parse_args()
    recs = [json.loads(x) for x in Path(args.labelled).read_text(encoding="utf-8").splitlines() if x.strip()]
    arts = [Article(url=r["id"], canonical_url=r["id"], outlet=r["outlet"], title=r["title"],
                    paragraphs=r["paragraphs"], published_at=r.get("published_at")) for r in recs]
    size = lambda a: len(a.title) + sum(map(len, a.paragraphs))  # noqa: E731
    chars = sum(map(size, arts))
    typical = sorted(arts, key=size)[len(arts) // 2]

    impls = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline:
            impls.append((f"before ({args.baseline})", *load_revision(args.baseline, Path(tmp))))
        impls.append(("after (working tree)" if args.baseline else "working tree", current_matcher, current_stage))
        results = [(label, time_impl(m, s, arts, typical, args.repeat)) for label, m, s in impls]

    def row(label, fn, fmt):
        return f"| {label} | " + " | ".join(format(fn(r), fmt) for _, r in results) + " |"

    print(f"labelled set: {len(arts)} articles, mean {chars / len(arts):.0f} chars, "
          f"typical (median length) article {typical.url}: {size(typical)} chars; repeat x{args.repeat}\n")
    print("| measure | " + " | ".join(label for label, _ in results) + " |")
    print("|---|" + "---:|" * len(results))
    print(row("automaton build (ms)", lambda r: r["build"], ".1f"))
    print(row("tag ms/article mean", lambda r: statistics.mean(r["per"]), ".3f"))
    print(row("tag ms/article median", lambda r: statistics.median(r["per"]), ".3f"))
    print(row("tag ms/article p95", lambda r: sorted(r["per"])[int(0.95 * len(r["per"]))], ".3f"))
    print(row("tag chars/s", lambda r: chars * args.repeat / (sum(r["per"]) / 1000), ",.0f"))
    print(row("typical article ms mean", lambda r: statistics.mean(r["typ"]), ".3f"))
    print(row("typical article ms median", lambda r: statistics.median(r["typ"]), ".3f"))
    if len(results) == 2:
        same = all(a.entities == b.entities and a.rules == b.rules
                   for a, b in zip(results[0][1]["out"], results[1][1]["out"]))
        print(f"\nentities and rule results identical between the two: {same}")
    t = time.perf_counter()
    index = StoryIndex(":memory:")
    for a in arts:
        index.assign(article_features(a))
    print(f"stories ms/article (all assigned, working tree): {(time.perf_counter() - t) * 1000 / len(arts):.3f}")


if __name__ == "__main__":
    main()
