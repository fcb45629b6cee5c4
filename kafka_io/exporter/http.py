"""/metrics over HTTP: the bearer-token check and the /metrics endpoint shared by the
dashboard's route (dashboard/server.py) and the headless server of
``python -m kafka_io watch`` (Starlette on uvicorn, both already Streamlit's own)."""

from __future__ import annotations

import asyncio
import hmac
import socket
import threading
from collections.abc import Awaitable, Callable

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kafka_io.exporter.exporter import MetricsExporter
from kafka_io.settings import metrics_token

__all__ = [
    "CONTENT_TYPE_LATEST",
    "MetricsServer",
    "authorized",
    "metrics_endpoint",
    "serve_metrics",
]

CONTENT_TYPE_LATEST = "text/plain; version=0.0.4; charset=utf-8"  # Prometheus' text format
STOP_TIMEOUT_S = 5.0


def authorized(authorization: str | None, token: str | None) -> bool:
    """True without a token configured; else the header must be ``Bearer <token>``."""
    if not token:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_endpoint(exporter: MetricsExporter) -> Callable[[Request], Awaitable[Response]]:
    """GET /metrics: 401 without the token (when one is set), else the exporter's latest text."""

    async def metrics(request: Request) -> Response:
        if not authorized(request.headers.get("authorization"), metrics_token()):
            return PlainTextResponse("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body = await asyncio.to_thread(exporter.render)  # never block the event loop
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics


async def _healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n")


async def _not_found(request: Request, exc: HTTPException) -> Response:
    return PlainTextResponse("not found\n", status_code=404)


class MetricsServer:
    """uvicorn in a daemon thread on a socket bound before it starts, so a taken port fails
    in the caller (an OSError), not in the thread; ``shutdown()`` stops it."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        self._socket = socket.create_server((host, port))
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, args=([self._socket],), name="kdash-metrics-http", daemon=True
        )
        self._thread.start()

    def shutdown(self) -> None:
        self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT_S)
        self._socket.close()


def serve_metrics(exporter: MetricsExporter, host: str, port: int) -> MetricsServer:
    """Serve /metrics (and /healthz); every other path is 404."""
    app = Starlette(
        routes=[
            Route("/healthz", _healthz, methods=["GET"]),
            Route("/metrics", metrics_endpoint(exporter), methods=["GET"]),
        ],
        exception_handlers={404: _not_found},
    )
    app.router.redirect_slashes = False  # /metrics/ is not /metrics: 404, as before
    return MetricsServer(app, host, port)
