"""`bnwatch`: the one console command. Sub-commands are the stable interface other tools call (DESIGN.md).

The CLI sits on top: it imports the crawler and the consumers and wires them; nothing imports it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from bnwatch import logs
from bnwatch.config import Settings

LOG_LEVELS, LOG_FORMATS = logs.LEVELS, logs.FORMATS


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# -- extract / classify / stories ---------------------------------------------------------------------------------


def _read_input(path: str) -> tuple[str, list[str], str | None, dict | None]:
    """(title, paragraphs, published_at, extracted) from an HTML page (cleaned first) or a .txt article."""
    from bnwatch.app.inputs import read_article

    return tuple(read_article(path))


def _input_failed(command: str, path: str, exc: Exception) -> None:
    """One stderr line per bad input; the command goes on with the rest and exits 1 at the end."""
    sys.stderr.write(f"bnwatch {command}: {path}: {exc}\n")
    sys.stderr.flush()


def cmd_extract(args) -> int:
    from bnwatch.app.inputs import InputError, decode, read_bytes
    from bnwatch.extract import NotAnArticle, extract_page

    try:
        text = decode(read_bytes(args.page))
    except InputError as exc:
        _input_failed("extract", args.page, exc)
        return 1
    try:
        result = extract_page(text, url=args.url, outlet=args.outlet)
    except NotAnArticle as exc:
        sys.stderr.write(f"bnwatch extract: not an article: {exc}\n")
        return 3
    _print_json(result)
    return 0


def cmd_classify(args) -> int:
    from bnwatch.app.inputs import InputError
    from consumers.tag.stage import classify

    failed = 0
    for path in args.files:
        try:
            title, paragraphs, _published, _ = _read_input(path)
        except InputError as exc:
            _input_failed("classify", path, exc)
            failed += 1
            continue
        result = classify(title, paragraphs)
        _print_json({"input": path, "alert": bool(result["alert"]), "score": result["score"],
                     "entities": result["entities"]})
    return 1 if failed else 0


def cmd_stories(args) -> int:
    from bnwatch.app.inputs import InputError
    from consumers.stories import assign_stories

    items = []
    failed = 0
    for path in args.files:
        try:
            title, paragraphs, published, _ = _read_input(path)
        except InputError as exc:
            _input_failed("stories", path, exc)
            failed += 1
            continue
        items.append((path, title, paragraphs, published))
    for name, story in assign_stories(items):
        _print_json({"input": name, "story": story})
    return 1 if failed else 0


# -- kafka / replay ----------------------------------------------------------------------------------------------


def cmd_kafka(args) -> int:
    from bnwatch.app.devtools import kafka_local

    tool = kafka_local()
    if tool is None:
        sys.stderr.write("bnwatch kafka: the local development broker (devtools/kafka_local.py) is not part of this "
                         "installation; use a real Kafka broker: set BNWATCH_KAFKA_BOOTSTRAP\n")
        return 2
    return tool.kafka_command(args.action, port=args.port)


def cmd_replay(args) -> int:
    from bnwatch.app.devtools import ReplayMissing, replay_server_class

    try:
        ReplayServer = replay_server_class()
    except ReplayMissing as exc:
        sys.stderr.write(f"bnwatch replay: {exc}\n")
        return 2
    server = ReplayServer(port=args.port)
    server.start()
    print(f"outlet replay on http://127.0.0.1:{server.port}/ (set BNWATCH_REPLAY_HOSTS='*=127.0.0.1:{server.port}')",
          flush=True)
    stop = threading.Event()
    _install_stop(stop)
    stop.wait()
    server.stop()
    return 0


# -- run / demo / crawl / consume ----------------------------------------------------------------------------------


def _install_stop(stop: threading.Event) -> None:
    def handler(signum, _frame):
        logging.getLogger("bnwatch").info("signal %s: stopping", signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, handler)
        except ValueError:  # not in the main thread
            pass


def cmd_run(args, settings: Settings | None = None) -> int:
    from bnwatch.app import pipeline

    settings = settings or Settings.from_env()
    if args.metrics_port is not None:
        settings = settings.with_(metrics_port=args.metrics_port)
    return pipeline.run(settings, outlets=args.outlets, follow=not args.once, poll_interval=args.poll_interval,
                        poll_bounds=_poll_bounds(args))


def cmd_demo(args) -> int:
    from bnwatch.app import demo
    from bnwatch.app.devtools import ReplayMissing

    try:
        return demo.run_demo(timeout=args.timeout, metrics_port=args.metrics_port, keep_data=args.data_dir)
    except ReplayMissing as exc:
        sys.stderr.write(f"bnwatch demo: {exc}\n")
        return 2


def cmd_crawl(args) -> int:
    from bnwatch.app import pipeline

    settings = Settings.from_env()
    if args.metrics_port is not None:
        settings = settings.with_(metrics_port=args.metrics_port)
    return pipeline.crawl(settings, outlets=args.outlets, follow=args.follow, poll_interval=args.poll_interval,
                          poll_bounds=_poll_bounds(args), scale_out=args.scale_out)


def _poll_bounds(args) -> tuple | None:
    lo, hi = getattr(args, "poll_min_interval", None), getattr(args, "poll_max_interval", None)
    return None if lo is None and hi is None else (lo, hi)


def cmd_consume(args) -> int:
    from bnwatch.app import pipeline

    settings = Settings.from_env()
    if args.metrics_port is not None:
        settings = settings.with_(metrics_port=args.metrics_port)
    return pipeline.consume(settings, args.stage)


def cmd_deliver(args) -> int:
    from bnwatch.app import pipeline

    settings = Settings.from_env()
    if args.metrics_port is not None:
        settings = settings.with_(metrics_port=args.metrics_port)
    return pipeline.deliver(settings)


def cmd_dead_letters(args) -> int:
    """`bnwatch dead-letters replay STAGE`: every dead letter of STAGE back to the topic it came from, originals
    whole (from the data dir when the record names a file): consumers/runners/dead_letter_replay.py."""
    from kafka.errors import KafkaError

    from bnwatch.config import ConfigError
    from bnwatch.topics import Topics
    from consumers.runners.dead_letter_replay import replay_dead_letters

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        sys.stderr.write(f"bnwatch: {exc}\n")
        return 2
    if not settings.kafka_bootstrap:
        sys.stderr.write("bnwatch dead-letters: no Kafka configured (BNWATCH_KAFKA_BOOTSTRAP); embedded dead letters "
                         f"are files under {settings.data_dir / 'dead-letter'}\n")
        return 2
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    try:
        report = replay_dead_letters(settings, Topics(settings.topic_prefix), args.stage, data_dir)
    except (KafkaError, TimeoutError) as exc:
        sys.stderr.write(f"bnwatch dead-letters: {type(exc).__name__}: {exc}\n")
        return 1
    for problem in report.problems:
        sys.stderr.write(f"bnwatch dead-letters: {problem}\n")
    print(f"replayed {report.replayed} dead letters of {args.stage} ({report.from_files} originals read from "
          f"{data_dir}); {len(report.problems)} not replayed")
    return 1 if report.problems else 0


# -- outlets -------------------------------------------------------------------------------------------------------


def cmd_outlets(args) -> int:
    """`bnwatch outlets check`: the canary (bnwatch/app/canary.py)."""
    from bnwatch.app import canary

    return canary.run(args.outlet, replay=args.replay, limit=args.limit, as_json=args.json, textfile=args.textfile,
                      metrics_port=args.metrics_port)


# -- subscribers ---------------------------------------------------------------------------------------------------


def _subscribers_file(args) -> Path:
    return Path(args.file) if args.file else Settings.from_env().subscribers_file


def _outbox(args) -> str | Path:
    """The outbox to open: --store, else the SQLite file under --data-dir, else BNWATCH_DELIVERY_STORE (a path or
    a postgresql:// URL), else the SQLite file under BNWATCH_DATA_DIR."""
    from consumers.notify.store import default_target, store_target

    if getattr(args, "store", None):
        return args.store
    if args.data_dir:
        return default_target(args.data_dir)
    return store_target(Settings.from_env())


def _open_existing_outbox(target: str | Path):
    """The outbox, or None after saying why on stderr. A SQLite file must exist already: a mistyped path must not
    create (and replay into, or serve) an empty outbox."""
    from consumers.notify.store import StoreError, is_postgres, open_store

    if not is_postgres(target) and not Path(target).exists():
        sys.stderr.write(f"bnwatch subscribers: no outbox at {target}\n")
        return None
    try:
        return open_store(target)
    except StoreError as exc:
        sys.stderr.write(f"bnwatch subscribers: {exc}\n")
        return None


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def cmd_subscribers(args) -> int:
    from consumers.notify.subscriptions import SubscriptionError, load_subscribers

    if args.action == "replay-parked":
        from consumers.notify.worker import replay_parked
        from consumers.notify.store import redact

        target = _outbox(args)
        store = _open_existing_outbox(target)
        if store is None:
            return 2
        try:
            n = replay_parked(store, subscriber=args.subscriber, story_id=args.story)
        finally:
            store.close()
        print(f"requeued {n} parked deliver{'y' if n == 1 else 'ies'} in {redact(target)}; the running notifier sends"
              " them on its next pass")
        return 0
    try:
        subs = load_subscribers(_subscribers_file(args))
    except SubscriptionError as exc:
        sys.stderr.write(f"bnwatch subscribers: {exc}\n")
        return 2
    if args.action == "list":
        rows = [["NAME", "ENABLED", "RULES", "MIN_SCORE", "OUTLETS", "MODE", "QUIET_HOURS", "CHANNELS"]]
        for sub in subs:
            mode = sub.mode if sub.mode == "instant" else f"digest {sub.digest}" + (
                f" {sub.digest_time}" if sub.digest == "daily" else "")
            quiet = f"{sub.quiet_hours} {sub.timezone}" if sub.quiet_hours else "-"
            channels = "; ".join(f"{c.type}:{c.id} → {c.describe()}" for c in sub.channels)
            rows.append([sub.name, "yes" if sub.enabled else "no", ",".join(sub.rules), f"{sub.min_score:g}",
                         ",".join(sorted(sub.outlets)) if sub.outlets else "*", mode, quiet, channels])
        print(_table(rows))
        return 0
    if args.action == "feeds":
        from consumers.notify.channels.atom import FeedServer
        from consumers.notify.subscriptions import Subscriptions

        store = _open_existing_outbox(_outbox(args))
        if store is None:
            return 2
        env = Settings.from_env()
        host = args.host or env.feeds_addr
        port = args.port if args.port is not None else (env.feeds_port if env.feeds_port is not None else 8790)
        server = FeedServer(store, Subscriptions(_subscribers_file(args)), host=host, port=port).start()
        print(f"feeds on {server.base_url}/feeds/rules/<rule>.atom and /feeds/subscribers/<name>.atom", flush=True)
        stop = threading.Event()
        _install_stop(stop)
        stop.wait()
        server.stop()
        store.close()
        return 0
    # test NAME
    import uuid

    from consumers.notify.channels import FAILED, Message, default_senders
    from bnwatch.redaction import channel_secrets, one_line, redact_text
    from consumers.notify.sample import sample_alert
    from consumers.notify.text import render

    sub = next((s for s in subs if s.name == args.name), None)
    if sub is None:
        sys.stderr.write(f"bnwatch subscribers: no subscriber named {args.name!r}\n")
        return 2
    senders = default_senders()
    alert, doc = sample_alert()
    rows = [["CHANNEL", "TYPE", "OUTCOME", "STATUS", "DETAIL"]]
    ok = True
    for ch in sub.channels:
        if ch.pull:
            rows.append([ch.id, ch.type, "skipped", "-", "a feed: readers pull it (bnwatch subscribers feeds)"])
            continue
        message = Message(f"msg_test_{uuid.uuid4().hex[:24]}", alert, render(doc), sub.name, doc=doc)
        try:
            res = senders[ch.type].send(message, ch)
            outcome, status, detail = res.outcome, res.status, res.error or ""
        except Exception as exc:  # noqa: BLE001 - report, do not crash the operator's command
            outcome, status, detail = FAILED, None, f"{type(exc).__name__}: {exc}"
        detail = one_line(redact_text(detail, channel_secrets(ch))) or ""  # endpoints echo requests: paths, tokens
        ok = ok and outcome == "delivered"
        rows.append([ch.id, ch.type, outcome, str(status) if status is not None else "-", detail])
    print(f"test alert to {sub.name}:")
    print(_table(rows))
    return 0 if ok else 1


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ≥ 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    from bnwatch import topology

    p = argparse.ArgumentParser(prog="bnwatch", description="Streaming monitor of Bengali-language news")
    p.add_argument("-v", "--verbose", action="store_true", help="the same as --log-level DEBUG")
    p.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS,
                   default=(os.environ.get("BNWATCH_LOG_LEVEL") or "INFO").upper(),
                   help="default: BNWATCH_LOG_LEVEL, else INFO (libraries speak from WARNING up unless DEBUG)")
    p.add_argument("--log-format", choices=LOG_FORMATS, default=os.environ.get("BNWATCH_LOG_FORMAT") or "text",
                   help="text, or json: one JSON object a line (default: BNWATCH_LOG_FORMAT, else text)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("run", help="the main job: crawl, clean, tag, alert (embedded unless Kafka is configured)")
    s.add_argument("--outlets", default="all")
    s.add_argument("--once", action="store_true", help="one crawl pass, process everything, then stop")
    s.add_argument("--poll-interval", type=float, default=None)
    s.add_argument("--poll-min-interval", type=float, default=None, help="shortest adaptive poll interval (s)")
    s.add_argument("--poll-max-interval", type=float, default=None, help="longest adaptive poll interval (s)")
    s.add_argument("--metrics-port", type=int, default=None)
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("demo", help="the main job against the outlet replay, offline; prints alerts, stops by itself")
    s.add_argument("--timeout", type=float, default=90.0)
    s.add_argument("--metrics-port", type=int, default=None)
    s.add_argument("--data-dir", default=None, help="keep the demo's data here instead of a temporary directory")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("crawl", help="run the crawler (publishes RawPages to Kafka when configured)")
    s.add_argument("--outlets", default="all")
    s.add_argument("--follow", action="store_true", help="keep polling discovery sources")
    s.add_argument("--scale-out", action="store_true",
                   help="with --follow and Kafka: share the outlets with the other --scale-out instances (Kafka "
                        "consumer group <prefix>crawler); an instance that dies has its outlets taken over")
    s.add_argument("--poll-interval", type=float, default=None,
                   help="start interval of every discovery source (s); it adapts within the min/max bounds")
    s.add_argument("--poll-min-interval", type=float, default=None, help="shortest adaptive poll interval (s)")
    s.add_argument("--poll-max-interval", type=float, default=None, help="longest adaptive poll interval (s)")
    s.add_argument("--metrics-port", type=int, default=None)
    s.set_defaults(func=cmd_crawl)

    s = sub.add_parser("consume", help="run one consumer stage against Kafka (notify: with its delivery worker)")
    s.add_argument("stage", choices=topology.stage_names())
    s.add_argument("--metrics-port", type=int, default=None)
    s.set_defaults(func=cmd_consume)

    s = sub.add_parser("deliver", help="the delivery worker alone: send what the notify stage enqueued, serve feeds")
    s.add_argument("--metrics-port", type=int, default=None)
    s.set_defaults(func=cmd_deliver)

    s = sub.add_parser("dead-letters", help="send a stage's dead letters back to its input topic (after a fix)")
    s.add_argument("action", choices=["replay"])
    s.add_argument("stage", choices=topology.stage_names())
    s.add_argument("--data-dir", default=None, help="where big originals were kept (default: BNWATCH_DATA_DIR)")
    s.set_defaults(func=cmd_dead_letters)

    s = sub.add_parser("extract", help="clean one HTML page and print the article as JSON")
    s.add_argument("page", help="an HTML file, or - for standard input")
    s.add_argument("--url")
    s.add_argument("--outlet")
    s.set_defaults(func=cmd_extract)

    s = sub.add_parser("classify", help="one JSON line per file: does the Russia–North Korea rule alert?")
    s.add_argument("files", nargs="+", help="HTML pages or .txt articles (title on the first line); - for stdin")
    s.set_defaults(func=cmd_classify)

    s = sub.add_parser("stories", help="one JSON line per file: its story id")
    s.add_argument("files", nargs="+", help="HTML pages or .txt articles (title on the first line); - for stdin")
    s.set_defaults(func=cmd_stories)

    s = sub.add_parser("kafka", help="the local development broker (devtools/, in a checkout only)")
    s.add_argument("action", choices=["start", "stop", "status"])
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(func=cmd_kafka)

    s = sub.add_parser("config", help="print the effective configuration (secrets redacted), then check it")
    s.set_defaults(func=cmd_config)

    s = sub.add_parser("replay", help="serve the outlet replay")
    s.add_argument("--port", type=int, default=8800)
    s.set_defaults(func=cmd_replay)

    s = sub.add_parser("outlets", help="the outlet registry: check each outlet's newest articles field by field")
    ss = s.add_subparsers(dest="action", required=True)
    a = ss.add_parser("check", help="fetch each outlet's newest articles and report title/body/date/language "
                                    "found, missing or suspicious; exit 1 when any outlet is DEGRADED or BROKEN")
    a.add_argument("outlet", nargs="*", help="outlet ids (default: every registered outlet)")
    a.add_argument("--replay", action="store_true", help="check against the outlet replay (offline; CI)")
    a.add_argument("--limit", type=_positive_int, default=3, help="newest articles per outlet (default 3)")
    a.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    a.add_argument("--textfile", help="also write the counts for node_exporter's textfile collector (a .prom file)")
    a.add_argument("--metrics-port", type=int, default=None,
                   help="serve the counts on /metrics and keep serving after the run until stopped")
    a.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default=argparse.SUPPRESS)
    a.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS)
    s.set_defaults(func=cmd_outlets)

    s = sub.add_parser("subscribers", help="who gets alerts: list them, send a test alert, replay parked deliveries")
    ss = s.add_subparsers(dest="action", required=True)
    a = ss.add_parser("list", help="table of subscribers, rules and channels (secrets hidden)")
    a.add_argument("--file", help="subscribers file (default: BNWATCH_SUBSCRIBERS or deploy/subscribers.yaml)")
    a = ss.add_parser("test", help="send a test alert through every channel of NAME now; print each outcome")
    a.add_argument("name")
    a.add_argument("--file")
    a = ss.add_parser("replay-parked", help="requeue parked deliveries (after a subscriber fixed an endpoint)")
    a.add_argument("--subscriber")
    a.add_argument("--story")
    a.add_argument("--data-dir", help="the SQLite outbox under this bnwatch data dir (default: BNWATCH_DELIVERY_STORE,"
                                      " else BNWATCH_DATA_DIR)")
    a.add_argument("--store", help="the outbox: a SQLite file or a postgresql:// URL (default: BNWATCH_DELIVERY_STORE)")
    a = ss.add_parser("feeds", help="serve the Atom feeds from the outbox")
    a.add_argument("--file")
    a.add_argument("--data-dir", help="the SQLite outbox under this bnwatch data dir")
    a.add_argument("--store", help="the outbox: a SQLite file or a postgresql:// URL (default: BNWATCH_DELIVERY_STORE)")
    a.add_argument("--host", default=None, help="default: BNWATCH_FEEDS_ADDR, else 127.0.0.1")
    a.add_argument("--port", type=int, default=None, help="default: BNWATCH_FEEDS_PORT, else 8790")
    s.set_defaults(func=cmd_subscribers)
    for command in sub.choices.values():  # the logging options after the command too: `bnwatch run --log-format json`
        command.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default=argparse.SUPPRESS)
        command.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS)
    return p


