"""/metrics over HTTP: the bearer-token check shared by the dashboard's route and the
headless server of ``python -m kafka_io watch``."""

from __future__ import annotations

import hmac
import logging
import os
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kafka_io.exporter.exporter import MetricsExporter

__all__ = ["CONTENT_TYPE_LATEST", "METRICS_TOKEN_ENV", "authorized", "serve_metrics"]

METRICS_TOKEN_ENV = "KDASH_METRICS_TOKEN"
CONTENT_TYPE_LATEST = "text/plain; version=0.0.4; charset=utf-8"  # Prometheus' text format
log = logging.getLogger("kafka_io")


def authorized(authorization: str | None, env: Mapping[str, str] | None = None) -> bool:
    """True without a token configured; else the header must be ``Bearer <token>``."""
    token = (os.environ if env is None else env).get(METRICS_TOKEN_ENV, "")
    if not token:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def serve_metrics(exporter: MetricsExporter, host: str, port: int) -> ThreadingHTTPServer:
    """Serve /metrics (and /healthz) in a daemon thread; ``shutdown()`` stops it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/healthz":
                return self._reply(200, b"ok\n", "text/plain")
            if self.path.split("?")[0] != "/metrics":
                return self._reply(404, b"not found\n", "text/plain")
            if not authorized(self.headers.get("Authorization")):
                return self._reply(401, b"unauthorized\n", "text/plain")
            self._reply(200, exporter.render(), CONTENT_TYPE_LATEST)

        def _reply(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # scrapes every few seconds: not worth a line each
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="kdash-metrics-http", daemon=True).start()
    return server
