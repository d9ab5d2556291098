"""Stories stage: near-duplicate and same-event grouping of alerted articles, with versioned Alerts."""

from .stage import StoryStage, assign_stories

__all__ = ["StoryStage", "assign_stories"]
