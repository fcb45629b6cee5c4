"""The HTTP side of the app (app.py serves it through st.App): /metrics in front
of Streamlit's own routes, and a lifespan that starts every configured
cluster's shared lag sampler (and alert watcher, when webhooks are configured)
with the server, so metrics and alerts are live before anyone opens a page.

The samplers are the same objects the pages use (dashboard.resources caches one
Cluster per cluster, process-wide); a scrape only renders their latest sample.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from starlette.routing import Route

from kafka_io.alerts.watcher import alert_settings, alert_watcher
from kafka_io.errors import KafkaIOError
from kafka_io.exporter.exporter import MetricsExporter
from kafka_io.exporter.http import metrics_endpoint

__all__ = ["lifespan", "routes"]

log = logging.getLogger("kafka_io")


def _clusters():
    # Imported here, after Streamlit's runtime exists: its st.cache_data decorators, run at
    # import, would otherwise fall back to a cache of their own (and log it, once each).
    from dashboard import resources

    try:
        return [resources.cluster(settings) for settings in resources.configured_clusters().values()]
    except KafkaIOError as exc:  # bad configuration: the pages say so; /metrics exports nothing
        log.warning("metrics: %s", exc)
        return []


_exporter = MetricsExporter(_clusters)


def routes() -> list[Route]:
    return [Route("/metrics", metrics_endpoint(_exporter), methods=["GET"])]


def _start() -> None:
    _exporter.start()
    try:
        settings = alert_settings()
    except KafkaIOError as exc:  # a bad [alerts] table: say so, and serve the dashboard anyway
        log.error("alerts are off: %s", exc)
        return
    for cluster in _clusters():
        alert_watcher(cluster, settings)


@asynccontextmanager
async def lifespan(app):
    await asyncio.to_thread(_start)
    yield
