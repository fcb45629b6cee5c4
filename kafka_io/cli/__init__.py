"""The CLI: one module per subcommand, each with register(subparsers).

Every command validates before it sends, prints a one-line error on stderr and
exits non-zero on failure, and never shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from kafka_io.errors import InvalidInput, KafkaIOError

__all__ = ["main", "EXIT_ERROR", "EXIT_USAGE"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Subcommand modules, in help order. A module that is not written yet is skipped.
COMMAND_MODULES = (
    "broker",
    "cluster",
    "topics",
    "lag",
    "produce",
    "tail",
    "messages",
    "demo",
    "serve",
    "watch",
    "audit",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kafka_io", description="Kafka event-flow dashboard CLI")
    parser.add_argument("-v", "--verbose", action="store_true", help="log client details to stderr")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"kafka_io.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"kafka_io.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    if args.verbose:
        logging.getLogger("kafka_io.librdkafka").setLevel(logging.DEBUG)
    try:
        return int(args.func(args) or 0)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KafkaIOError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still no traceback for the user
        logging.getLogger("kafka_io").debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
        return EXIT_ERROR
