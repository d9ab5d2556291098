"""What every stage is: a plain object with `process(record) -> list[record]` and no Kafka inside.

Three outcomes, each counted by the runner:
- return records (possibly none): the record was handled (`ok`);
- raise `Drop(reason)`: handled, deliberately produces nothing and is not an error (`dropped`), e.g. a page that
  is not an article;
- raise anything else: the record is `failed` and goes to the stage's dead-letter topic with the error, and the
  stage goes on with the next record.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bnwatch.records import Record


class Drop(Exception):
    """The record needs no output and is not an error (e.g. "not an article: section front")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class Stage(Protocol):
    #: short name used in metrics, consumer-group ids and dead-letter topic names
    name: str
    #: the record type the stage consumes (its runner decodes the input with `input_type.from_json`)
    input_type: type[Record]

    def process(self, record: Record) -> list[Record]: ...

    def close(self) -> None: ...
