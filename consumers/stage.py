"""What every stage is: a plain object with `process(record) -> list[record]` and no Kafka inside.

Three outcomes, each counted the same way by both runners (`handle` and `count` below):
- return records (possibly none): the record was handled (`ok`);
- raise `Drop(reason)`: handled, deliberately produces nothing and is not an error (`dropped`), e.g. a page that
  is not an article;
- raise anything else: the record is `failed` and goes to the stage's dead-letter topic with the error, and the
  stage goes on with the next record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bnwatch import metrics
from bnwatch.records import Record

log = logging.getLogger(__name__)


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


# -- what both runners do with one record (Kafka: consumers/runners/kafka.py, in-process: embedded.py) ------------

OK, DROPPED, FAILED = "ok", "dropped", "failed"


@dataclass
class Handled:
    """One record through one stage: its outcome, its outputs (ok), or the error that sends it to dead letters."""

    outcome: str
    outputs: list[Record] = field(default_factory=list)
    error: BaseException | None = None


def handle(stage: Stage, record: Record | bytes | None, what: str = "", *, decode: bool = False) -> Handled:
    """Process one record (`decode`: a message value, read with `stage.input_type.from_json`, so a poison message
    fails like a stage error), timed in `bnwatch_stage_processing_seconds`. Never raises an Exception: the
    outcome says what happened. `what` names the record in the debug line of a drop."""
    began = time.perf_counter()
    try:
        if decode:
            record = stage.input_type.from_json(record)
        return Handled(OK, list(stage.process(record) or ()))
    except Drop as drop:
        log.debug("%s: dropped %s: %s", stage.name, what or getattr(record, "url", ""), drop.reason)
        return Handled(DROPPED)
    except Exception as exc:  # RecordError (poison message) or a bug in the stage: dead letter, go on
        return Handled(FAILED, error=exc)
    finally:
        metrics.stage_duration.labels(stage.name).observe(time.perf_counter() - began)


def count(stage_name: str, outcomes: Mapping[str, int]) -> None:
    """Count finished records by outcome (`bnwatch_records_processed_total`) and the failed ones as dead letters.
    The Kafka runner calls it once a batch is committed, the embedded runner per record."""
    for outcome, n in outcomes.items():
        if n:
            metrics.records_processed.labels(stage_name, outcome).inc(n)
    if outcomes.get(FAILED):
        metrics.dead_letters.labels(stage_name).inc(outcomes[FAILED])
