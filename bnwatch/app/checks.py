"""Start-up checks of what the configuration points at: outlet files, data dir, rules, subscribers, outbox.

`Settings.from_env()` already checked every variable's form; this checks what needs the filesystem and both
sides of the project (a subscriber's rules and outlets must exist), which is why it lives in bnwatch/app/ (the
one layer allowed to import the crawler's and the consumers' modules). Each problem is one line naming the
variable or file and what is wrong.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from bnwatch.config import ConfigError, Settings

#: what each command reads before it starts (consume: by stage)
_NEEDS = {
    "run": ("outlets", "data", "rules", "subscribers", "store"),
    "demo": ("outlets", "rules"),
    "crawl": ("outlets", "data"),
    "consume clean": ("outlets",),
    "consume tag": ("rules",),
    "consume stories": ("outlets", "data"),
    "consume notify": ("outlets", "data", "rules", "subscribers", "store"),
    "deliver": ("outlets", "data", "rules", "subscribers", "store"),
    "subscribers": ("outlets", "rules", "subscribers"),
    "config": ("outlets", "data", "rules", "subscribers", "store"),
}


def _shown(settings_value, env_name: str) -> str:
    return f"{env_name}={str(settings_value)!r}" if os.environ.get(env_name) else str(settings_value)


def load_registry(settings: Settings):
    """The outlet registry the command will use, or ConfigError naming the directory or the bad file."""
    from bnwatch.outlets import OutletError, Registry

    directory = Path(settings.outlets_dir)
    if not directory.is_dir():
        raise ConfigError(f"{_shown(directory, 'BNWATCH_OUTLETS_DIR')}: no such directory (the outlet registry)")
    try:
        return Registry.load(directory)
    except OutletError as exc:
        raise ConfigError(str(exc)) from None


def check_outlet_names(wanted: str | None, registry) -> None:
    """`--outlets a,b`: every name a known outlet id (the nearest one suggested), or `all`."""
    names = [o.strip() for o in str(wanted or "all").split(",") if o.strip()]
    if names in ([], ["all"]):
        return
    known = sorted(o.id for o in registry)
    for name in names:
        if name not in registry:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f" ({len(known)} outlets in {_outlets_dir()})"
            raise ConfigError(f"--outlets: unknown outlet {name!r}{hint}")


def _outlets_dir() -> str:
    return os.environ.get("BNWATCH_OUTLETS_DIR") or "crawler/outlets/"


def check_writable_dir(directory: Path, label: str) -> None:
    """The directory exists or can be created, and a file can be written in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise ConfigError(f"{label}: cannot create or write there: {exc.strerror or exc}") from None


def rule_names(settings: Settings) -> list[str]:
    """The watch rules the tag stage will run: the default ru-nk plus those of BNWATCH_RULES_FILE."""
    from consumers.tag.rules import DEFAULT_RULE, load_rules

    if settings.rules_file is None:
        return [DEFAULT_RULE]
    label = f"BNWATCH_RULES_FILE={str(settings.rules_file)!r}"
    if not Path(settings.rules_file).is_file():
        raise ConfigError(f"{label}: no such file")
    try:
        return [r.name for r in load_rules(settings.rules_file)]
    except Exception as exc:  # noqa: BLE001 - YAML errors, bad specs: one line naming the file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{label}: {first}") from None


def subscriber_references(settings: Settings) -> Callable:
    """For the notify stage's reloads: a changed subscribers file naming an unknown rule or outlet is refused (the
    previous subscribers stay) like a file that does not parse. Rules and outlets are those of start-up."""
    from consumers.notify.subscriptions import check_references

    rules, outlets = rule_names(settings), [o.id for o in load_registry(settings)]
    return lambda subscribers, source: check_references(subscribers, rules, outlets, source)


def check_subscribers(path: Path, rules: Iterable[str], outlets: Iterable[str]) -> None:
    from consumers.notify.subscriptions import SubscriptionError, check_references, load_subscribers

    if not Path(path).is_file():
        raise ConfigError(f"{_shown(path, 'BNWATCH_SUBSCRIBERS')}: no such file (the subscribers)")
    try:
        check_references(load_subscribers(path), rules, outlets, str(path))
    except SubscriptionError as exc:
        raise ConfigError(" ".join(str(exc).split("\n"))) from None


def _checks(settings: Settings, command: str, outlets: str | None,
            subscribers_file: Path | None) -> Iterable[Callable[[], None]]:
    needs = _NEEDS.get(command, ())
    state: dict = {}

    def registry():
        if "registry" not in state:
            state["registry"] = load_registry(settings)
        return state["registry"]

    def rules():
        if "rules" not in state:
            state["rules"] = rule_names(settings)
        return state["rules"]

    if "outlets" in needs:
        yield registry
        yield lambda: check_outlet_names(outlets, registry())
    if "data" in needs:
        yield lambda: check_writable_dir(Path(settings.data_dir), _shown(settings.data_dir, "BNWATCH_DATA_DIR"))
    if "rules" in needs:
        yield rules
    if "subscribers" in needs:
        yield lambda: check_subscribers(subscribers_file or settings.subscribers_file, rules(),
                                        [o.id for o in registry()])
    if "store" in needs and settings.delivery_store and "://" not in settings.delivery_store:
        yield lambda: check_writable_dir(Path(settings.delivery_store).parent, "BNWATCH_DELIVERY_STORE")


def problems(settings: Settings, command: str, *, outlets: str | None = None,
             subscribers_file: Path | None = None) -> list[str]:
    """Every problem found, one line each (a check that depends on a failed one is not repeated)."""
    found: list[str] = []
    for run_check in _checks(settings, command, outlets, subscribers_file):
        try:
            run_check()
        except ConfigError as exc:
            if str(exc) not in found:
                found.append(str(exc))
    return found


def check(settings: Settings, command: str, *, outlets: str | None = None,
          subscribers_file: Path | None = None) -> None:
    """Raise ConfigError at the first problem of what `command` will read (see `_NEEDS`)."""
    for run_check in _checks(settings, command, outlets, subscribers_file):
        run_check()