# -- configuration ------------------------------------------------------------------------------------------------

#: the commands whose configuration is checked before anything starts
_CHECKED_COMMANDS = ("run", "demo", "crawl", "consume", "deliver", "subscribers")


def _check_configuration(args) -> int | None:
    """Parse and check everything the command reads (bnwatch/config.py, bnwatch/app/checks.py); with Kafka
    configured, wait for the broker (BNWATCH_KAFKA_TIMEOUT). None when all is well, else the exit code after one
    line on stderr: 2 for a configuration problem, 1 for an unreachable broker."""
    from bnwatch.app import checks
    from bnwatch.config import ConfigError, parse_port

    if args.command not in _CHECKED_COMMANDS:
        return None
    try:
        settings = Settings.from_env()
        port = getattr(args, "metrics_port", None)
        if port is not None:
            try:
                parse_port(str(port))
            except ValueError as exc:
                raise ConfigError(f"--metrics-port {port}: {exc}") from None
        if args.command == "demo" and args.data_dir:
            checks.check_writable_dir(Path(args.data_dir), f"--data-dir {args.data_dir!r}")
        command = f"consume {args.stage}" if args.command == "consume" else args.command
        if args.command == "consume" and not settings.kafka_bootstrap:
            raise ConfigError("bnwatch consume needs Kafka: set BNWATCH_KAFKA_BOOTSTRAP or KAFKA_BOOTSTRAP_SERVERS")
        if not (args.command == "subscribers" and args.action == "replay-parked"):  # reads only the outbox
            checks.check(settings, command, outlets=getattr(args, "outlets", None),
                         subscribers_file=Path(args.file) if getattr(args, "file", None) else None)
    except ConfigError as exc:
        sys.stderr.write(f"bnwatch: {exc}\n")
        return 2
    if settings.kafka_bootstrap and args.command in ("run", "crawl", "consume"):
        from bnwatch.kafka_client import wait_for_broker

        try:
            reachable = wait_for_broker(settings, settings.kafka_timeout)
        except ValueError as exc:  # Kafka client settings that cannot work together (KafkaSettingsError)
            sys.stderr.write(f"bnwatch: {exc}\n")
            return 2
        if not reachable:
            sys.stderr.write(f"bnwatch: Kafka at {settings.kafka_bootstrap} not reachable within "
                             f"{settings.kafka_timeout:g} s\n")
            return 1
        from bnwatch.kafka_client import ClusterChangedError, check_cluster

        try:
            check_cluster(settings)
        except ClusterChangedError as exc:  # a different (empty) cluster on the same address: refuse
            sys.stderr.write(f"bnwatch: {exc}\n")
            return 1
    return None


