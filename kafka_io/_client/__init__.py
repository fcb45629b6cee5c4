"""Everything that guards kafka_io against librdkafka, behind this one facade.

Small private modules, each for one defence:

    factories     clients configured with named timeouts, quiet logs, viewer consumers
                  that can never join or commit a group
    connection    ClusterClient: what domain functions take (admin + settings); Connection
    admin         the admin client: requests counted, consumer-group calls in a child
    group_child   that child process, restarted after a crash (librdkafka#5040, #4605)
    group_worker  the child's side: the admin calls, answered as values
    frames        the pipe between them
    values        what the group calls answer: kafka_io's own frozen values
    offsets       list_offsets, with partition leaders primed first (a librdkafka crash)
    handshake     a refused password or TLS handshake, in one line
    translate     Kafka errors in plain words, with TCP probes for the real reason

Domain code imports from here, never from the modules.
"""

from __future__ import annotations

from kafka_io._client.admin import ADMIN_REQUESTS, CountingAdmin, make_admin
from kafka_io._client.connection import ClusterClient, Connection
from kafka_io._client.factories import (
    VIEWER_GROUP_PREFIX,
    make_member_consumer,
    make_producer,
    make_viewer_consumer,
    viewer_consumer_config,
)
from kafka_io._client.group_child import CRASHED
from kafka_io._client.handshake import diagnose as diagnose_handshake
from kafka_io._client.offsets import (
    EARLIEST,
    FUTURE_GRACE_S,
    LATEST,
    OFFSETS_BATCH,
    OffsetAnswer,
    OffsetQuery,
    list_offsets,
    note_metadata,
)
from kafka_io._client.translate import all_refused, kafka_failure, tcp_reason, translate_error
from kafka_io._client.values import GroupDescription, GroupListing, GroupListings, GroupMember, GroupOffsets

__all__ = [
    "ADMIN_REQUESTS",
    "CRASHED",
    "ClusterClient",
    "Connection",
    "EARLIEST",
    "FUTURE_GRACE_S",
    "LATEST",
    "OFFSETS_BATCH",
    "VIEWER_GROUP_PREFIX",
    "CountingAdmin",
    "GroupDescription",
    "GroupListing",
    "GroupListings",
    "GroupMember",
    "GroupOffsets",
    "OffsetAnswer",
    "OffsetQuery",
    "all_refused",
    "diagnose_handshake",
    "kafka_failure",
    "list_offsets",
    "make_admin",
    "make_member_consumer",
    "make_producer",
    "make_viewer_consumer",
    "note_metadata",
    "tcp_reason",
    "translate_error",
    "viewer_consumer_config",
]
