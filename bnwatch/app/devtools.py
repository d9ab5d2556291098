"""The development package (devtools/: the outlet replay, the local Kafka broker) as the CLI reaches it.

An installed wheel does not carry devtools/, so `bnwatch replay`, `demo` and `kafka` say so in one line instead
of a traceback; run from a checkout (a console script has the product packages mapped, not the checkout on
sys.path), the checkout is added to the path."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

#: the repository, when bnwatch runs from a checkout (an editable install maps only the product's packages)
CHECKOUT = Path(__file__).resolve().parents[2]


class ReplayMissing(RuntimeError):
    """The development package with the outlet replay is not importable here (an installed wheel)."""


def dev_module(name: str):
    """A module of the development package (devtools.…), or None when this installation does not carry it. A
    console script run from a checkout does not have the checkout on sys.path: it is added then."""
    parents = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
    for attempt in range(2):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in parents:
                raise  # the tool itself is broken: a bug to see, not a missing tool
            if attempt or not (CHECKOUT / "devtools" / "__init__.py").is_file() or str(CHECKOUT) in sys.path:
                return None
            sys.path.append(str(CHECKOUT))
    return None


def kafka_local():
    """devtools.kafka_local (LocalKafka, `bnwatch kafka`), or None."""
    return dev_module("devtools.kafka_local")


def replay_server_class():
    """devtools.replay.server.ReplayServer, or ReplayMissing saying where it lives."""
    server = dev_module("devtools.replay.server")
    if server is None:
        raise ReplayMissing("the outlet replay (devtools/replay) is a development tool that this installation "
                            "does not carry: run it from a checkout of the repository")
    return server.ReplayServer
