"""Tag stage: gazetteer matching (Bengali-aware boundaries and suffixes) and watch rules."""

from .stage import TagStage, classify

__all__ = ["TagStage", "classify"]
