"""Confluent-framed Avro, Protobuf and JSON Schema events against a real registry (Apicurio):
exact counts by type in the live worker and the `tail` CLI, decoded records in the tail,
and bad frames counted as (undecodable: reason), never fatal."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from support.kafka import create_topic
from support.schemas import order, produce_framed, produce_raw, serializer

from kafka_io.config import load_settings
from kafka_io.live.model import StartPosition
from kafka_io.live.output import payload_view
from kafka_io.live.rates import TypeSpec
from kafka_io.live.worker import TailWorker

TIMEOUT_S = 30
COUNTS = {"order_created": 30, "order_paid": 20, "order_refunded": 5}
TOTAL = sum(COUNTS.values())


def wait_for(check, what: str, timeout_s: float = TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


@pytest.fixture
def read_all():
    workers: list[TailWorker] = []

    def read(settings, topic: str, total: int, spec: str = "auto"):
        worker = TailWorker(settings, (topic,), TypeSpec.parse(spec), StartPosition("earliest")).start()
        workers.append(worker)
        wait_for(lambda: worker.snapshot().messages >= total, f"{total} events")
        return worker.snapshot(60)

    yield read
    for worker in workers:
        worker.stop()
    assert all(worker.join() for worker in workers)


@pytest.mark.parametrize("kind", ["avro", "protobuf", "json"])
def test_framed_events_count_by_type_and_show_decoded(
    kind, kafka_bootstrap, schema_registry, registry_settings, unique, read_all
):
    topic = unique(f"sr-{kind}")
    create_topic(kafka_bootstrap, topic, 2)
    produce_framed(kafka_bootstrap, schema_registry, topic, kind, COUNTS)
    snap = read_all(registry_settings, topic, TOTAL)
    assert snap.messages == TOTAL and snap.totals == COUNTS
    record = next(r for r in snap.tail if r.type == "order_refunded")
    assert record.schema.startswith({"avro": "AVRO", "protobuf": "PROTOBUF", "json": "JSON"}[kind] + " schema ")
    shown, body = payload_view(record)
    assert shown == "json" and body["event_type"] == "order_refunded"
    if kind != "json":  # the nested record decodes too (Protobuf int64 reads as a string, as in JSON mapping)
        assert body["customer"]["tier"] in ("gold", "free")
    assert record.kind == "json" and '"event_type":"order_refunded"' in record.preview


def test_a_nested_field_path_types_avro_records(kafka_bootstrap, schema_registry, registry_settings, unique, read_all):
    topic = unique("sr-path")
    create_topic(kafka_bootstrap, topic, 1)
    produce_framed(kafka_bootstrap, schema_registry, topic, "avro", {"order_created": 7})
    snap = read_all(registry_settings, topic, 7, spec="field:customer.tier")
    assert snap.totals == {"gold": 3, "free": 4}


def test_bad_schema_ids_and_corrupt_payloads_are_counted_not_fatal(
    kafka_bootstrap, schema_registry, registry_settings, unique, read_all
):
    topic = unique("sr-bad")
    create_topic(kafka_bootstrap, topic, 1)
    good = serializer("avro", SchemaRegistryClient({"url": schema_registry}))(order("order_created", 1), topic)
    unknown = b"\x00" + (987_654).to_bytes(4, "big") + good[5:]
    corrupt = good[:5] + b"\xff\xff\xff\xff"  # a known schema id, a body fastavro cannot read
    produce_raw(kafka_bootstrap, topic, [good] * 4 + [unknown] * 3 + [corrupt] * 2 + [b'{"event_type": "plain_json"}'])
    snap = read_all(registry_settings, topic, 10)
    assert snap.totals == {
        "order_created": 4,
        "(undecodable: unknown schema id 987654)": 3,
        "(undecodable: corrupt AVRO payload)": 2,
        "plain_json": 1,
    }
    assert snap.status == "running"
    bad = next(r for r in snap.tail if r.type.startswith("(undecodable: unknown"))
    assert bad.schema == "undecodable: unknown schema id 987654" and payload_view(bad)[0] == "hex"


def test_an_unreachable_registry_counts_every_event_and_never_stalls(
    kafka_bootstrap, schema_registry, unique, read_all, cluster_env, unreachable_bootstrap
):
    topic = unique("sr-down")
    create_topic(kafka_bootstrap, topic, 1)
    produce_framed(kafka_bootstrap, schema_registry, topic, "avro", {"order_created": 50})
    down = load_settings(env={**cluster_env, "SCHEMA_REGISTRY_URL": f"http://{unreachable_bootstrap}"})
    snap = read_all(down, topic, 50)
    assert snap.messages == 50 and sum(snap.totals.values()) == 50
    assert set(snap.totals) <= {"(undecodable: registry unreachable)"} | {
        t for t in snap.totals if t.startswith("(undecodable: schema ") and t.endswith(" loading)")
    }, snap.totals


def test_tail_cli_decodes_values_and_counts_by_type(kafka_bootstrap, schema_registry, registry_env, unique):
    topic = unique("sr-cli")
    create_topic(kafka_bootstrap, topic, 1)
    produce_framed(kafka_bootstrap, schema_registry, topic, "protobuf", {"order_created": 3, "order_paid": 2})
    result = subprocess.run(
        [sys.executable, "-m", "kafka_io", "tail", "--topic", topic, "--from-beginning"]
        + ["--max-messages", "5", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=registry_env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    *lines, summary = result.stdout.strip().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["value"]["event_type"] for e in events] == ["order_created"] * 3 + ["order_paid"] * 2
    assert all(e["schema"].startswith("PROTOBUF schema ") for e in events)
    assert json.loads(summary)["by_type"] == {"order_created": 3, "order_paid": 2}
