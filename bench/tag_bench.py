"""Milliseconds per article for the tag stage (matcher + default rule) and the stories index, over the labelled set.

    .venv/bin/python bench/tag_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bnwatch.records import Article  # noqa: E402
from consumers.stories.index import StoryIndex  # noqa: E402
from consumers.stories.stage import article_features  # noqa: E402
from consumers.tag import TagStage  # noqa: E402
from consumers.tag.matcher import Matcher  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--labelled", default=str(ROOT / "tests/fixtures/labelled/labelled.jsonl"))
    args = ap.parse_args()
    recs = [json.loads(x) for x in Path(args.labelled).read_text(encoding="utf-8").splitlines() if x.strip()]
    arts = [Article(url=r["id"], canonical_url=r["id"], outlet=r["outlet"], title=r["title"],
                    paragraphs=r["paragraphs"], published_at=r.get("published_at")) for r in recs]
    chars = sum(len(a.title) + sum(map(len, a.paragraphs)) for a in arts)
    t0 = time.perf_counter()
    Matcher()
    build = time.perf_counter() - t0
    stage = TagStage()
    per: list[float] = []
    for _ in range(args.repeat):
        for a in arts:
            t = time.perf_counter()
            stage.process(a)
            per.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    index = StoryIndex(":memory:")
    for a in arts:
        index.assign(article_features(a))
    story_ms = (time.perf_counter() - t) * 1000 / len(arts)
    total_s = sum(per) / 1000
    print(f"{'measure':<34}{'value':>12}")
    print(f"{'articles (x repeat)':<34}{len(arts):>9} x{args.repeat}")
    print(f"{'mean chars/article':<34}{chars / len(arts):>12.0f}")
    print(f"{'automaton build (ms)':<34}{build * 1000:>12.1f}")
    print(f"{'tag ms/article mean':<34}{statistics.mean(per):>12.3f}")
    print(f"{'tag ms/article median':<34}{statistics.median(per):>12.3f}")
    print(f"{'tag ms/article p95':<34}{sorted(per)[int(0.95 * len(per))]:>12.3f}")
    print(f"{'tag chars/s':<34}{chars * args.repeat / total_s:>12.0f}")
    print(f"{'stories ms/article (all assigned)':<34}{story_ms:>12.3f}")


if __name__ == "__main__":
    main()
