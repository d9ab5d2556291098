"""Build the consumer stages from the configuration, the same way for the Kafka and the embedded runners: each
stage's factory is the dotted path bnwatch/topology.py declares (bnwatch/ does not import consumers/)."""

from __future__ import annotations

import logging

from importlib import import_module
from typing import Any

from bnwatch import topology
from bnwatch.config import Settings


def resolve(path: str):
    """'package.module:callable' -> the callable."""
    module, _, attr = path.partition(":")
    target: Any = import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def build_stage(name: str, settings: Settings, worker: Any = None):
    """The stage `name` of the topology, given its running worker when it has one (see start_workers)."""
    factory = resolve(topology.stage(name).factory)
    return factory(settings) if worker is None else factory(settings, worker=worker)


def build_stages(settings: Settings, names: tuple[str, ...] | None = None, workers: dict | None = None) -> list:
    """The stages in pipeline order (all of them unless `names`)."""
    workers = workers or {}
    return [build_stage(n, settings, workers.get(n)) for n in (names if names is not None else topology.stage_names())]


def start_workers(settings: Settings, names: tuple[str, ...] | None = None) -> dict:
    """Start the workers that run beside the named stages (all by default): {stage name: worker}. The caller
    closes them after their stages."""
    wanted = names if names is not None else topology.stage_names()
    workers: dict = {}
    try:
        for spec in topology.stages():
            if spec.worker and spec.name in wanted:
                workers[spec.name] = resolve(spec.worker)(settings)
    except BaseException:
        close_workers(workers)
        raise
    return workers


def close_workers(workers: dict, last_pass: float | None = None) -> None:
    """Close the workers; with `last_pass` (seconds), a delivery worker first makes one bounded pass over what is
    due, so a one-shot run does not end with deliveries it could have made still waiting in the outbox."""
    for worker in workers.values():
        if last_pass is not None and hasattr(worker, "dispatch_due"):
            try:
                worker.dispatch_due(wait=last_pass)
            except Exception:  # noqa: BLE001 - closing must go on; what is left waits in the outbox
                logging.getLogger(__name__).exception("last delivery pass failed; pending deliveries stay queued")
        worker.close()
