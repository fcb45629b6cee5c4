"""Messages with a real schema registry (Apicurio): framed Avro, Protobuf and JSON Schema values are
decoded on a page, typed from the record, and a scan's filter reads the decoded record."""

from __future__ import annotations

import orjson
import pytest
from support.kafka import create_topic
from support.schemas import produce_framed

from kafka_io.cluster import Cluster
from kafka_io.messages.browse import read_page
from kafka_io.messages.model import Seek
from kafka_io.messages.scan import scan

COUNTS = {"order_created": 6, "order_paid": 4}
SCHEMA_NAMES = {"avro": "AVRO", "protobuf": "PROTOBUF", "json": "JSON"}


@pytest.mark.parametrize("kind", ["avro", "protobuf", "json"])
def test_a_page_decodes_framed_values(kind, kafka_bootstrap, schema_registry, registry_settings, unique):
    topic = unique(f"msg-sr-{kind}")
    create_topic(kafka_bootstrap, topic, 1)
    produce_framed(kafka_bootstrap, schema_registry, topic, kind, COUNTS)
    with Cluster(registry_settings) as cluster:
        page = read_page(cluster, topic, seek=Seek("oldest"))
        assert [m.type for m in page.messages] == ["order_created"] * 6 + ["order_paid"] * 4
        first = page.messages[0]
        assert first.schema.startswith(f"{SCHEMA_NAMES[kind]} schema ")
        record = orjson.loads(first.decoded)
        assert record["event_type"] == "order_created"
        assert first.value[0] == 0 and first.value_size == len(first.value)  # the raw frame is kept as read
        if kind == "avro":  # i = 0, 2, 4 of each type are "free", 1, 3, 5 "gold": 3 + 2 gold
            found = scan(cluster, topic, filter_expr='value.customer.tier == "gold"', limit=100)
            assert (found.progress.matched, found.progress.unevaluated) == (5, 0)
