"""Prometheus exposition of the shared lag sampler, with kafka-lag-exporter's metric
names and labels (so existing Grafana dashboards and alerts work unchanged).

    families.py  the metric families of one cluster's latest sample (no I/O)
    exporter.py  MetricsExporter: every cluster's families, rendered once per sample
    http.py      the bearer-token check and the headless /metrics server (`watch`)
"""
