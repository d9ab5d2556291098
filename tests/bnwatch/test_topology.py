"""The stage topology is declared once (bnwatch/topology.py): a stage added there is known to the CLI, the topics,
stage building and both runners (embedded in-process, Kafka against the real test broker) with no other change."""

from __future__ import annotations

import textwrap
import threading
import uuid

import pytest

from bnwatch import topology
from bnwatch.app.stages import build_stage, build_stages
from bnwatch.cli import build_parser
from bnwatch.config import Settings
from bnwatch.records import Article, RawPage
from bnwatch.topics import Topics
from bnwatch.topology import RAW_PAGES, StageSpec

#: two stages the tests declare: "shout" (RawPage -> Article, title upper-cased) and "mirror" (Article -> the same
#: Article, title + "!"); importable by the dotted path a declaration names
STAGES_MODULE = '''
import dataclasses

from bnwatch.records import Article, RawPage


class Shout:
    name = "shout"
    input_type = RawPage

    def process(self, record):
        text = record.body.decode("utf-8")
        return [Article(url=record.url, canonical_url=record.canonical_url, outlet=record.outlet,
                        title=text.upper(), paragraphs=[text])]

    def close(self):
        pass


class Mirror:
    name = "mirror"
    input_type = Article

    def process(self, record):
        return [dataclasses.replace(record, title=record.title + "!")]

    def close(self):
        pass


def shout(settings):
    return Shout()


def mirror(settings):
    return Mirror()
'''


@pytest.fixture
def stage_module(tmp_path, monkeypatch):
    name = f"topology_stages_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(STAGES_MODULE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def page(i: int) -> RawPage:
    url = f"https://example.test/news/{i}"
    return RawPage(url=url, canonical_url=url, outlet="example", fetched_at="2026-12-01T10:00:00+06:00", status=200,
                   headers={}, declared_encoding="utf-8", body=f"title {i}".encode())


def _choices(parser, command: str, dest: str = "stage") -> list[str]:
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return list(next(a for a in sub._actions if a.dest == dest).choices)


def test_the_declared_topology_chains_and_everything_reads_it():
    topology.check()
    names = topology.stage_names()
    assert names == ("clean", "tag", "stories", "notify")
    parser = build_parser()
    assert _choices(parser, "consume") == list(names) == _choices(parser, "dead-letters")
    t = Topics("p.")
    assert [t.stage_io(n) for n in names] == [("p.raw-pages", "p.articles"), ("p.articles", "p.tagged-articles"),
                                              ("p.tagged-articles", "p.alerts"), ("p.alerts", None)]
    assert (t.raw_pages, t.articles, t.tagged, t.alerts) == ("p.raw-pages", "p.articles", "p.tagged-articles",
                                                             "p.alerts")
    assert t.all() == ["p.raw-pages", "p.articles", "p.tagged-articles", "p.alerts", "p.dead-letter.clean",
                       "p.dead-letter.tag", "p.dead-letter.stories", "p.dead-letter.notify"]
    assert [s.name for s in topology.stages() if s.worker] == ["notify"]  # delivery runs beside notify


def test_a_declaration_that_does_not_chain_is_refused():
    broken = (StageSpec("clean", RAW_PAGES, "articles", "m:f"), StageSpec("stories", "tagged-articles", None, "m:f"))
    with pytest.raises(ValueError, match="'stories' reads 'tagged-articles', but the stage before writes 'articles'"):
        topology.check(broken)
    with pytest.raises(ValueError, match="repeat"):
        topology.check((StageSpec("a", RAW_PAGES, "x", "m:f"), StageSpec("a", "x", None, "m:f")))
    with pytest.raises(ValueError, match="unknown stage 'nope'"):
        build_stage("nope", Settings())


def test_a_stage_added_to_the_declaration_is_known_to_the_cli_topics_and_stage_building(stage_module, monkeypatch):
    """Insert "mirror" between tag and stories: only the declaration changes."""
    declared = list(topology.TOPOLOGY)
    at = [s.name for s in declared].index("stories")
    declared[at] = StageSpec("stories", "mirrored-articles", "alerts", declared[at].factory)
    declared.insert(at, StageSpec("mirror", "tagged-articles", "mirrored-articles", f"{stage_module}:mirror"))
    monkeypatch.setattr(topology, "TOPOLOGY", tuple(declared))

    topology.check()
    assert topology.stage_names() == ("clean", "tag", "mirror", "stories", "notify")
    parser = build_parser()
    assert "mirror" in _choices(parser, "consume") and "mirror" in _choices(parser, "dead-letters")
    assert parser.parse_args(["consume", "mirror"]).stage == "mirror"
    t = Topics("p.")
    assert t.stage_io("mirror") == ("p.tagged-articles", "p.mirrored-articles")
    assert t.stage_io("stories") == ("p.mirrored-articles", "p.alerts")
    assert "p.mirrored-articles" in t.all() and "p.dead-letter.mirror" in t.all()
    stage = build_stage("mirror", Settings())
    assert stage.name == "mirror" and type(stage).__module__ == stage_module


def test_both_runners_run_a_newly_declared_topology(stage_module, monkeypatch, tmp_path, kafka_bootstrap):
    from bnwatch.kafka_client import ensure_topics, read_topic
    from consumers.runners.embedded import EmbeddedPipeline
    from consumers.runners.kafka import run_stage

    monkeypatch.setattr(topology, "TOPOLOGY", (
        StageSpec("shout", RAW_PAGES, "articles", f"{stage_module}:shout"),
        StageSpec("mirror", "articles", "mirrored-articles", f"{stage_module}:mirror"),
    ))
    settings = Settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=f"test-{uuid.uuid4().hex[:10]}.",
                        data_dir=tmp_path / "var")

    # embedded: the stages in the declared order, each one's outputs the next one's inputs
    stages = build_stages(settings)
    assert [s.name for s in stages] == ["shout", "mirror"]
    pipeline = EmbeddedPipeline(stages, tmp_path / "dead-letter")
    [article] = pipeline.process(page(1))
    assert isinstance(article, Article) and article.title == "TITLE 1!"

    # Kafka: each stage on the topics the declaration gives it (created from it), through a real broker
    topics = Topics(settings.topic_prefix)
    ensure_topics(settings, topics.all())
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for i in range(5):
        p = page(i)
        producer.send(topics.raw_pages, key=p.key().encode(), value=p.to_json())
    producer.flush()
    producer.close()
    for name in topology.stage_names():
        thread = threading.Thread(target=run_stage, args=(build_stage(name, settings), settings, threading.Event()),
                                  kwargs={"idle_timeout": 2.0}, daemon=True)
        thread.start()
        thread.join(90)
        assert not thread.is_alive(), f"{name} did not finish"
    out = read_topic(kafka_bootstrap, topics.stage_io("mirror")[1], 5, 30, 0.5)
    assert sorted(Article.from_json(m.value).title for m in out) == [f"TITLE {i}!" for i in range(5)]
