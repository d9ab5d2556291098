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

from bnwatch.config import Settings


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# -- extract / classify / stories ---------------------------------------------------------------------------------


def _read_input(path: str) -> tuple[str, list[str], str | None, dict | None]:
    """(title, paragraphs, published_at, extracted) from an HTML page (cleaned first) or a .txt article."""
    from consumers.clean.extract import NotAnArticle, extract_page

    data = Path(path).read_bytes()
    if path.endswith(".txt"):
        text = data.decode("utf-8", errors="replace")
        lines = text.splitlines()
        title = lines[0].strip() if lines else ""
        body = "\n".join(lines[1:])
        paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
        return title, paragraphs, None, None
    try:
        extracted = extract_page(data)
    except NotAnArticle:
        return "", [], None, None
    paragraphs = [p for p in (extracted.get("body") or "").split("\n\n") if p.strip()]
    return extracted.get("title") or "", paragraphs, extracted.get("published_at"), extracted


def cmd_extract(args) -> int:
    from consumers.clean.extract import NotAnArticle, extract_page

    data = Path(args.page).read_bytes()
    try:
        result = extract_page(data, url=args.url, outlet=args.outlet)
    except NotAnArticle as exc:
        sys.stderr.write(f"bnwatch extract: not an article: {exc}\n")
        return 3
    _print_json(result)
    return 0


def cmd_classify(args) -> int:
    from consumers.tag.stage import classify

    for path in args.files:
        title, paragraphs, _published, _ = _read_input(path)
        result = classify(title, paragraphs)
        _print_json({"input": path, "alert": bool(result["alert"]), "score": result["score"],
                     "entities": result["entities"]})
    return 0


def cmd_stories(args) -> int:
    from consumers.stories import assign_stories

    items = []
    for path in args.files:
        title, paragraphs, published, _ = _read_input(path)
        items.append((path, title, paragraphs, published))
    for name, story in assign_stories(items):
        _print_json({"input": name, "story": story})
    return 0


# -- kafka / replay ----------------------------------------------------------------------------------------------


def cmd_kafka(args) -> int:
    from bnwatch.kafka_local import kafka_command

    return kafka_command(args.action, port=args.port)


def cmd_replay(args) -> int:
    from crawler.replay.server import ReplayServer

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
    return pipeline.run(settings, outlets=args.outlets, follow=not args.once, poll_interval=args.poll_interval)


def cmd_demo(args) -> int:
    from bnwatch.app import demo

    return demo.run_demo(timeout=args.timeout, metrics_port=args.metrics_port, keep_data=args.data_dir)


def cmd_crawl(args) -> int:
    from bnwatch.app import pipeline

    settings = Settings.from_env()
    if args.metrics_port is not None:
        settings = settings.with_(metrics_port=args.metrics_port)
    return pipeline.crawl(settings, outlets=args.outlets, follow=args.follow, poll_interval=args.poll_interval)


def cmd_consume(args) -> int:
    from bnwatch.app import pipeline

    settings = Settings.from_env()
    if args.metrics_port is not None:
        settings = settings.with_(metrics_port=args.metrics_port)
    return pipeline.consume(settings, args.stage)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bnwatch", description="Streaming monitor of Bengali-language news")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("run", help="the main job: crawl, clean, tag, alert (embedded unless Kafka is configured)")
    s.add_argument("--outlets", default="all")
    s.add_argument("--once", action="store_true", help="one crawl pass, process everything, then stop")
    s.add_argument("--poll-interval", type=float, default=None)
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
    s.add_argument("--poll-interval", type=float, default=None)
    s.add_argument("--metrics-port", type=int, default=None)
    s.set_defaults(func=cmd_crawl)

    s = sub.add_parser("consume", help="run one consumer stage against Kafka")
    s.add_argument("stage", choices=["clean", "tag", "stories", "notify"])
    s.add_argument("--metrics-port", type=int, default=None)
    s.set_defaults(func=cmd_consume)

    s = sub.add_parser("extract", help="clean one HTML page and print the article as JSON")
    s.add_argument("page")
    s.add_argument("--url")
    s.add_argument("--outlet")
    s.set_defaults(func=cmd_extract)

    s = sub.add_parser("classify", help="one JSON line per file: does the Russia–North Korea rule alert?")
    s.add_argument("files", nargs="+")
    s.set_defaults(func=cmd_classify)

    s = sub.add_parser("stories", help="one JSON line per file: its story id")
    s.add_argument("files", nargs="+")
    s.set_defaults(func=cmd_stories)

    s = sub.add_parser("kafka", help="the local development broker")
    s.add_argument("action", choices=["start", "stop", "status"])
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(func=cmd_kafka)

    s = sub.add_parser("replay", help="serve the outlet replay")
    s.add_argument("--port", type=int, default=8800)
    s.set_defaults(func=cmd_replay)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
