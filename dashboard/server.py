"""The HTTP side of the app (app.py serves it through st.App): /metrics in front
of Streamlit's own routes, and a lifespan that starts every configured
cluster's shared lag sampler with the server, so metrics are fresh before
anyone opens a page.

The samplers are the same objects the pages use (dashboard.handles caches one
Cluster per cluster, process-wide); a scrape only renders their latest sample.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dashboard import handles
from kafka_io.errors import KafkaIOError
from kafka_io.exporter.exporter import MetricsExporter
from kafka_io.exporter.http import CONTENT_TYPE_LATEST, authorized

__all__ = ["lifespan", "routes"]

log = logging.getLogger("kafka_io")


def _clusters():
    try:
        return [handles.cluster(settings) for settings in handles.configured_clusters().values()]
    except KafkaIOError as exc:  # bad configuration: the pages say so; /metrics exports nothing
        log.warning("metrics: %s", exc)
        return []


_exporter = MetricsExporter(_clusters)


async def _metrics(request: Request) -> Response:
    if not authorized(request.headers.get("authorization")):
        return PlainTextResponse("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    body = await asyncio.to_thread(_exporter.render)  # never block the event loop that serves the pages
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def routes() -> list[Route]:
    return [Route("/metrics", _metrics, methods=["GET"])]


@asynccontextmanager
async def lifespan(app):
    await asyncio.to_thread(_exporter.start)
    yield
