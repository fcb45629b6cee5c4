"""python -m kafka_io watch: the lag sampler, /metrics and alert webhooks without
the UI, for a host only Prometheus looks at. Runs until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import threading

from kafka_io.alerts.watcher import alert_settings, alert_watcher
from kafka_io.cli.common import add_cluster_options, cluster_flags
from kafka_io.cluster import Cluster
from kafka_io.config import load_clusters
from kafka_io.errors import InvalidInput
from kafka_io.exporter.exporter import MetricsExporter
from kafka_io.exporter.http import serve_metrics
from kafka_io.settings import metrics_token

DEFAULT_PORT = 8000  # kafka-lag-exporter's


def register(subparsers) -> None:
    parser = subparsers.add_parser("watch", help="sample lag and serve Prometheus /metrics, without the UI")
    add_cluster_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port of /metrics (default {DEFAULT_PORT})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise InvalidInput(f"--port must be 1-65535, got {args.port}")
    clusters = load_clusters(cluster_flags(args))
    if args.cluster is not None:
        if args.cluster not in clusters:
            raise InvalidInput(f"unknown cluster {args.cluster!r}; configured: {', '.join(clusters)}")
        clusters = {args.cluster: clusters[args.cluster]}
    alerts = alert_settings()
    handles = [Cluster(settings) for settings in clusters.values()]
    exporter = MetricsExporter(lambda: handles).start()
    for handle in handles:
        alert_watcher(handle, alerts)
    try:
        server = serve_metrics(exporter, args.host, args.port)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)  # "Address already in use"
        raise InvalidInput(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    token = " (bearer token required)" if metrics_token() else ""
    hooks = f"; alerts to {len(alerts.targets)} webhook(s)" if alerts else ""
    print(f"serving http://{args.host}:{args.port}/metrics{token} for {', '.join(clusters)}{hooks}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    for handle in handles:
        handle.close()
    print("stopped", flush=True)
    return 0