def cmd_config(args) -> int:
    """Print every variable, its value (secrets redacted) and where it came from; then check it all and print
    every problem, one line each, on stderr (exit 2)."""
    from bnwatch.app import checks
    from bnwatch.config import describe_env, env_problems

    print(_table([["VARIABLE", "VALUE", "FROM"], *([n, v, f] for n, v, f in describe_env())]))
    values, found = env_problems()
    settings = Settings(**values)  # what parsed; the defaults stand in for what did not
    if settings.kafka_bootstrap:
        try:
            from bnwatch.kafka_client import client_config

            client_config(settings)
        except ImportError:
            pass
        except ValueError as exc:
            found.append(str(exc))
    found += checks.problems(settings, "config")
    for problem in found:
        sys.stderr.write(f"bnwatch config: {problem}\n")
    if found:
        return 2
    print("configuration OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        logs.setup("DEBUG" if args.verbose else args.log_level, args.log_format)
    except ValueError as exc:  # a bad BNWATCH_LOG_LEVEL / BNWATCH_LOG_FORMAT (flags are checked by argparse)
        sys.stderr.write(f"bnwatch: {exc} (BNWATCH_LOG_LEVEL / BNWATCH_LOG_FORMAT)\n")
        return 2
    failed = _check_configuration(args)
    if failed is not None:
        return failed
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
