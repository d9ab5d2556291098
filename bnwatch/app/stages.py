"""Build the consumer stages from the configuration, the same way for the Kafka and the embedded runners."""

from __future__ import annotations

from bnwatch.config import Settings
from bnwatch.topics import STAGES


def build_stage(name: str, settings: Settings):
    if name == "clean":
        from consumers.clean.stage import CleanStage

        return CleanStage()
    if name == "tag":
        from consumers.tag.stage import TagStage

        return TagStage(rules_file=settings.rules_file)
    if name == "stories":
        from consumers.stories import StoryStage

        return StoryStage(settings.data_dir / "stories.sqlite")
    if name == "notify":
        from consumers.notify.stage import build_notify_stage

        return build_notify_stage(settings.subscribers_file, settings.data_dir / "deliveries.sqlite")
    raise ValueError(f"unknown stage {name!r}; expected one of {STAGES}")


def build_stages(settings: Settings, names: tuple[str, ...] = STAGES) -> list:
    return [build_stage(n, settings) for n in names]
