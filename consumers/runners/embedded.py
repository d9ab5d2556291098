"""The embedded runner: the same stages as in Kafka mode, wired by an in-process queue in one process.

Used by `bnwatch run` and `bnwatch demo` when no Kafka is configured. A submitted record flows through the
stages in the order given (bnwatch/topology.py's, from bnwatch/app/stages.build_stages); each stage's outputs are
the next stage's inputs, and a stage's worker (notify's delivery) runs on its own thread, started by the caller.
Outcomes are decided and counted by consumers/stage.py, as in the Kafka runner, and a record a stage cannot handle is appended to that stage's dead-letter file
(<dead_letter_dir>/<stage>.jsonl) while the pipeline goes on: the record whole when its JSON is at most
`dead_letter_max_bytes`, else kept beside as <dead_letter_dir>/<stage>/<sha256>.bin (named in the line), with the
error text and traceback tail bounded, so one huge page never makes a line of tens of megabytes. `done` is called
once a record has gone all the way through, so the crawler marks a page published only when it has really been
processed.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from bnwatch import metrics
from bnwatch.records import Record
from bnwatch.dead_letters import KAFKA_DEFAULT_MAX_MESSAGE_BYTES, bounded_error, keep_original
from consumers.stage import Stage, count, handle

logger = logging.getLogger(__name__)
Done = Callable[[BaseException | None], None]


class EmbeddedPipeline:
    def __init__(self, stages: list[Stage], dead_letter_dir: str | Path,
                 dead_letter_max_bytes: int = KAFKA_DEFAULT_MAX_MESSAGE_BYTES):
        self.stages = stages
        for stage in stages:
            metrics.start_stage_series(stage.name)
        self.dead_letter_dir = Path(dead_letter_dir)
        self.dead_letter_dir.mkdir(parents=True, exist_ok=True)
        self.dead_letter_max_bytes = dead_letter_max_bytes
        self._queue: queue.Queue[tuple[Record, Done | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._pending_lock = threading.Condition()

    # -- feeding -------------------------------------------------------------------------------------------------

    def submit(self, record: Record, done: Done | None = None) -> None:
        with self._pending_lock:
            self._pending += 1
        self._queue.put((record, done))

    def start(self) -> "EmbeddedPipeline":
        self._thread = threading.Thread(target=self._loop, name="bnwatch-embedded", daemon=True)
        self._thread.start()
        return self

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted record went through; True if drained in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._pending_lock:
            while self._pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._pending_lock.wait(remaining)
        return True

    def stop(self, timeout: float = 30.0) -> None:
        self.drain(timeout)
        self._queue.put(None)
        if self._thread:
            self._thread.join(timeout)
        for stage in self.stages:
            close = getattr(stage, "close", None)
            if close:
                close()

    # -- processing ----------------------------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            record, done = item
            error = None
            try:
                self.process(record)
            except BaseException as exc:  # never let one record stop the pipeline
                error = exc
                logger.exception("embedded pipeline failed on %s", getattr(record, "url", record))
            finally:
                if done is not None:
                    try:
                        done(error)
                    except Exception:
                        logger.exception("done callback failed")
                with self._pending_lock:
                    self._pending -= 1
                    self._pending_lock.notify_all()

    def process(self, record: Record) -> list[Record]:
        """Run one record through every stage; returns the last stage's outputs."""
        batch = [record]
        for stage in self.stages:
            outputs: list[Record] = []
            for rec in batch:
                outputs.extend(self._run_stage(stage, rec))
            batch = outputs
            if not batch:
                break
        return batch

    def _run_stage(self, stage: Stage, record: Record) -> list[Record]:
        handled = handle(stage, record)
        if handled.error is not None:
            self._dead_letter(stage.name, record, handled.error)
        count(stage.name, {handled.outcome: 1})
        return handled.outputs

    def _dead_letter(self, stage: str, record: Record, exc: BaseException) -> None:
        error, tb = bounded_error(exc)
        entry = {
            "stage": stage,
            "error_type": type(exc).__name__,
            "error": error,
            "traceback": tb,
            "at": datetime.now(timezone.utc).isoformat(),
        }
        value = record.to_json()
        if len(value) <= self.dead_letter_max_bytes:
            entry["record"] = json.loads(value)
        else:  # the record beside the line, by hash, whole
            digest = keep_original(self.dead_letter_dir / stage, value)
            entry.update(record_file=f"{stage}/{digest}.bin", record_sha256=digest, record_size=len(value))
        logger.warning("%s: dead letter (%s: %s)", stage, type(exc).__name__, error[:200])
        with (self.dead_letter_dir / f"{stage}.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
