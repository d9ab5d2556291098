"""Topic names. Every topic shares one configurable prefix; dead letters have one topic per stage so an
operator can see at a glance which stage rejected what. Which topics exist comes from bnwatch/topology.py."""

from __future__ import annotations

from dataclasses import dataclass

from bnwatch import topology

#: the stage names at import time (metrics' series); code that must see a changed declaration calls
#: topology.stage_names()
STAGES = topology.stage_names()


@dataclass(frozen=True)
class Topics:
    prefix: str = "bnwatch."

    def topic(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"

    @property
    def raw_pages(self) -> str:
        return self.topic(topology.RAW_PAGES)

    @property
    def articles(self) -> str:
        return self.topic(topology.stage("clean").output)

    @property
    def tagged(self) -> str:
        return self.topic(topology.stage("tag").output)

    @property
    def alerts(self) -> str:
        return self.topic(topology.stage("stories").output)

    def dead_letter(self, stage: str) -> str:
        """Of a stage, or of the crawler ("crawl": pages too big to publish)."""
        return self.topic(f"dead-letter.{stage}")

    def stage_io(self, stage: str) -> tuple[str, str | None]:
        """(input topic, output topic) of a stage; None when its outputs leave the pipeline (notify)."""
        spec = topology.stage(stage)
        return self.topic(spec.input), (self.topic(spec.output) if spec.output else None)

    def all(self) -> list[str]:
        return [self.topic(s) for s in topology.topic_suffixes()]
