"""Topic names. Every topic shares one configurable prefix; dead letters have one topic per stage so an
operator can see at a glance which stage rejected what."""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("clean", "tag", "stories", "notify")


@dataclass(frozen=True)
class Topics:
    prefix: str = "bnwatch."

    @property
    def raw_pages(self) -> str:
        return f"{self.prefix}raw-pages"

    @property
    def articles(self) -> str:
        return f"{self.prefix}articles"

    @property
    def tagged(self) -> str:
        return f"{self.prefix}tagged-articles"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}alerts"

    def dead_letter(self, stage: str) -> str:
        return f"{self.prefix}dead-letter.{stage}"

    def stage_io(self, stage: str) -> tuple[str, str | None]:
        """(input topic, output topic) of a stage; notify writes to subscribers, not to a topic."""
        return {
            "clean": (self.raw_pages, self.articles),
            "tag": (self.articles, self.tagged),
            "stories": (self.tagged, self.alerts),
            "notify": (self.alerts, None),
        }[stage]

    def all(self) -> list[str]:
        return [self.raw_pages, self.articles, self.tagged, self.alerts] + [self.dead_letter(s) for s in STAGES]
