"""Fault 4 — bad inputs: ~10,000 of them, generated from a seed (tests/faults/badinputs.py), nothing stored.

* test_bad_pages_and_poison_through_the_consumers: 9,400 bad RawPages (broken/truncated HTML, wrong and missing
  charsets, binary, deep nesting, odd statuses and fields, two ~19 MB pages) plus poison records on every topic
  (raw-pages, articles, tagged-articles, alerts: not JSON, tombstones, wrong kind, missing fields, wrong types,
  8 MB and 48 MB payloads) through the four `bnwatch consume` processes over the real broker. Nothing crashes,
  every record is counted (records_processed_total), every poison record is in its stage's dead-letter topic
  with a clear reason, no poison alert reaches the subscriber, and RSS growth is bounded.
* test_bad_outlet_through_the_crawler (test_bad_site.py) serves a few hundred bad pages through the real crawler.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections import Counter

import pytest

from devtools.kafka_local import free_port
from tests.faults.badinputs import bad_raw_pages, poison_payloads
from tests.faults.conftest import STAGES, read_all, rss_kb, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

N_PAGES = int(os.environ.get("BNWATCH_FAULT_BAD_PAGES", "9400"))
SEED = int(os.environ.get("BNWATCH_FAULT_SEED", "4"))
#: RSS growth allowed per consumer process between the warm-up and the end (a leak proportional to the number
#: of records would blow through it; transient 20-50 MB records are freed)
RSS_GROWTH_BOUND_MB = 150
#: RSS no consumer may exceed at the end
RSS_ABSOLUTE_BOUND_MB = 1024

# a record that is of the right shape but lacks an optional field is valid: it is processed, not dead-lettered
VALID_LABELS = re.compile(r"^missing:(discovery|discovered_at|published_at|updated_at|authors|section|"
                          r"credited_source|language|fetched_at|content_hash|entities|rules|evidence|title)$")


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)$", line)
        if not m:
            continue
        labels = tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def processed(port: int, stage: str) -> dict[str, float]:
    values = scrape(port)
    return {o: values.get(("bnwatch_records_processed_total", (("outcome", o), ("stage", stage))), 0.0)
            for o in ("ok", "dropped", "failed")}


def test_bad_pages_and_poison_through_the_consumers(kafka_bootstrap, pipeline_factory):
    from bnwatch.kafka_client import BoundedProducer, make_producer

    p = pipeline_factory(kafka_bootstrap)
    p.ensure_topics()
    started = time.monotonic()
    ports = {}
    for stage in STAGES:
        ports[stage] = free_port(exclude=tuple(ports.values()))
        p.start(stage, "--metrics-port", str(ports[stage]))
    wait_for(lambda: all(_up(ports[s]) for s in STAGES), 60, "the consumers' /metrics")
    print(f"\nconsumers up in {time.monotonic() - started:.0f} s")
    time.sleep(3)
    rss = {s: {"idle": rss_kb(p.procs[s].pid)} for s in STAGES}

    t0 = time.monotonic()
    pages = bad_raw_pages(N_PAGES, seed=SEED)
    pages = [x for x in pages if x[0] == "huge"] + [x for x in pages if x[0] != "huge"]  # big ones in the warm-up
    print(f"{len(pages)} bad pages generated in {time.monotonic() - t0:.0f} s")
    producer = BoundedProducer(kafka_bootstrap)
    raw = make_producer(kafka_bootstrap)  # for tombstones (value None), which BoundedProducer does not send
    topics = p.topics
    sent = Counter()
    poison_keys: dict[str, set[str]] = {s: set() for s in STAGES}
    valid_poison: Counter = Counter()

    def send_poison(topic, kind, stage):
        for i, (label, payload) in enumerate(poison_payloads(kind, seed=SEED)):
            key = f"poison:{kind}:{i}:{label}"
            raw.send(topic, key=key.encode(), value=payload)
            sent[topic] += 1
            if VALID_LABELS.match(label) or (stage == "tag" and label == "value:rules"):  # tag recomputes rules
                valid_poison[stage] += 1
            else:
                poison_keys[stage].add(key)

    # poison first on every topic, then the warm-up share of the pages (the ~19 MB ones included): the baseline
    # RSS is taken after it, so the growth measured over the remaining ~8,400 is what they leave behind
    send_poison(topics.raw_pages, "raw_page", "clean")
    send_poison(topics.articles, "article", "tag")
    send_poison(topics.tagged, "article", "stories")
    send_poison(topics.alerts, "alert", "notify")
    huge_key = "poison:raw_page:huge48"
    raw.send(topics.raw_pages, key=huge_key.encode(), value=b"\xfe" * (48 * 1024 * 1024))  # dead letter > 64 MB
    sent[topics.raw_pages] += 1
    raw.flush()
    raw.close()
    poison_keys["clean"].add(huge_key)
    warm = 1000
    for _label, page in pages[:warm]:
        producer.send(topics.raw_pages, page.key(), page.to_json())
        sent[topics.raw_pages] += 1
    producer.flush()
    wait_for(lambda: sum(processed(ports["clean"], "clean").values()) >= sent[topics.raw_pages], 240,
             "the warm-up through clean")
    for s in STAGES:
        rss[s]["warm"] = rss_kb(p.procs[s].pid)
    for _label, page in pages[warm:]:
        producer.send(topics.raw_pages, page.key(), page.to_json())
        sent[topics.raw_pages] += 1
    producer.flush()
    producer.close()
    produced_in = time.monotonic() - t0

    def caught_up():
        clean = sum(processed(ports["clean"], "clean").values())
        return clean >= sent[topics.raw_pages]

    wait_for(caught_up, 420, f"clean to handle {sent[topics.raw_pages]} records")
    articles_out = processed(ports["clean"], "clean")["ok"]
    wait_for(lambda: sum(processed(ports["tag"], "tag").values()) >= sent[topics.articles] + articles_out, 120,
             "tag to catch up")
    tagged_out = processed(ports["tag"], "tag")["ok"]
    wait_for(lambda: sum(processed(ports["stories"], "stories").values()) >= sent[topics.tagged] + tagged_out, 120,
             "stories to catch up")
    wait_for(lambda: sum(processed(ports["notify"], "notify").values()) >= sent[topics.alerts], 60,
             "notify to catch up")
    elapsed = time.monotonic() - t0
    for s in STAGES:
        rss[s]["end"] = rss_kb(p.procs[s].pid)
    p.assert_consumers_alive()

    counts = {s: processed(ports[s], s) for s in STAGES}
    expected_in = {"clean": sent[topics.raw_pages], "tag": sent[topics.articles] + articles_out,
                   "stories": sent[topics.tagged] + tagged_out}
    for s, n in expected_in.items():
        assert sum(counts[s].values()) == n, f"{s}: {counts[s]} for {n} input records (lost or double counted)"
    assert sum(counts["notify"].values()) >= sent[topics.alerts]

    # every poison record is a dead letter of its stage, with the reason; the dead-letter metric agrees
    for s in STAGES:
        letters = read_all(kafka_bootstrap, topics.dead_letter(s), expected=len(poison_keys[s]), timeout=60)
        by_key = {r.key.decode(): json.loads(r.value) for r in letters}
        missing = poison_keys[s] - set(by_key)
        assert not missing, f"{s}: poison records not dead-lettered: {sorted(missing)}"
        for key in poison_keys[s]:
            assert by_key[key]["error"] and by_key[key]["error_type"], by_key[key]
        metric = scrape(ports[s]).get(("bnwatch_dead_letter_records_total", (("stage", s),)), 0)
        assert metric == len(letters) == counts[s]["failed"], (s, metric, len(letters), counts[s])
    huge = read_all(kafka_bootstrap, topics.dead_letter("clean"), timeout=5)
    huge = next(json.loads(r.value) for r in huge if r.key.decode() == huge_key)
    # over the dead-letter topic's limit: the record names the original, kept whole by hash in the data dir
    assert huge["value"] == "" and huge["value_size"] == 48 * 1024 * 1024
    assert (p.data_dir / huge["value_file"]).read_bytes() == b"\xfe" * (48 * 1024 * 1024)

    # no poison alert reached the subscriber: only the valid one (story "s" v1, sent several times with optional
    # fields missing), once
    # (bad pages cut from real RU–NK fixture articles may still raise real stories: those are fine, once each)
    delivered = Counter((a.get("story_id"), a.get("version")) for a in p.payloads())
    odd = [k for k in delivered if k != ("s", 1) and not (str(k[0]).startswith("ru-nk-") and isinstance(k[1], int))]
    assert not odd, f"poison alerts delivered: {odd}"
    assert all(n == 1 for n in delivered.values()), f"duplicate deliveries: {delivered}"

    mb = {s: {k: round(v / 1024) for k, v in r.items()} for s, r in rss.items()}
    for s in STAGES:
        growth = (rss[s]["end"] - rss[s]["warm"]) / 1024
        assert growth < RSS_GROWTH_BOUND_MB, f"{s}: RSS grew {growth:.0f} MB after the warm-up: {mb[s]}"
        assert rss[s]["end"] / 1024 < RSS_ABSOLUTE_BOUND_MB, f"{s}: RSS {mb[s]}"
    bad_kinds = Counter(label for label, _ in pages)
    print(f"\nbad inputs: {sum(sent.values())} records ({dict(bad_kinds)} + poison {dict(sent)}); produced in "
          f"{produced_in:.0f} s, all handled in {elapsed:.0f} s")
    print(f"outcomes: {counts}")
    print(f"RSS MB (idle/after 1,000/end): {mb}")


def _up(port: int) -> bool:
    try:
        scrape(port)
        return True
    except OSError:
        return False
