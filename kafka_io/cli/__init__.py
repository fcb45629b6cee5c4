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
    "redrive",
    "reset_offsets",
    "delete_offsets",
    "topic_config",
    "purge",
    "brokers",
    "acls",
    "demo",
    "serve",
    "watch",
    "audit",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; with ``only`` (a module of COMMAND_MODULES) just that subcommand's.

    Registering a subcommand imports its module, and some pull in a lot (the schema
    registry, Authlib, httpx): building every one cost ~1.2 s a run, against ~0.25 s
    for the command that runs. ``--help`` and mistyped commands still get them all.
    """
    parser = argparse.ArgumentParser(prog="python -m kafka_io", description="Kafka event-flow dashboard CLI")
    parser.add_argument("-v", "--verbose", action="store_true", help="log client details to stderr")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(f"kafka_io.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"kafka_io.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def command_module(argv: list[str]) -> str | None:
    """The module of the subcommand ``argv`` names (the first word that is not an option), if any."""
    word = next((a for a in argv if not a.startswith("-")), None)
    name = word.replace("-", "_") if word else None
    return name if name in COMMAND_MODULES else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_module(argv))
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
