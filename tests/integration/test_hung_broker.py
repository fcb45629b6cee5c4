"""A hung broker never hangs a caller past its timeout."""

from __future__ import annotations

import time

import pytest
from support.faults import HangingProxy, dedicated_broker, frozen_process

from kafka_io._client import Connection, make_admin
from kafka_io.cluster import describe_cluster
from kafka_io.config import ClusterSettings
from kafka_io.errors import KafkaIOError

TIMEOUT_S = 2.0


def test_silent_bootstrap_connection_fails_within_the_timeout(kafka_bootstrap):
    host, port = kafka_bootstrap.rsplit(":", 1)
    proxy = HangingProxy(host, int(port))
    try:
        proxy.hang()
        settings = ClusterSettings(bootstrap_servers=proxy.bootstrap, timeout_s=TIMEOUT_S, embedded=False)
        started = time.monotonic()
        with pytest.raises(KafkaIOError) as caught:
            describe_cluster(Connection(make_admin(settings), settings))
        assert time.monotonic() - started < TIMEOUT_S + 1
        assert str(caught.value) == f"Cannot reach Kafka at {proxy.bootstrap}: no answer within 2 s"
    finally:
        proxy.close()


def test_frozen_broker_fails_a_connected_client_within_the_timeout_then_recovers(tmp_path):
    with dedicated_broker(tmp_path) as (bootstrap, pid):
        settings = ClusterSettings(bootstrap_servers=bootstrap, timeout_s=TIMEOUT_S, embedded=False)
        admin = make_admin(settings)
        assert describe_cluster(Connection(admin, settings)).brokers  # connected and healthy
        with frozen_process(pid):
            started = time.monotonic()
            with pytest.raises(KafkaIOError) as caught:
                describe_cluster(Connection(admin, settings))
            assert time.monotonic() - started < TIMEOUT_S + 1
            assert str(caught.value) == f"Cannot reach Kafka at {bootstrap}: no answer within 2 s"
        deadline = time.monotonic() + 10
        while True:  # the same cached client recovers by itself once the broker answers
            try:
                assert describe_cluster(Connection(admin, settings)).brokers
                break
            except KafkaIOError:
                assert time.monotonic() < deadline, "no recovery within 10 s"
                time.sleep(0.5)
