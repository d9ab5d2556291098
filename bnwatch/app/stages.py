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

        return TagStage(rules=settings.rules_file)
    if name == "stories":
        from consumers.stories import StoryStage

        return StoryStage(settings.data_dir / "stories" / "stories.sqlite3")
    if name == "notify":
        from bnwatch.app.checks import subscriber_references
        from consumers.notify.stage import NotifyStage

        return NotifyStage.from_settings(settings, validate_subscribers=subscriber_references(settings))
    raise ValueError(f"unknown stage {name!r}; expected one of {STAGES}")


def build_stages(settings: Settings, names: tuple[str, ...] = STAGES) -> list:
    return [build_stage(n, settings) for n in names]
