"""What extraction returns: the article's fields and how they were found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .decode import DecodeResult


@dataclass
class Extraction:
    """Text fields (title, paragraphs, authors, section, credited_source) are folded (bnwatch.textnorm.fold) and
    trimmed: the clean stage stores them as they are (tests/bnwatch/test_extraction_folded.py holds it)."""

    url: str | None
    canonical_url: str | None
    outlet: str | None
    title: str
    paragraphs: list[str]
    published_at: str | None = None
    updated_at: str | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    credited_source: str | None = None
    language: str = "bn"
    method: str = "selectors"  # selectors | jsonld | trafilatura: where the body came from
    decode: DecodeResult | None = None
    #: 1.0, or 0.5 when the date line's Bangla-calendar date disagrees with its Gregorian date by more than a day
    date_confidence: float = 1.0

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def as_dict(self) -> dict[str, Any]:
        """The `bnwatch extract` JSON object (DESIGN.md)."""
        return {
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "body": self.body,
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "authors": list(self.authors),
            "section": self.section,
            "credited_source": self.credited_source,
            "language": self.language,
        }
