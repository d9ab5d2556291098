"""The stage topology, declared once: which stages exist, in which order, what each reads and writes, and what
builds it. topics.py, the CLI's stage choices, bnwatch/app/stages.py and both runners read it, so a new stage is
one more entry here (model: Media Cloud's story-indexer, whose pipeline is one declaration).

Topic names here are suffixes; `Topics(prefix)` puts the configurable prefix in front. A factory is a dotted path
`module:callable` taking the Settings (bnwatch/ never imports consumers/: bnwatch/app resolves it at run time).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the crawler's output, the first stage's input
RAW_PAGES = "raw-pages"


@dataclass(frozen=True)
class StageSpec:
    name: str
    #: topic suffix the stage consumes
    input: str
    #: topic suffix it produces to; None for a stage whose outputs leave the pipeline (notify: subscribers)
    output: str | None
    #: "module:callable" called with the Settings (and `worker=` when the stage has one) to build the stage
    factory: str
    #: "module:callable" called with the Settings to start a worker that runs beside the stage and apart from it
    #: (notify: the DeliveryWorker, which sends what the stage enqueues); it has close()
    worker: str | None = None

    @property
    def dead_letter(self) -> str:
        return f"dead-letter.{self.name}"


TOPOLOGY: tuple[StageSpec, ...] = (
    StageSpec("clean", RAW_PAGES, "articles", "consumers.factories:clean"),
    StageSpec("tag", "articles", "tagged-articles", "consumers.factories:tag"),
    StageSpec("stories", "tagged-articles", "alerts", "consumers.factories:stories"),
    StageSpec("notify", "alerts", None, "consumers.factories:notify", worker="consumers.factories:delivery"),
)


def stages() -> tuple[StageSpec, ...]:
    """The stages in pipeline order (read at call time, so a changed declaration is seen everywhere)."""
    return TOPOLOGY


def stage_names() -> tuple[str, ...]:
    return tuple(s.name for s in TOPOLOGY)


def stage(name: str) -> StageSpec:
    for spec in TOPOLOGY:
        if spec.name == name:
            return spec
    raise ValueError(f"unknown stage {name!r}; expected one of {', '.join(stage_names())}")


def topic_suffixes() -> list[str]:
    """Every data topic in pipeline order (each once), then one dead-letter topic per stage."""
    data: list[str] = []
    for spec in TOPOLOGY:
        for t in (spec.input, spec.output):
            if t is not None and t not in data:
                data.append(t)
    return data + [s.dead_letter for s in TOPOLOGY]


def check(topology: tuple[StageSpec, ...] | None = None) -> None:
    """A declaration the embedded runner can chain: unique names, the first stage reads the raw pages and each
    next stage reads what the one before writes. Raises ValueError naming the first problem."""
    specs = TOPOLOGY if topology is None else topology
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"stage names repeat: {names}")
    previous = RAW_PAGES
    for spec in specs:
        if spec.input != previous:
            raise ValueError(f"stage {spec.name!r} reads {spec.input!r}, but the stage before writes {previous!r}")
        for path in (spec.factory, spec.worker):
            if path is not None and ":" not in path:
                raise ValueError(f"stage {spec.name!r}: {path!r} is not 'module:callable'")
        previous = spec.output
